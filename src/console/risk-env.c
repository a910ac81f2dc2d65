/* SPDX-License-Identifier: Apache-2.0 */
/*
 * risk-env.c - the environment flows back into risk. A scan scores each
 * vulnerability with what the image says (User, ExposedPorts); the console
 * also knows where the image runs: its running containers (privileged, the
 * user they run as, published ports) and the runtime alerts raised in
 * them. When those facts change, every vulnerability of the image is
 * scored again with the same model (risk/risk.h, moat_risk_score_json):
 * the finding's "risk" is then the score in its environment, "risk_scan"
 * the score the scan gave, "risk_raised_by"/"risk_lowered_by" the
 * environment factors that differ. With no running container and no open
 * alert, the scan's score stands.
 *
 * Runs under c->mu, inside the caller's transaction (an ingest, an ack, a
 * prune), so a score never disagrees with the facts stored beside it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"
#include "risk/risk.h"
#include "vuln/match.h"

/* What the console knows of an image's environment; -1 = unknown. */
struct env_facts {
	int64_t running;        /* running containers */
	int privileged;         /* any of them privileged */
	int root;               /* any runs as root (-1: the image's User decides) */
	int64_t published;      /* ports published on the host */
	int outside;            /* one of those on a non-loopback address */
	int64_t alerts;         /* events not acknowledged */
	/* while counting: containers as root, on the image's default user */
	int64_t n_root, n_default;
};

/* ---- pure helpers (fuzz/fuzz-console-ingest.c) ---- */

static bool loopback(const char *ip)
{
	return ip && (!strncmp(ip, "127.", 4) || !strcmp(ip, "::1") || !strcmp(ip, "localhost"));
}

/* A host port of "IP:HOST->CTR/proto", "HOST:CTR" or "IP:HOST:CTR" (docker ps
 * and compose spellings); "80/tcp" alone is exposed, not published. */
static bool port_string(const char *s, bool *outside)
{
	char ip[64] = "";
	const char *arrow, *colon;
	size_t n;

	if (!s)
		return false;
	arrow = strstr(s, "->");
	n = arrow ? (size_t)(arrow - s) : strlen(s);
	if (n == 0 || n > 128)
		return false;
	colon = memrchr(s, ':', n);
	if (!arrow && !colon)
		return false;   /* "80/tcp": exposed, not published */
	if (!arrow) {
		/* "HOST:CTR" or "IP:HOST:CTR": the host part is before the last colon */
		n = (size_t)(colon - s);
		colon = memrchr(s, ':', n);
	}
	if (colon && (size_t)(colon - s) < sizeof(ip))
		memcpy(ip, s, (size_t)(colon - s));
	if (strtol(colon ? colon + 1 : s, NULL, 10) <= 0)
		return false;
	*outside = !loopback(ip) && strcmp(ip, "[::1]") != 0;
	return true;
}

bool console_port_published(const json_t *port, bool *outside)
{
	const json_t *pub;
	const char *ip;

	*outside = false;
	if (json_is_integer(port)) {
		/* a bare host port: published on every address */
		*outside = json_integer_value(port) > 0 && json_integer_value(port) <= 65535;
		return *outside;
	}
	if (json_is_string(port))
		return port_string(json_string_value(port), outside);
	if (!json_is_object(port))
		return false;
	pub = json_object_get(port, "public");
	if (!pub)
		pub = json_object_get(port, "PublicPort");
	if (!pub)
		pub = json_object_get(port, "host_port");
	if (!json_is_integer(pub) || json_integer_value(pub) <= 0 ||
	    json_integer_value(pub) > 65535)
		return false;
	ip = moat_json_str(port, "ip");
	if (!ip)
		ip = moat_json_str(port, "IP");
	*outside = !loopback(ip);
	return true;
}

json_t *console_container_k8s(const json_t *ctr)
{
	const json_t *k8s = json_object_get(ctr, "k8s");
	json_t *labels = json_object_get(ctr, "labels"), *v, *out;
	const char *pod = moat_json_str(ctr, "pod"), *ns = moat_json_str(ctr, "namespace");
	bool any = false;
	const char *key;

	if (json_is_object(k8s))
		return json_deep_copy(k8s);
	if (json_is_object(labels)) {
		json_object_foreach(labels, key, v)
			any |= !strncmp(key, "io.kubernetes.", 14);
		if (!pod)
			pod = moat_json_str(labels, "io.kubernetes.pod.name");
		if (!ns)
			ns = moat_json_str(labels, "io.kubernetes.pod.namespace");
	}
	if (!pod && !ns && !any)
		return NULL;
	out = json_object();
	if (pod && strlen(pod) <= 253)
		json_object_set_new(out, "pod", json_string(pod));
	if (ns && strlen(ns) <= 253)
		json_object_set_new(out, "namespace", json_string(ns));
	return out;
}

/* ---- facts ---- */

static int container_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	struct env_facts *ef = ctx;
	json_t *ports, *p;
	size_t i;

	if (n < 3)
		return -1;
	ef->running++;
	if (c[0].type == MOAT_DB_INT && c[0].i)
		ef->privileged = 1;
	/* no user, or an empty one: the image's default User (the scan knew it) */
	if (c[1].type != MOAT_DB_TEXT || !c[1].s[0])
		ef->n_default++;
	else if (moat_risk_user_is_root(c[1].s))
		ef->n_root++;
	ports = console_doc_json(&c[2]);
	json_array_foreach(ports, i, p) {
		bool out;

		if (console_port_published(p, &out)) {
			ef->published++;
			if (out)
				ef->outside = 1;
		}
	}
	json_decref(ports);
	return 0;
}

static int facts_load(struct moat_db *db, const char *digest, const char *config,
		      struct env_facts *ef, struct moat_error *err)
{
	struct moat_db_val p[] = { moat_db_text(digest), moat_db_text(config ? config : digest) };
	int r;

	*ef = (struct env_facts){ .privileged = 0, .root = -1, .outside = -1 };
	r = moat_db_query(db, "SELECT privileged, user_name, ports FROM containers WHERE "
			  "running = 1 AND image_digest IN (?, ?)", p, 2, container_row, ef, err);
	ef->root = ef->n_root ? 1 : ef->n_default ? -1 : 0;
	if (r == 0)
		r = moat_db_int_query(db, "SELECT COUNT(*) FROM events WHERE image_digest IN (?, ?) "
				      "AND acked_by IS NULL", p, 2, 0, &ef->alerts, err);
	return r;
}

/* The scan's context with what the console knows over it. */
static void env_context(const struct env_facts *ef, const json_t *scan_risk,
			struct moat_risk_context *ctx)
{
	moat_risk_context_init(ctx);
	moat_risk_context_from_factors(ctx, scan_risk);
	if (ef->running > 0) {
		ctx->privileged = ef->privileged;
		if (ef->root >= 0)
			ctx->runs_as_root = ef->root;
		if (ef->published > 0)
			ctx->exposed_ports = (int)(ef->published > 65535 ? 65535 : ef->published);
		if (ef->outside == 1)
			ctx->internet_facing = 1;
	}
	if (ef->alerts > 0)
		ctx->runtime_alerts = (int)(ef->alerts > 1000000 ? 1000000 : ef->alerts);
}

/* A short key of what changes scores; equal keys, equal scores. */
static void facts_key(const struct env_facts *ef, char key[32])
{
	if (ef->running == 0 && ef->alerts == 0) {
		snprintf(key, 32, "scan");
		return;
	}
	snprintf(key, 32, "p%d r%d o%d i%d a%d", ef->running ? ef->privileged : -1,
		 ef->running ? ef->root : -1, ef->running && ef->published > 0,
		 ef->running ? ef->outside : -1, ef->alerts > 0);
}

static json_t *facts_json(const struct env_facts *ef, const char *key)
{
	json_t *tri[3];
	int v[3] = { ef->privileged, ef->root, ef->outside };

	for (size_t i = 0; i < 3; i++)
		tri[i] = ef->running == 0 || v[i] < 0 ? json_null() : json_boolean(v[i]);
	return json_pack("{s:I,s:o,s:o,s:I,s:o,s:I,s:s,s:[],s:I}", "containers_running",
			 (json_int_t)ef->running, "privileged", tri[0], "runs_as_root", tri[1],
			 "published_ports", (json_int_t)ef->published, "internet_facing", tri[2],
			 "runtime_alerts", (json_int_t)ef->alerts, "key", key, "raised_by",
			 "risk_max_scan", (json_int_t)0);
}

/* ---- scoring again ---- */

struct finding_row {
	json_t *rows;           /* [[idx, doc], ...] */
};

static int finding_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	json_t *doc;

	if (n < 2 || c[0].type != MOAT_DB_INT)
		return -1;
	doc = console_doc_json(&c[1]);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return 0;
	}
	return json_array_append_new(ctx, json_pack("[I,o]", (json_int_t)c[0].i, doc));
}

/* Factor names of a that b lacks (environment factors only). */
static json_t *env_diff(const json_t *a, const json_t *b)
{
	const json_t *fa, *fb;
	json_t *out = json_array();
	size_t i, k;

	json_array_foreach(json_object_get(a, "factors"), i, fa) {
		const char *name = moat_json_str(fa, "name");
		bool have = false;

		if (!moat_risk_factor_is_env(name))
			continue;
		json_array_foreach(json_object_get(b, "factors"), k, fb)
			have |= moat_json_str(fb, "name") && !strcmp(moat_json_str(fb, "name"), name);
		if (!have)
			json_array_append_new(out, json_string(name));
	}
	return out;
}

static void add_unique(json_t *set, const json_t *names)
{
	json_t *v, *w;
	size_t i, k;

	json_array_foreach(names, i, v) {
		bool have = false;

		json_array_foreach(set, k, w)
			have |= json_equal(v, w);
		if (!have)
			json_array_append(set, v);
	}
}

/* One finding scored in its environment; *max_scan gets the scan's score. */
static int rescore_one(struct moat_db *db, const char *digest, json_int_t idx, json_t *doc,
		       const struct env_facts *ef, json_t *env, int64_t *max_scan,
		       struct moat_error *err)
{
	json_t *scan = json_object_get(doc, "risk_scan");
	struct moat_risk_context ctx;
	struct moat_risk risk;
	json_t *now;
	char *text;
	int r;

	if (!json_is_object(scan))
		scan = json_object_get(doc, "risk");
	if (!json_is_object(scan))
		return 0;
	json_incref(scan);
	if (moat_json_int(scan, "score", 0) > *max_scan)
		*max_scan = moat_json_int(scan, "score", 0);
	if (ef->running == 0 && ef->alerts == 0) {
		now = json_incref(scan);
	} else {
		env_context(ef, scan, &ctx);
		moat_risk_score_json(&ctx, doc, &risk);
		now = moat_risk_json(&risk);
	}
	json_object_set_new(doc, "risk_raised_by", env_diff(now, scan));
	json_object_set_new(doc, "risk_lowered_by", env_diff(scan, now));
	add_unique(json_object_get(env, "raised_by"), json_object_get(doc, "risk_raised_by"));
	json_object_set_new(doc, "risk_scan", scan);
	json_object_set_new(doc, "risk", now);
	text = json_dumps(doc, JSON_COMPACT);
	if (!text)
		return moat_error_set(err, -ENOMEM, "out of memory");
	struct moat_db_val p[] = { moat_db_int(moat_json_int(now, "score", 0)), moat_db_text(text),
				   moat_db_text(digest), moat_db_int(idx) };
	r = moat_db_exec(db, "UPDATE findings SET risk = ?, doc = ? WHERE image = ? AND idx = ?",
			 p, 4, NULL, err);
	free(text);
	return r;
}

static int rescore(struct moat_db *db, const char *digest, const struct env_facts *ef,
		   json_t *env, struct moat_error *err)
{
	struct moat_db_val d = moat_db_text(digest);
	json_t *rows = json_array(), *row;
	int64_t max_scan = 0, other = 0;
	size_t i;
	int r;

	r = moat_db_query(db, "SELECT idx, doc FROM findings WHERE image = ? AND kind = 'vuln'",
			  &d, 1, finding_row, rows, err);
	json_array_foreach(rows, i, row) {
		if (r < 0)
			break;
		r = rescore_one(db, digest, json_integer_value(json_array_get(row, 0)),
				json_array_get(row, 1), ef, env, &max_scan, err);
	}
	json_decref(rows);
	if (r == 0)
		r = moat_db_int_query(db, "SELECT MAX(risk) FROM findings WHERE image = ? AND "
				      "(kind IS NULL OR kind <> 'vuln')", &d, 1, 0, &other, err);
	json_object_set_new(env, "risk_max_scan", json_integer(max_scan > other ? max_scan :
							       other));
	return r;
}

struct image_env {
	char config[80];
	json_t *env;            /* stored, or NULL */
};

static int image_env_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	struct image_env *ie = ctx;

	if (n >= 2 && c[0].type == MOAT_DB_TEXT)
		snprintf(ie->config, sizeof(ie->config), "%s", c[0].s);
	ie->env = n >= 2 ? console_doc_json(&c[1]) : NULL;
	return 1;
}

int console_risk_refresh(struct moat_db *db, const char *digest, bool force,
			 struct moat_error *err)
{
	struct image_env ie = { "", NULL };
	struct moat_db_val d = moat_db_text(digest);
	struct env_facts ef;
	json_t *env = NULL;
	char key[32], *text = NULL;
	int64_t max = 0;
	bool same;
	int r;

	r = moat_db_query(db, "SELECT COALESCE(config_digest, ''), env FROM images WHERE digest = ?",
			  &d, 1, image_env_row, &ie, err);
	if (r == 0 && (r = facts_load(db, digest, ie.config[0] ? ie.config : NULL, &ef, err)) == 0)
		facts_key(&ef, key);
	if (r < 0)
		goto out;
	env = facts_json(&ef, key);
	same = !force && moat_json_str(ie.env, "key") && !strcmp(moat_json_str(ie.env, "key"), key);
	if (same) {
		/* the same scores: keep them, refresh the counts */
		json_object_set(env, "raised_by", json_object_get(ie.env, "raised_by"));
		json_object_set(env, "risk_max_scan", json_object_get(ie.env, "risk_max_scan"));
		if (json_equal(env, ie.env))
			goto out;
	} else if (force && !strcmp(key, "scan")) {
		/* a new scan with no environment: its findings hold the scan's scores */
		if ((r = moat_db_int_query(db, "SELECT MAX(risk) FROM findings WHERE image = ?", &d,
					   1, 0, &max, err)) < 0)
			goto out;
		json_object_set_new(env, "risk_max_scan", json_integer(max));
	} else if ((r = rescore(db, digest, &ef, env, err)) < 0 ||
		   (r = moat_db_int_query(db, "SELECT MAX(risk) FROM findings WHERE image = ?", &d,
					  1, 0, &max, err)) < 0) {
		goto out;
	}
	if (!(text = json_dumps(env, JSON_COMPACT))) {
		r = moat_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	struct moat_db_val p[] = { moat_db_int(max), moat_db_text(text), d };
	r = moat_db_exec(db, same ? "UPDATE images SET env = ? WHERE digest = ?" :
			 "UPDATE images SET risk_max = ?, env = ? WHERE digest = ?",
			 same ? p + 1 : p, same ? 2 : 3, NULL, err);
out:
	free(text);
	json_decref(env);
	json_decref(ie.env);
	return r;
}

static int digest_row(void *ctx, const struct moat_db_val *c, size_t n)
{
	if (n >= 1 && c[0].type == MOAT_DB_TEXT)
		json_array_append_new(ctx, json_string(c[0].s));
	return 0;
}

int console_risk_refresh_image(struct moat_db *db, const char *image_id, struct moat_error *err)
{
	struct moat_db_val p[] = { moat_db_text(image_id), moat_db_text(image_id) };
	json_t *digests = json_array(), *v;
	size_t i;
	int r;

	/* the image id a container names is a scanned image's digest or config digest */
	r = moat_db_query(db, image_id ? "SELECT digest FROM images WHERE digest = ? OR "
			  "config_digest = ?" : "SELECT digest FROM images", p, image_id ? 2 : 0,
			  digest_row, digests, err);
	json_array_foreach(digests, i, v)
		if (r == 0)
			r = console_risk_refresh(db, json_string_value(v), false, err);
	json_decref(digests);
	return r;
}

int console_risk_refresh_set(struct moat_db *db, json_t *image_ids, struct moat_error *err)
{
	const char *id;
	json_t *v;
	int r = 0;

	json_object_foreach(image_ids, id, v)
		if (r == 0)
			r = console_risk_refresh_image(db, id, err);
	return r;
}
