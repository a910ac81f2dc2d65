/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admit-console.c - the console's admission, trusted-images and
 * vulnerability policies for `moat authz` and `moat webhook`: pulled over
 * the control channel (uplink/control.h, ?producer=admission), translated
 * (moat_policy_from_console), put in force as the overlays the request
 * threads decide with (admit.h), and cached in the state directory.
 *
 * The cache is written only for a set that translated, and read before the
 * server accepts a request: a console that is away at start does not open
 * the gate, and a set that does not translate is logged and never replaces
 * the last good one.
 *
 * The control channel's heartbeat (the defender's, control.c) tells the
 * console which set is in force here, where it came from (the console, or
 * the cache while the console was away), the local policy's hash, the
 * decisions and scans since start, and the set that failed to translate.
 */
#include "admit-console.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/json.h"
#include "base/time.h"
#include "cli.h"
#include "moat-config.h"
#include "moat/error.h"
#include "uplink/control.h"
#include "uplink/uplink.h"

/* Distinct vulnerability thresholds kept (each a verdict key and a file). */
#define ADMIT_MAX_GATES 64u

struct admit_console {
	struct admit_console_opts o;
	struct moat_console_ctl *ctl;
	pthread_mutex_t mu;             /* gates, ctl */
	pthread_mutex_t apply_mu;       /* one take-and-apply at a time, in order */
	struct moat_verdict_gate *gates[ADMIT_MAX_GATES];
	size_t n_gates;
	char cache[4200];
	char gate_dir[4200];
	char node[256];
	/* the set in force, for the heartbeat; under mu */
	json_t *in_force;               /* [{id, kind, name, updated}] */
	char etag[80];
	const char *source;             /* "console", "cache", or NULL: none yet */
	int64_t applied_us;
	char last_error[512];           /* the last set that did not go in force */
};

/* The gate for p's thresholds: a file STATE/console-gates/HASH.json that
 * `moat scan --policy` reads, its hash the verdicts' key. */
static int gate_for(struct admit_console *c, const struct moat_policy *p,
		    const struct moat_verdict_gate **ret, struct moat_error *err)
{
	json_t *doc = moat_policy_gate_doc(p);
	char *text = doc ? json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	char hash[MOAT_DIGEST_STR_MAX];
	struct moat_verdict_gate *g = NULL;
	int r = 0;

	json_decref(doc);
	if (!text || moat_sha256_str(text, strlen(text), hash) < 0) {
		free(text);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n_gates && !g; i++)
		if (!strcmp(c->gates[i]->hash, hash))
			g = c->gates[i];
	if (!g && c->n_gates == ADMIT_MAX_GATES)
		r = moat_error_set(err, MOAT_E_LIMIT, "more than %u distinct vulnerability "
				   "thresholds", ADMIT_MAX_GATES);
	if (!g && r == 0) {
		mkdir(c->gate_dir, 0700);
		g = calloc(1, sizeof(*g));
		if (!g)
			r = moat_error_set(err, -ENOMEM, "out of memory");
		else if ((size_t)snprintf(g->path, sizeof(g->path), "%s/%s.json", c->gate_dir,
					  hash + 7) >= sizeof(g->path))
			r = moat_error_set(err, -ENAMETOOLONG, "%s: path too long", c->gate_dir);
		else if ((r = moat_write_file_atomic(g->path, text, strlen(text), 0600, false)) < 0)
			moat_error_set(err, r, "%s: %s", g->path, strerror(-r));
		if (r == 0) {
			g->verdicts = c->o.verdicts;
			snprintf(g->hash, sizeof(g->hash), "%s", hash);
			c->gates[c->n_gates++] = g;
		} else {
			free(g);
			g = NULL;
		}
	}
	pthread_mutex_unlock(&c->mu);
	free(text);
	*ret = g;
	return r;
}

/* The set doc put in force, from source, for the heartbeat. */
static void note_in_force(struct admit_console *c, const json_t *doc, const char *source)
{
	json_t *list = json_array(), *p;
	size_t i;

	json_array_foreach(json_object_get(doc, "policies"), i, p) {
		json_t *o = json_object();

		for (size_t k = 0; o && k < 4; k++) {
			static const char *const keys[] = { "id", "kind", "name", "updated" };
			const char *v = moat_json_str(p, keys[k]);

			if (v)
				json_object_set_new(o, keys[k], json_string(v));
		}
		json_array_append_new(list, o);
	}
	pthread_mutex_lock(&c->mu);
	json_decref(c->in_force);
	c->in_force = list;
	snprintf(c->etag, sizeof(c->etag), "%s", moat_json_str(doc, "etag") ?
		 moat_json_str(doc, "etag") : "");
	c->source = source;
	c->applied_us = moat_time_now_us();
	c->last_error[0] = 0;
	pthread_mutex_unlock(&c->mu);
}

static void note_error(struct admit_console *c, const json_t *doc, const char *msg)
{
	pthread_mutex_lock(&c->mu);
	snprintf(c->last_error, sizeof(c->last_error), "console policy %.12s not applied: %s",
		 moat_json_str(doc, "etag") ? moat_json_str(doc, "etag") : "?", msg);
	pthread_mutex_unlock(&c->mu);
}

/* Translate doc and put it in force; 0, or <0 with err (nothing changed). */
static int apply(struct admit_console *c, const json_t *doc, struct moat_error *err)
{
	struct moat_policy **list = NULL;
	struct moat_verdict_source *srcs;
	size_t n = 0;
	int r;

	r = moat_policy_from_console(doc, c->o.base, &list, &n, err);
	if (r < 0)
		return r;
	srcs = calloc(n + 1, sizeof(*srcs));
	if (!srcs) {
		moat_policy_list_free(list, n);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; r == 0 && i < n; i++) {
		const struct moat_verdict_gate *g = NULL;

		if (!moat_policy_has_vuln_gate(list[i]))
			continue;       /* the admission's own verdicts (scanned or not) */
		if ((r = gate_for(c, list[i], &g, err)) == 0)
			srcs[i] = (struct moat_verdict_source){ moat_verdicts_gate_lookup,
								(void *)(uintptr_t)g };
	}
	if (r == 0)
		r = moat_admit_overlays_set(c->o.overlays, list, n, srcs,
					    moat_json_str(doc, "etag"));
	else
		moat_policy_list_free(list, n);
	free(srcs);
	if (r == -ENOMEM)
		moat_error_set(err, r, "out of memory");
	if (r == 0)
		fprintf(stderr, "moat %s: console policy %.12s in force: %zu admission, "
			"trusted-images, vulnerability and compliance polic%s\n", c->o.who,
			moat_json_str(doc, "etag") ? moat_json_str(doc, "etag") : "?", n,
			n == 1 ? "y" : "ies");
	return r;
}

/* The control thread has a new policy: take it, apply it, cache it. */
static void on_policy(void *ctx)
{
	struct admit_console *c = ctx;
	struct moat_error err = { 0 };
	json_t *doc = NULL;
	char *text;

	struct moat_console_ctl *ctl;

	pthread_mutex_lock(&c->mu);
	ctl = c->ctl;
	pthread_mutex_unlock(&c->mu);
	if (!ctl)
		return; /* before open stored it: open takes it then */
	pthread_mutex_lock(&c->apply_mu);
	if (moat_console_ctl_policy_take(ctl, &doc) <= 0) {
		pthread_mutex_unlock(&c->apply_mu);
		return;
	}
	if (apply(c, doc, &err) < 0) {
		cli_errorf("moat %s: console policy %.12s not applied: %s (the last good one "
			   "stays in force)\n", c->o.who, moat_json_str(doc, "etag") ?
			   moat_json_str(doc, "etag") : "?", err.msg);
		note_error(c, doc, err.msg);
	} else {
		note_in_force(c, doc, "console");
		text = json_dumps(doc, JSON_COMPACT);
		if (!text || moat_write_file_atomic(c->cache, text, strlen(text), 0600, true) < 0)
			cli_errorf("moat %s: warning: %s cannot be written: the console's policy "
				   "is in force but not kept for a restart\n", c->o.who, c->cache);
		free(text);
		moat_console_ctl_applied(ctl, moat_json_str(doc, "etag"));
	}
	pthread_mutex_unlock(&c->apply_mu);
	json_decref(doc);
}

static void on_warn(void *ctx, const char *msg)
{
	struct admit_console *c = ctx;

	cli_errorf("moat %s: console policy: %s (the last good one stays in force)\n", c->o.who,
		   msg);
}

/* The cache of an earlier run, applied before the first request. */
static int load_cache(struct admit_console *c, struct moat_error *err)
{
	struct moat_buf b;
	json_t *doc = NULL;
	int r;

	moat_buf_init(&b, MOAT_POLICY_MAX);
	r = moat_read_file(c->cache, MOAT_POLICY_MAX, &b, err);
	if (r == -ENOENT) {
		moat_buf_release(&b);
		memset(err, 0, sizeof(*err));
		return 0;
	}
	if (r == 0)
		r = moat_json_parse(b.data, b.len, MOAT_POLICY_MAX, c->cache, &doc, err);
	if (r == 0 && (r = apply(c, doc, err)) == 0)
		note_in_force(c, doc, "cache");
	json_decref(doc);
	moat_buf_release(&b);
	if (r < 0)
		moat_error_prefix(err, "the cached console policy: ");
	return r < 0 ? r : 0;
}

/* The policy set in force, into the heartbeat (under c->mu). */
static json_t *policy_set(struct admit_console *c)
{
	char t[MOAT_TIME_MAX];
	json_t *set = json_object(), *local = json_object();

	if (c->source) {
		moat_time_format(c->applied_us, t);
		json_object_set_new(set, "etag", json_string(c->etag));
		json_object_set_new(set, "source", json_string(c->source));
		json_object_set_new(set, "applied", json_string(t));
		json_object_set(set, "policies", c->in_force);
	}
	if (moat_policy_origin(c->o.base))
		json_object_set_new(local, "origin", json_string(moat_policy_origin(c->o.base)));
	json_object_set_new(local, "sha256", json_string(moat_policy_hash(c->o.base)));
	json_object_set_new(set, "local", local);
	return set;
}

/* The heartbeat's fields, on the control thread. */
static void health(void *ctx, json_t *hb)
{
	struct admit_console *c = ctx;
	struct moat_audit_counts ac;
	struct moat_verdicts_stats vs;

	json_object_set_new(hb, "producer", json_string(c->o.who));
	json_object_set_new(hb, "node", json_string(c->node));
	json_object_set_new(hb, "version", json_string(MOAT_VERSION));
	json_object_set_new(hb, "interval_ms", json_integer(c->o.interval_ms ? c->o.interval_ms
							    : 30000));
	pthread_mutex_lock(&c->mu);
	json_object_set_new(hb, "policy_set", policy_set(c));
	if (c->last_error[0])
		json_object_set_new(hb, "last_error", json_string(c->last_error));
	pthread_mutex_unlock(&c->mu);
	moat_audit_counts(c->o.audit, &ac);
	json_object_set_new(hb, "decisions", json_pack("{s:I,s:I,s:I}",
		"allowed", (json_int_t)ac.allowed, "denied", (json_int_t)ac.denied,
		"warned", (json_int_t)ac.warned));
	moat_verdicts_stats(c->o.verdicts, &vs);
	json_object_set_new(hb, "verdicts_cached", json_integer((json_int_t)vs.cached));
	json_object_set_new(hb, "scans_queued", json_integer((json_int_t)vs.queued));
	json_object_set_new(hb, "scans_done", json_integer((json_int_t)vs.done));
	json_object_set_new(hb, "scans_failed", json_integer((json_int_t)vs.failed));
	if (vs.last_error[0])
		json_object_set_new(hb, "scan_error", json_string(vs.last_error));
	moat_uplink_health(c->o.uplink, hb);
}

int admit_console_open(const struct admit_console_opts *o, struct admit_console **ret,
		       struct moat_error *err)
{
	struct admit_console *c = calloc(1, sizeof(*c));
	int r;

	*ret = NULL;
	if (!c)
		return moat_error_set(err, -ENOMEM, "out of memory");
	c->o = *o;
	pthread_mutex_init(&c->mu, NULL);
	pthread_mutex_init(&c->apply_mu, NULL);
	snprintf(c->cache, sizeof(c->cache), "%s/console-policy-%s.json", o->state_dir, o->who);
	snprintf(c->gate_dir, sizeof(c->gate_dir), "%s/console-gates", o->state_dir);
	if (gethostname(c->node, sizeof(c->node) - 1) < 0 || !c->node[0])
		snprintf(c->node, sizeof(c->node), "unknown");
	/* a cache that cannot be read stops the start: serving without it
	 * would drop the console's rules in silence */
	if ((r = load_cache(c, err)) < 0) {
		admit_console_close(c);
		return r;
	}
	struct moat_console_ctl_opts co = {
		.url = o->url, .token = o->token, .cacert = o->cacert,
		.interval_ms = o->interval_ms, .on_warn = on_warn, .ctx = c,
		.policy_path = "/api/v1/defenders/self/policy?producer=admission",
		.health = health, .on_policy = on_policy,
	};
	/* the control thread's on_policy waits for ctl under mu; one that
	 * ran before found none, so take once more here */
	pthread_mutex_lock(&c->mu);
	r = moat_console_ctl_open(&co, &c->ctl, err);
	pthread_mutex_unlock(&c->mu);
	if (r < 0) {
		admit_console_close(c);
		return r;
	}
	on_policy(c);
	*ret = c;
	return 0;
}

void admit_console_close(struct admit_console *c)
{
	if (!c)
		return;
	moat_console_ctl_close(c->ctl);
	for (size_t i = 0; i < c->n_gates; i++)
		free(c->gates[i]);
	json_decref(c->in_force);
	pthread_mutex_destroy(&c->mu);
	pthread_mutex_destroy(&c->apply_mu);
	free(c);
}
