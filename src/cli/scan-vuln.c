/* SPDX-License-Identifier: Apache-2.0 */
/* scan-vuln.c - DB, matching, base image, risk, suppressions and the gate. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/yaml.h"
#include "moat/error.h"
#include "risk/risk.h"
#include "sbom/catalog.h"
#include "vuln/suppress.h"
#include "vuln/vulndb.h"
#include "cli.h"
#include "scan-vuln.h"
#include "detect/detect.h"
#include "policy/policy.h"

enum {
	OPT_DB = 0x200, OPT_NO_VULN, OPT_BASE_IMAGE, OPT_CONTEXT, OPT_IGNORE_FILE, OPT_VEX,
	OPT_POLICY, OPT_FAIL_ON, OPT_FAIL_ON_FIXABLE, OPT_FAIL_ON_RISK, OPT_SEVERITY,
	OPT_IGNORE_UNFIXED, OPT_PKG_TYPES, OPT_MAX_DB_AGE, OPT_LANG_DECLARED,
};

const struct option scan_vuln_options[] = {
	{ "db", required_argument, NULL, OPT_DB },
	{ "no-vuln", no_argument, NULL, OPT_NO_VULN },
	{ "base-image", required_argument, NULL, OPT_BASE_IMAGE },
	{ "context", required_argument, NULL, OPT_CONTEXT },
	{ "ignore-file", required_argument, NULL, OPT_IGNORE_FILE },
	{ "vex", required_argument, NULL, OPT_VEX },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "fail-on", required_argument, NULL, OPT_FAIL_ON },
	{ "fail-on-fixable", no_argument, NULL, OPT_FAIL_ON_FIXABLE },
	{ "fail-on-risk", required_argument, NULL, OPT_FAIL_ON_RISK },
	{ "severity", required_argument, NULL, OPT_SEVERITY },
	{ "ignore-unfixed", no_argument, NULL, OPT_IGNORE_UNFIXED },
	{ "pkg-types", required_argument, NULL, OPT_PKG_TYPES },
	{ "max-db-age", required_argument, NULL, OPT_MAX_DB_AGE },
	{ "lang-declared", no_argument, NULL, OPT_LANG_DECLARED },
};
const size_t scan_vuln_n_options = sizeof(scan_vuln_options) / sizeof(scan_vuln_options[0]);

void scan_vuln_usage(FILE *out)
{
	fputs("vulnerabilities:\n"
	      "      --db FILE             vulnerability DB (default: the one `moat db update` keeps)\n"
	      "      --no-vuln             packages only, no matching\n"
	      "      --base-image TARGET   the base image (its layers are the bottom of this one)\n"
	      "      --context FILE        runtime facts for the risk score (JSON)\n"
	      "      --severity LIST       show only these severities (critical,high,...)\n"
	      "      --ignore-unfixed      hide findings without a fixed version\n"
	      "      --pkg-types LIST      os,lang (default both)\n"
	      "      --lang-declared       also match declared packages (lockfiles with nothing\n"
	      "                            installed beside them)\n"
	      "      --ignore-file FILE    suppress ids (lines: ID [PACKAGE] [# reason])\n"
	      "      --vex FILE            OpenVEX or CycloneDX VEX statements (repeatable)\n"
	      "      --fail-on LIST        exit 1 when a finding has one of these severities\n"
	      "      --fail-on-fixable     exit 1 when a finding has a fix (with --fail-on: both)\n"
	      "      --fail-on-risk N      exit 1 when a finding's risk score is N or more\n"
	      "      --policy FILE         gate settings from a YAML/JSON policy file\n"
	      "      --max-db-age DAYS     warn when the DB is older (default 7)\n",
	      out);
}

void scan_vuln_args_init(struct vuln_args *va)
{
	memset(va, 0, sizeof(*va));
	va->fail_on_risk = -1;
	va->max_db_age_days = 7;
}

/* "critical,high" -> bit (rank + 1) per word; unknown words are errors. */
static int scan_severity_mask(const char *list, unsigned *ret_mask)
{
	return moat_policy_severity_list(list, ret_mask);
}

/* The gate as the user wrote it, for the summary line. */
static void note_gate(struct vuln_args *va, const char *opt, const char *arg)
{
	size_t len = strlen(va->gate_rule_buf);

	snprintf(va->gate_rule_buf + len, sizeof(va->gate_rule_buf) - len, "%s--%s%s%s",
		 len ? " " : "", opt, arg ? " " : "", arg ? arg : "");
	va->gate_rule = va->gate_rule_buf;
}

int scan_vuln_option(int code, const char *arg, struct vuln_args *va)
{
	if (code == OPT_FAIL_ON || code == OPT_FAIL_ON_FIXABLE || code == OPT_FAIL_ON_RISK)
		note_gate(va, scan_vuln_options[code - OPT_DB].name, arg);
	long v;
	char *end;

	switch (code) {
	case OPT_DB: va->db_path = arg; return 1;
	case OPT_NO_VULN: va->no_vuln = true; return 1;
	case OPT_BASE_IMAGE: va->base_image = arg; return 1;
	case OPT_CONTEXT: va->context = arg; return 1;
	case OPT_IGNORE_FILE: va->ignore_file = arg; return 1;
	case OPT_POLICY: va->policy = arg; return 1;
	case OPT_FAIL_ON_FIXABLE: va->fail_on_fixable = true; return 1;
	case OPT_IGNORE_UNFIXED: va->ignore_unfixed = true; return 1;
	case OPT_LANG_DECLARED: va->lang_declared = true; return 1;
	case OPT_VEX:
		if (va->n_vex == sizeof(va->vex) / sizeof(va->vex[0]))
			return fprintf(stderr, "moat scan: at most 8 --vex files\n"), -EINVAL;
		va->vex[va->n_vex++] = arg;
		return 1;
	case OPT_FAIL_ON:
		if (scan_severity_mask(arg, &va->fail_on) < 0)
			return fprintf(stderr, "moat scan: bad --fail-on '%s' (want e.g. "
				       "critical,high)\n", arg), -EINVAL;
		return 1;
	case OPT_SEVERITY:
		if (scan_severity_mask(arg, &va->severity_mask) < 0)
			return fprintf(stderr, "moat scan: bad --severity '%s'\n", arg), -EINVAL;
		return 1;
	case OPT_FAIL_ON_RISK:
	case OPT_MAX_DB_AGE:
		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || end == arg || *end || v < 0 || (code == OPT_FAIL_ON_RISK && v > 100))
			return fprintf(stderr, "moat scan: bad number '%s'\n", arg), -EINVAL;
		if (code == OPT_FAIL_ON_RISK)
			va->fail_on_risk = (int)v;
		else
			va->max_db_age_days = v;
		return 1;
	case OPT_PKG_TYPES:
		va->no_os = !strstr(arg, "os");
		va->no_lang = !strstr(arg, "lang");
		if (va->no_os && va->no_lang)
			return fprintf(stderr, "moat scan: bad --pkg-types '%s' (os,lang)\n", arg),
			       -EINVAL;
		return 1;
	}
	return 0;
}

/* The policy file (docs/policy.md), checked in full by src/policy/: its
 * vulnerability keys fill in what flags did not say (command-line flags
 * given as well win); admission keys are for `moat authz` / `moat webhook`. */
static int load_policy(struct vuln_args *va, struct moat_error *err)
{
	struct moat_policy *p = NULL;
	const struct moat_policy_vuln *pv;
	int r = moat_policy_load(va->policy, &p, err);

	if (r < 0)
		return r;
	pv = moat_policy_vuln(p);
	if (!va->fail_on)
		va->fail_on = pv->fail_on;
	if (!va->severity_mask)
		va->severity_mask = pv->severity;
	va->fail_on_fixable |= pv->fail_on_fixable;
	va->ignore_unfixed |= pv->ignore_unfixed;
	if (va->fail_on_risk < 0)
		va->fail_on_risk = pv->fail_on_risk;
	va->policy_doc = pv->ignore ? json_incref(pv->ignore) : NULL;
	if (!va->gate_rule)
		va->gate_rule = va->policy;
	moat_policy_free(p);
	return 0;
}

/* A JSON list of strings as a NULL-ended array of borrowed strings. */
static const char *const *str_array(const json_t *v)
{
	const char **out;
	const json_t *item;
	size_t i;

	if (!v)
		return NULL;
	out = calloc(json_array_size(v) + 1, sizeof(*out));
	json_array_foreach(v, i, item)
		if (out)
			out[i] = json_string_value(item);
	return out;
}

void scan_secret_allow_free(struct moat_detect_allow *a, size_t n, json_t *owner)
{
	json_decref(owner);
	for (size_t i = 0; a && i < n; i++) {
		free((void *)(uintptr_t)a[i].rules); /* ours: str_array() */
		free((void *)(uintptr_t)a[i].fingerprints);
	}
	free(a);
}

int scan_secret_allow(const char *policy, struct moat_detect_allow **ret, size_t *ret_n,
		      json_t **ret_owner, struct moat_error *err)
{
	struct moat_policy *p = NULL;
	json_t *list;
	const json_t *item;
	struct moat_detect_allow *a;
	size_t i;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	*ret_owner = NULL;
	if (!policy)
		return 0;
	if ((r = moat_policy_load(policy, &p, err)) < 0)
		return r;
	list = moat_policy_vuln(p)->secret_allow;
	a = list && json_array_size(list) ? calloc(json_array_size(list), sizeof(*a)) : NULL;
	json_array_foreach(list, i, item) {
		if (!a)
			break;
		a[i].path = moat_json_str(item, "path");
		a[i].rules = str_array(json_object_get(item, "rules"));
		a[i].fingerprints = str_array(json_object_get(item, "fingerprints"));
		if ((json_object_get(item, "rules") && !a[i].rules) ||
		    (json_object_get(item, "fingerprints") && !a[i].fingerprints))
			r = -ENOMEM;
	}
	if (list && json_array_size(list) && (!a || r < 0))
		r = moat_error_set(err, -ENOMEM, "out of memory");
	else
		*ret_n = list ? json_array_size(list) : 0;
	/* The strings live in the policy's list: it outlives the policy. */
	*ret = a;
	*ret_owner = list ? json_incref(list) : NULL;
	if (r < 0) {
		scan_secret_allow_free(a, list ? json_array_size(list) : 0, *ret_owner);
		*ret = NULL;
		*ret_n = 0;
		*ret_owner = NULL;
	}
	moat_policy_free(p);
	return r;
}

/* The policy's ignore list: [{id, package?, reason?}]. */
static void policy_ignores(const struct vuln_args *va, struct vuln_state *st)
{
	const json_t *item;
	size_t i;

	json_array_foreach(va->policy_doc, i, item) {
		const char *id = moat_json_str(item, "id");
		const char *pkg = moat_json_str(item, "package");

		for (size_t k = 0; id && k < st->list.count; k++) {
			struct moat_vuln_finding *f = st->list.items[k];
			bool hit = !strcmp(f->id, id);

			for (size_t a = 0; !hit && a < f->n_aliases; a++)
				hit = f->aliases[a] && !strcmp(f->aliases[a], id);
			if (hit && !f->suppressed && (!pkg || !strcmp(pkg, f->pkg->name)))
				f->suppressed = "policy";
		}
	}
}

/* The gate as the user asked for it, for messages, or NULL when there is
 * none. A --policy counts even when it sets no fail_on*: its author expects
 * it evaluated. */
static const char *gate_asked(const struct vuln_args *va, char *buf, size_t len)
{
	if (va->gate_rule && va->gate_rule != va->policy)
		return va->gate_rule; /* the command line's --fail-on* */
	if (!va->policy)
		return NULL;
	snprintf(buf, len, "--policy %s", va->policy);
	return buf;
}

/* Open and verify the DB. Gates fail closed: with a gate, no DB (or one that
 * does not open and verify) is an error naming the DB, never an empty
 * finding list that passes. Without one, a missing default DB means
 * packages only, with a warning; a damaged one is still an error. */
static int open_db(const struct vuln_args *va, struct vuln_state *st, struct moat_error *err)
{
	char def[4096];
	char gate_buf[sizeof(va->gate_rule_buf)];
	const char *path = va->db_path;
	const char *gate = gate_asked(va, gate_buf, sizeof(gate_buf));
	const struct moat_vulndb_info *info;
	long age_days;
	int r;

	if (va->no_vuln)
		return gate ? moat_error_set(err, MOAT_E_USAGE, "gate %s needs vulnerability "
					     "matching: drop --no-vuln", gate) : 0;
	if (!path) {
		path = moat_vulndb_default_path(def, sizeof(def));
		if (!path && gate)
			return moat_error_set(err, MOAT_E_NOTFOUND, "gate %s needs a "
					      "vulnerability DB: give --db (no $MOAT_DB, "
					      "$XDG_DATA_HOME or $HOME for the default)", gate);
		if (!path || access(path, F_OK) != 0) {
			if (gate)
				return moat_error_set(err, MOAT_E_NOTFOUND, "gate %s needs a "
						      "vulnerability DB: none at %s (run `moat db "
						      "update` or give --db)", gate, path);
			fprintf(stderr, "moat scan: no vulnerability DB at %s (run `moat db update` "
				"or give --db); packages only\n", path ? path : "the default path");
			return 0;
		}
	}
	r = moat_vulndb_open(path, true, &st->db, err);
	if (r < 0)
		return gate ? moat_error_prefix(err, "gate %s needs a usable vulnerability DB: ",
						gate)
			    : moat_error_prefix(err, "vulnerability DB ");
	info = moat_vulndb_info(st->db);
	age_days = (long)((time(NULL) - info->built) / 86400);
	if (va->max_db_age_days && age_days > va->max_db_age_days)
		fprintf(stderr, "moat scan: warning: the vulnerability DB %s is %ld days old "
			"(run `moat db update`)\n", path, age_days);
	return 0;
}

int scan_vulns_open(struct vuln_args *va, struct vuln_state *st, struct moat_error *err)
{
	int r;

	/* The policy fills in what flags did not say. */
	if (va->policy && (r = load_policy(va, err)) < 0)
		return r;
	st->policy_doc_owner = va->policy_doc;
	return open_db(va, st, err);
}

/* record: add the images to the base index (a scan that matched
 * vulnerabilities does; one that only ran content scanners reads it). */
static int find_base(const struct vuln_args *va, const struct moat_image_opts *base_opts,
		     struct moat_catalog_ctx *cat, struct vuln_state *st, bool record,
		     struct moat_error *err)
{
	struct moat_image_opts opts = *base_opts;
	struct moat_image *base_img = NULL;
	struct moat_error ierr = { 0 };
	int r;

	if (moat_base_index_open(NULL, &st->index, &ierr) < 0)
		cli_errorf("moat scan: warning: base index: %s\n", ierr.msg);
	if (va->base_image) {
		opts.target = va->base_image;
		opts.want_content = NULL;
		opts.want_roots = NULL;   /* only its metadata is used */
		opts.visit_file = NULL;
		opts.progress = NULL;
		if ((r = moat_image_open(&opts, &base_img, err)) < 0)
			return moat_error_prefix(err, "--base-image %s: ", va->base_image);
	}
	r = moat_base_find(st->index, cat->meta, base_img ? moat_image_meta(base_img) : NULL,
			   va->base_image, cat->arena, &st->base, err);
	if (r == 0 && record && base_img && st->index &&
	    moat_base_index_add(st->index, va->base_image, moat_image_meta(base_img), true,
				&ierr) < 0)
		cli_errorf("moat scan: warning: base index: %s\n", ierr.msg);
	moat_image_close(base_img);
	/* This image is a candidate base for the images built on it. */
	if (r == 0 && record && st->index &&
	    moat_base_index_add(st->index, NULL, cat->meta, false, &ierr) < 0)
		cli_errorf("moat scan: warning: base index: %s\n", ierr.msg);
	return r;
}

static bool gate_hit(const struct vuln_args *va, const struct moat_vuln_finding *f)
{
	bool sev = va->fail_on && (va->fail_on & (1u << (moat_severity_rank(f->severity) + 1)));
	bool fixable = f->fixed_version != NULL;

	if (va->fail_on_risk >= 0 && f->risk.score >= va->fail_on_risk)
		return true;
	if (va->fail_on && va->fail_on_fixable)
		return sev && fixable;
	return sev || (va->fail_on_fixable && fixable);
}

static int run_gate(const struct vuln_args *va, struct vuln_state *st, struct moat_arena *arena,
		    struct moat_error *err)
{
	struct moat_gate *g = &st->gate;

	g->enabled = va->fail_on || va->fail_on_fixable || va->fail_on_risk >= 0;
	if (!g->enabled)
		return 0;
	g->rule = va->gate_rule;
	g->fail_on = va->fail_on;
	g->fail_on_fixable = va->fail_on_fixable;
	g->fail_on_risk = va->fail_on_risk;
	g->breaking = moat_arena_calloc(arena, st->list.count + 1,
					sizeof(*g->breaking)); /* NOLINT(bugprone-sizeof-expression) */
	if (!g->breaking)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; i < st->list.count; i++) {
		const struct moat_vuln_finding *f = st->list.items[i];

		if (!f->suppressed && gate_hit(va, f))
			g->breaking[g->n_breaking++] = f;
	}
	g->failed = g->n_breaking > 0;
	return 0;
}

static int cmp_findings(const void *pa, const void *pb)
{
	const struct moat_vuln_finding *a = *(const struct moat_vuln_finding *const *)pa;
	const struct moat_vuln_finding *b = *(const struct moat_vuln_finding *const *)pb;
	int d = b->risk.score - a->risk.score;

	if (d)
		return d;
	if ((d = moat_severity_rank(b->severity) - moat_severity_rank(a->severity)))
		return d;
	if ((d = strcmp(a->pkg->name, b->pkg->name)))
		return d;
	return strcmp(a->id, b->id);
}

static void apply_filters(const struct vuln_args *va, struct vuln_state *st)
{
	for (size_t i = 0; i < st->list.count; i++) {
		struct moat_vuln_finding *f = st->list.items[i];

		if (f->suppressed)
			continue;
		if (va->ignore_unfixed && !f->fixed_version)
			f->suppressed = "--ignore-unfixed";
		else if (va->severity_mask &&
			 !(va->severity_mask & (1u << (moat_severity_rank(f->severity) + 1))))
			f->suppressed = "--severity";
	}
}

static int match_all(const struct vuln_args *va, struct moat_catalog_ctx *cat,
		     struct vuln_state *st, struct moat_error *err)
{
	struct moat_pkg_list pkgs = { 0 };
	int r;

	for (size_t i = 0; i < cat->pkgs.count; i++) {
		const struct moat_pkg *p = cat->pkgs.items[i];

		if ((moat_pkg_is_os(p) && va->no_os) || (!moat_pkg_is_os(p) && va->no_lang))
			continue;
		/* A lockfile with nothing installed beside it is intent, not code. */
		if (!va->lang_declared && p->evidence && !strcmp(p->evidence, "declared"))
			continue;
		if ((r = moat_pkg_list_add(cat->arena, &pkgs, cat->pkgs.items[i])) < 0)
			return moat_error_set(err, r, "out of scan memory");
	}
	return moat_vuln_match(st->db, &cat->os, cat->meta, &pkgs, cat->arena, &st->list, err);
}

int scan_vulns(struct vuln_args *va, const struct moat_image_opts *base_opts,
	       struct moat_catalog_ctx *cat, struct vuln_state *st,
	       struct moat_scan_result *res, struct moat_error *err)
{
	struct moat_risk_context rctx;
	int r;

	if (!st->db)
		return 0; /* --no-vuln, or no DB at the default path and no gate: packages only */
	if ((r = match_all(va, cat, st, err)) < 0)
		return r;
	if ((r = find_base(va, base_opts, cat, st, true, err)) < 0)
		return r;
	moat_owner_attribute(&st->base, &st->list);
	moat_risk_context_init(&rctx);
	moat_risk_context_from_image(&rctx, cat->meta);
	if (va->context && (r = moat_risk_context_load(&rctx, va->context, err)) < 0)
		return r;
	moat_risk_score_all(&rctx, &st->list);
	if (va->ignore_file && (r = moat_suppress_ignore_file(va->ignore_file, &st->list, err)) < 0)
		return r;
	for (size_t i = 0; i < va->n_vex; i++)
		if ((r = moat_suppress_vex(va->vex[i], &st->list, err)) < 0)
			return r;
	policy_ignores(va, st);
	apply_filters(va, st);
	if (st->list.count)
		qsort(st->list.items, st->list.count,
		      sizeof(*st->list.items), cmp_findings); /* NOLINT(bugprone-sizeof-expression) */
	for (size_t i = 0; i < st->list.count; i++)
		st->n_suppressed += st->list.items[i]->suppressed != NULL;
	if ((r = run_gate(va, st, cat->arena, err)) < 0)
		return r;
	st->used = true;
	res->vulns = &st->list;
	res->base = &st->base;
	res->db = moat_vulndb_info(st->db);
	res->gate = &st->gate;
	res->n_suppressed = st->n_suppressed;
	return 0;
}

int scan_vulns_find_base(struct vuln_args *va, const struct moat_image_opts *base_opts,
			 struct moat_catalog_ctx *cat, struct vuln_state *st,
			 struct moat_error *err)
{
	if (st->used)
		return 0;
	return find_base(va, base_opts, cat, st, false, err);
}

void scan_vulns_release(struct vuln_state *st)
{
	json_decref(st->policy_doc_owner);
	st->policy_doc_owner = NULL;
	moat_vulndb_close(st->db);
	moat_base_index_close(st->index);
	st->db = NULL;
	st->index = NULL;
}
