/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-console.c - the console's admission, trusted-images and
 * vulnerability policies (docs/console.md "Policies") as policies of this
 * engine, one each. Each is written as a policy document in the file format
 * of docs/policy.md (every rule off but the ones it turns on) and loaded by
 * the same code as a file, so its rules, scope and thresholds mean what they
 * mean in a file. The input is network data: every key and type is checked
 * again here (the console checked them too), sizes are bounded, and one
 * policy that cannot be read fails the whole set (the caller keeps the last
 * good one: dropping a policy in silence would open the gate).
 *
 * A compliance policy becomes the comply.BENCH section of a policy (the
 * checks it speaks for, named one by one, default off), which `moat comply`
 * merges with its --policy file and the webhook applies for benchmark k8s.
 */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "comply/cis-docker.h"
#include "comply/controls.h"
#include "comply/k8s.h"
#include "moat/error.h"
#include "policy-int.h"

#define CONSOLE_MAX_POLICIES 1024u
#define CONSOLE_MAX_LIST 4096u

struct tr {
	json_t *cp;               /* the console's policy */
	const char *origin;
	json_t *doc;                    /* the policy file being written */
	json_t *rules;                  /* doc.rules */
	const char *action;             /* "block" or "alert" (the policy's mode) */
	unsigned fail_on;               /* bit per severity of sev_order: written in that
					 * order, so equal thresholds hash equal */
	struct moat_error *err;
};

static const char *const sev_order[] = { "unknown", "negligible", "low", "medium", "high",
					  "critical" };

/* Index in sev_order, or -1. */
static int sev_index(const char *s)
{
	for (int i = 0; s && i < 6; i++)
		if (!strcmp(s, sev_order[i]))
			return i;
	return -1;
}

static int bad(struct tr *t, const char *key, const char *want)
{
	return moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules.%s: want %s", t->origin, key,
			      want);
}

static int oom(struct tr *t)
{
	return moat_error_set(t->err, -ENOMEM, "out of memory");
}

/* An array of non-empty strings (bounded). */
static bool strings(json_t *v)
{
	json_t *s;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > CONSOLE_MAX_LIST)
		return false;
	json_array_foreach(v, i, s)
		if (!json_is_string(s) || !json_string_length(s) || json_string_length(s) > 1024 ||
		    strlen(json_string_value(s)) != json_string_length(s))
			return false;
	return true;
}

static int rule_on(struct tr *t, const char *id)
{
	return json_object_set_new(t->rules, id, json_string(t->action)) ? oom(t) : 0;
}

/* {images, namespaces, labels ("key=value")} -> scope {images, namespaces, match_labels}. */
static int scope(struct tr *t, json_t *v)
{
	json_t *s = json_object(), *labels = NULL;
	const char *k;
	json_t *x, *lab;
	size_t i;

	if (!s)
		return oom(t);
	if (json_object_set_new(t->doc, "scope", s))
		return oom(t);
	if (!json_is_object(v))
		return bad(t, "scope", "an object of images, namespaces, labels");
	json_object_foreach(v, k, x) {
		if (strcmp(k, "images") != 0 && strcmp(k, "namespaces") != 0 &&
		    strcmp(k, "labels") != 0)
			return bad(t, "scope", "only images, namespaces, labels");
		if (!strings(x))
			return bad(t, "scope", "arrays of non-empty strings");
		if (!json_array_size(x))
			continue;       /* an empty list does not narrow */
		if (strcmp(k, "labels") != 0) {
			if (json_object_set(s, k, x))
				return oom(t);
			continue;
		}
		labels = json_object();
		if (!labels || json_object_set_new(s, "match_labels", labels))
			return oom(t);
		json_array_foreach(x, i, lab) {
			const char *kv = json_string_value(lab);
			const char *eq = strchr(kv, '=');
			char key[256];

			if (!eq || eq == kv || (size_t)(eq - kv) >= sizeof(key))
				return bad(t, "scope.labels", "\"key=value\" strings");
			snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
			if (json_object_set_new(labels, key, json_string(eq + 1)))
				return oom(t);
		}
	}
	return 0;
}

/* max_severity S: every severity ranked above S fails ("unknown" is below all). */
static int max_severity(struct tr *t, json_t *v)
{
	int idx = sev_index(json_string_value(v));

	if (json_is_null(v))
		return 0;
	if (idx < 0)
		return bad(t, "max_severity", "a severity");
	for (int i = idx + 1; i < 6; i++)
		t->fail_on |= 1u << i;
	return 0;
}

/* The vulnerability keys both kinds share: thresholds of the image verdict. */
static int thresholds(struct tr *t, const char *k, json_t *v)
{
	size_t i;
	json_t *x;
	json_t *ign;

	if (!strcmp(k, "max_severity"))
		return max_severity(t, v);
	if (!strcmp(k, "max_risk")) {
		if (json_is_null(v))
			return 0;
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100)
			return bad(t, k, "0-100 or null");
		/* the highest risk allowed: a finding above it fails */
		if (json_integer_value(v) < 100 &&
		    json_object_set_new(t->doc, "fail_on_risk",
					json_integer(json_integer_value(v) + 1)))
			return oom(t);
		return 0;
	}
	if (!strcmp(k, "severity")) {
		if (!json_is_array(v))
			return bad(t, k, "an array of severities");
		json_array_foreach(v, i, x) {
			int idx = sev_index(json_string_value(x));

			if (idx < 0)
				return bad(t, k, "an array of severities");
			t->fail_on |= 1u << idx;
		}
		return 0;
	}
	if (!strcmp(k, "fixable_only")) {
		if (!json_is_boolean(v))
			return bad(t, k, "true or false");
		return json_object_set(t->doc, "fail_on_fixable", v) ? oom(t) : 0;
	}
	/* ignore: CVE ids */
	if (!strings(v))
		return bad(t, k, "an array of vulnerability ids");
	ign = json_array();
	if (!ign || json_object_set_new(t->doc, "ignore", ign))
		return oom(t);
	json_array_foreach(v, i, x)
		if (json_array_append_new(ign, json_pack("{s:O}", "id", x)))
			return oom(t);
	return 0;
}

static const char *const admission_flags[][2] = {
	{ "deny_privileged", "privileged" }, { "deny_root", "run_as_root" },
	{ "deny_host_network", "host_network" }, { "deny_host_pid", "host_pid" },
	{ "require_scan", "unscanned" },
};

static int kind_admission(struct tr *t, const char *k, json_t *v)
{
	for (size_t i = 0; i < sizeof(admission_flags) / sizeof(admission_flags[0]); i++) {
		if (strcmp(k, admission_flags[i][0]) != 0)
			continue;
		if (!json_is_boolean(v))
			return bad(t, k, "true or false");
		return json_is_true(v) ? rule_on(t, admission_flags[i][1]) : 0;
	}
	if (!strcmp(k, "max_severity") || !strcmp(k, "max_risk"))
		return thresholds(t, k, v);
	if (!strcmp(k, "scope"))
		return scope(t, v);
	return moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules.%s: not a rule of an admission "
			      "policy", t->origin, k);
}

static int kind_vulnerability(struct tr *t, const char *k, json_t *v)
{
	static const char *const keys[] = { "severity", "max_severity", "fixable_only",
					     "max_risk", "ignore" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k, keys[i]))
			return thresholds(t, k, v);
	if (!strcmp(k, "scope"))
		return scope(t, v);
	return moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules.%s: not a rule of a "
			      "vulnerability policy", t->origin, k);
}

/* allow: registries (a host: "registry.example.com", "127.0.0.1:5000",
 * "localhost"), digests ("sha256:..."), else reference globs ("ghcr.io/acme/\*", "reg/app:1.\*"). */
static int kind_trusted(struct tr *t, const char *k, json_t *v, json_t *trust)
{
	json_t *x;
	size_t i;

	if (!strcmp(k, "require_digest")) {
		if (!json_is_boolean(v))
			return bad(t, k, "true or false");
		return json_is_true(v) ? rule_on(t, "require_digest") : 0;
	}
	if (strcmp(k, "allow") != 0)
		return moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules.%s: not a rule of a "
				      "trusted-images policy", t->origin, k);
	if (!strings(v))
		return bad(t, k, "an array of registries or reference globs");
	json_array_foreach(v, i, x) {
		const char *s = json_string_value(x);
		bool host = !strchr(s, '/') && !strchr(s, '*') &&
			    (strchr(s, '.') || strchr(s, ':') || !strcmp(s, "localhost"));
		const char *list = !strncmp(s, "sha256:", 7) ? "digests" :
				   host ? "registries" : "repos";
		json_t *arr = json_object_get(trust, list);

		if (!arr && (!(arr = json_array()) || json_object_set_new(trust, list, arr)))
			return oom(t);
		if (json_array_append(arr, x))
			return oom(t);
	}
	return 0;
}

/* Every rule off: a console policy speaks only for what it turns on. */
static int all_off(struct tr *t)
{
	for (size_t i = 0; i < policy_n_rule_defs; i++)
		if (json_object_set_new(t->rules, policy_rule_defs[i].id, json_string("off")))
			return oom(t);
	return 0;
}

/* base's admission: settings (failure mode, scans), so both decide alike. */
static int admission_section(struct tr *t, const struct moat_policy *base)
{
	static const char *const scan[] = { "background", "sync", "none" };
	json_t *a = json_pack("{s:s,s:s,s:i}", "failure", base->fail_open ? "open" : "closed",
			      "scan", scan[base->scan_mode], "scan_timeout",
			      (int)base->scan_timeout);

	return !a || json_object_set_new(t->doc, "admission", a) ? oom(t) : 0;
}

static int translate(struct tr *t, const char *kind, const struct moat_policy *base)
{
	json_t *rules = json_object_get(t->cp, "rules");
	json_t *fail_on = json_array(), *trust = json_object(), *v;
	const char *k;
	int r = 0;

	if (!fail_on || !trust || all_off(t) || admission_section(t, base)) {
		json_decref(fail_on);
		json_decref(trust);
		return oom(t);
	}
	if (!json_is_object(rules))
		r = moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules: want an object", t->origin);
	json_object_foreach(rules, k, v) {
		if (r < 0)
			break;
		if (!strcmp(k, "description"))
			continue;
		if (!strcmp(kind, "admission"))
			r = kind_admission(t, k, v);
		else if (!strcmp(kind, "vulnerability"))
			r = kind_vulnerability(t, k, v);
		else
			r = kind_trusted(t, k, v, trust);
	}
	for (int i = 0; r == 0 && i < 6; i++)
		if ((t->fail_on & (1u << i)) &&
		    json_array_append_new(fail_on, json_string(sev_order[i])))
			r = oom(t);
	if (r == 0 && json_array_size(fail_on) &&
	    json_object_set(t->doc, "fail_on", fail_on))
		r = oom(t);
	if (r == 0 && json_object_size(trust) &&
	    json_object_set_new(t->rules, "trusted_images",
				json_pack("{s:s,s:O*,s:O*,s:O*}", "action", t->action,
					  "registries", json_object_get(trust, "registries"),
					  "repos", json_object_get(trust, "repos"),
					  "digests", json_object_get(trust, "digests"))))
		r = oom(t);
	/* thresholds: the image verdicts decide under them */
	if (r == 0 && (json_array_size(fail_on) || json_object_get(t->doc, "fail_on_risk") ||
		       json_is_true(json_object_get(t->doc, "fail_on_fixable"))))
		r = rule_on(t, "vulnerabilities");
	json_decref(fail_on);
	json_decref(trust);
	return r;
}

/* ---- kind compliance ---- */

static const char *const comply_benches[] = { "docker", "k8s", "node" };

/* The i-th check id of bench in report order, or NULL past the last. */
static const char *bench_id(const char *bench, size_t i)
{
	size_t n;

	if (!strcmp(bench, "docker")) {
		const struct moat_cis_check *c = moat_cis_checks(&n);

		return i < n ? c[i].id : NULL;
	}
	if (!strcmp(bench, "k8s")) {
		const struct moat_k8s_check *c = moat_k8s_checks(&n);

		return i < n ? c[i].info.id : NULL;
	}
	const struct moat_k8s_node_check *c = moat_k8s_node_checks(&n);

	return i < n ? c[i].id : NULL;
}

static bool glob_any(json_t *globs, const char *id)
{
	json_t *g;
	size_t i;

	json_array_foreach(globs, i, g)
		if (fnmatch(json_string_value(g), id, 0) == 0)
			return true;
	return false;
}

bool moat_policy_comply_glob_known(const char *bench, const char *glob)
{
	for (size_t b = 0; b < 3; b++) {
		const char *id;

		if (bench && strcmp(bench, comply_benches[b]) != 0)
			continue;
		for (size_t i = 0; (id = bench_id(comply_benches[b], i)); i++)
			if (fnmatch(glob, id, 0) == 0)
				return true;
	}
	return false;
}

/* Check one key of a compliance policy's rules (keeping what it says). */
static int comply_key(struct tr *t, const char *k, json_t *v, json_t **keep)
{
	json_t *x;
	size_t i, n;

	if (!strcmp(k, "benchmark")) {
		for (size_t b = 0; b < 3; b++)
			if (json_is_string(v) && !strcmp(json_string_value(v), comply_benches[b]))
				return (keep[0] = v), 0;
		return bad(t, k, "docker, k8s or node");
	}
	if (!strcmp(k, "checks") || !strcmp(k, "disable")) {
		if (!strings(v))
			return bad(t, k, "an array of check ids or globs");
		if (json_array_size(v))         /* an empty list does not narrow */
			keep[k[0] == 'c' ? 1 : 2] = v;
		return 0;
	}
	if (!strcmp(k, "action")) {
		if (!json_is_string(v) || (strcmp(json_string_value(v), "alert") != 0 &&
					   strcmp(json_string_value(v), "block") != 0))
			return bad(t, k, "alert or block");
		t->action = json_string_value(v);
		return 0;
	}
	if (!strcmp(k, "templates")) {
		if (!strings(v))
			return bad(t, k, "an array of templates");
		json_array_foreach(v, i, x)        /* a framework moat reports against */
			if (!keep[3] && moat_controls(json_string_value(x), &n))
				keep[3] = x;
		return 0;
	}
	if (!strcmp(k, "severity")) {
		if (!json_is_array(v))
			return bad(t, k, "an array of severities");
		json_array_foreach(v, i, x)
			if (sev_index(json_string_value(x)) < 0)
				return bad(t, k, "an array of severities");
		return 0;
	}
	if (!strcmp(k, "scope"))
		return scope(t, v);
	return moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules.%s: not a rule of a compliance "
			      "policy", t->origin, k);
}

/* doc.comply.BENCH: each check the policy speaks for; 1, or 0 when it
 * speaks for another benchmark only. */
static int kind_compliance(struct tr *t, const char *bench, char *tmpl, size_t tmpl_len)
{
	json_t *rules = json_object_get(t->cp, "rules"), *v, *out;
	json_t *keep[4] = { NULL };     /* benchmark, checks, disable, first framework */
	const char *k, *id;
	int r = 0;

	if (!json_is_object(rules))
		return moat_error_set(t->err, MOAT_E_FORMAT, "%s: rules: want an object", t->origin);
	json_object_foreach(rules, k, v)
		if (strcmp(k, "description") != 0 && (r = comply_key(t, k, v, keep)) < 0)
			return r;
	if (keep[0] && strcmp(json_string_value(keep[0]), bench) != 0)
		return 0;
	if (keep[3] && tmpl && !tmpl[0])
		snprintf(tmpl, tmpl_len, "%s", json_string_value(keep[3]));
	out = json_object();
	if (!out || json_object_set_new(t->doc, "comply", json_pack("{s:{s:s,s:o}}", bench,
								    "default", "off", "checks",
								    out)))
		return oom(t);
	for (size_t i = 0; (id = bench_id(bench, i)); i++) {
		const char *act = keep[2] && glob_any(keep[2], id) ? "off" :
				  !keep[1] || glob_any(keep[1], id) ? t->action : NULL;

		if (act && json_object_set_new(out, id, json_string(act)))
			return oom(t);
	}
	return 1;
}

/* What a caller takes: the kinds of admission, the compliance of a benchmark. */
struct want {
	bool admission;                 /* admission, trusted-images, vulnerability */
	const char *comply;             /* compliance policies of this benchmark, or NULL */
	char *tmpl;                     /* the first template named, or NULL */
	size_t tmpl_len;
};

static int one_compliance(struct tr *t, const struct moat_policy *base,
			  const struct want *w, struct moat_policy **ret)
{
	int r;

	t->doc = json_pack("{s:s,s:{}}", "name", t->origin, "rules");
	if (!t->doc)
		return oom(t);
	t->rules = json_object_get(t->doc, "rules");
	r = all_off(t);
	if (r == 0 && base)
		r = admission_section(t, base);
	if (r == 0)
		r = kind_compliance(t, w->comply, w->tmpl, w->tmpl_len);
	if (r > 0)
		r = moat_policy_from_json(t->doc, t->origin, ret, t->err);
	json_decref(t->doc);
	return r < 0 ? r : *ret != NULL;
}

/* One console policy; 1 (kind enforced here, *ret set), 0 (another kind or disabled). */
static int one(json_t *cp, const struct moat_policy *base, const struct want *w, size_t idx,
	       struct moat_policy **ret, struct moat_error *err)
{
	const char *kind = moat_json_str(cp, "kind");
	const char *mode = moat_json_str(cp, "mode");
	const char *name = moat_json_str(cp, "name");
	const char *id = moat_json_str(cp, "id");
	char origin[320];
	struct tr t = { .cp = cp, .origin = origin, .err = err };
	int r;

	snprintf(origin, sizeof(origin), "console policy %.200s (%.64s)", name ? name : "?",
		 id ? id : "?");
	if (!json_is_object(cp) || !kind || !name)
		return moat_error_set(err, MOAT_E_FORMAT, "the console's policies[%zu]: want "
				      "{kind, name, mode, enabled, rules}", idx);
	if (!strcmp(kind, "compliance") ? !w->comply :
	    !w->admission || (strcmp(kind, "admission") != 0 &&
			      strcmp(kind, "trusted-images") != 0 &&
			      strcmp(kind, "vulnerability") != 0))
		return 0;
	if (!json_is_boolean(json_object_get(cp, "enabled")))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: enabled: want true or false", origin);
	if (!json_is_true(json_object_get(cp, "enabled")))
		return 0;
	if (!mode || (strcmp(mode, "alert") != 0 && strcmp(mode, "block") != 0))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: mode: want alert or block", origin);
	t.action = mode;
	*ret = NULL;
	if (!strcmp(kind, "compliance"))
		return one_compliance(&t, base, w, ret);
	t.doc = json_pack("{s:s,s:{}}", "name", origin, "rules");
	if (!t.doc)
		return oom(&t);
	t.rules = json_object_get(t.doc, "rules");
	r = translate(&t, kind, base);
	if (r == 0)
		r = moat_policy_from_json(t.doc, origin, ret, err);
	json_decref(t.doc);
	return r < 0 ? r : 1;
}

void moat_policy_list_free(struct moat_policy **list, size_t n)
{
	for (size_t i = 0; list && i < n; i++)
		moat_policy_free(list[i]);
	free(list);
}

static int from_console(const json_t *in, const struct moat_policy *base, const struct want *w,
			struct moat_policy ***ret, size_t *ret_n, struct moat_error *err)
{
	json_t *doc = json_deep_copy(in);       /* jansson reads through non-const handles */
	json_t *arr = json_object_get(doc, "policies");
	struct moat_policy **list;
	json_t *cp;
	size_t i, n = 0;
	int r = 0;

	if (in && !doc)
		return moat_error_set(err, -ENOMEM, "out of memory");
	if (!json_is_array(arr) || json_array_size(arr) > CONSOLE_MAX_POLICIES) {
		json_decref(doc);
		return moat_error_set(err, MOAT_E_FORMAT, "the console's policy: want "
				      "{\"policies\": [...]} (at most %u)", CONSOLE_MAX_POLICIES);
	}
	list = calloc(json_array_size(arr) + 1, sizeof(struct moat_policy *));
	if (!list) {
		json_decref(doc);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	json_array_foreach(arr, i, cp) {
		r = one(cp, base, w, i, &list[n], err);
		if (r < 0)
			break;
		n += (size_t)r;
	}
	json_decref(doc);
	if (r < 0) {
		moat_policy_list_free(list, n);
		return r;
	}
	*ret = list;
	*ret_n = n;
	return 0;
}

int moat_policy_from_console(const json_t *in, const struct moat_policy *base,
			     struct moat_policy ***ret, size_t *ret_n, struct moat_error *err)
{
	const struct want w = { .admission = true, .comply = "k8s" };

	return from_console(in, base, &w, ret, ret_n, err);
}

int moat_policy_comply_from_console(const json_t *in, const char *bench,
				    struct moat_policy ***ret, size_t *ret_n, char *templates,
				    size_t templates_len, struct moat_error *err)
{
	struct want w = { .comply = bench, .tmpl = templates, .tmpl_len = templates_len };
	bool known = false;

	for (size_t b = 0; b < 3; b++)
		known |= bench && !strcmp(bench, comply_benches[b]);
	if (!known)
		return moat_error_set(err, MOAT_E_USAGE, "unknown benchmark (docker, k8s, node)");
	if (templates && templates_len)
		templates[0] = '\0';
	return from_console(in, NULL, &w, ret, ret_n, err);
}

json_t *moat_policy_gate_doc(const struct moat_policy *p)
{
	static const char *const keys[] = { "fail_on", "fail_on_fixable", "fail_on_risk",
					    "ignore", "ignore_unfixed", "severity" };
	json_t *g = json_object();

	for (size_t i = 0; g && i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_t *v = json_object_get(p->doc, keys[i]);

		if (v && json_object_set(g, keys[i], v)) {
			json_decref(g);
			return NULL;
		}
	}
	return g;
}
