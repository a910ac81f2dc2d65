/* SPDX-License-Identifier: Apache-2.0 */
/*
 * handler.c - the HTTP side of admission: route, decode, decide, audit,
 * answer. One arena per request holds everything the decision needs.
 * Anything that goes wrong (a request we cannot read, memory, the audit
 * log) follows the policy's failure mode: closed denies, open allows and
 * says so in the audit line.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "admit-int.h"
#include "admit.h"
#include "base/arena.h"
#include "base/jsonw.h"
#include "comply/k8s.h"
#include "moat/error.h"
#include "server/server.h"

#define ADMIT_ARENA_DEFAULT (16u << 20)
/* --volumes-from sources looked up per create. */
#define ADMIT_VOLUMES_FROM_MAX 16u

static const char *const kind_names[] = {
	[MOAT_AUTHZ_OTHER] = "other", [MOAT_AUTHZ_CREATE] = "create",
	[MOAT_AUTHZ_EXEC] = "exec", [MOAT_AUTHZ_PULL] = "pull", [MOAT_AUTHZ_PUSH] = "push",
};

/* Pulls and pushes move images; only the trust rule speaks about them. */
static int decide_transfer(const struct moat_admit *ad, const struct moat_workload *w,
			   struct moat_arena *arena, struct moat_decision *d)
{
	int r = moat_policy_decide(ad->policy, w, NULL, true, arena, d);

	if (r < 0)
		return r;
	admit_keep_trust(d);
	return moat_admit_overlays_decide(ad->overlays, w, NULL, true, true, arena, d);
}

/* --volumes-from: what the sources mount counts as mounted here too. */
static int inherit_mounts(const struct moat_admit *ad, struct moat_authz_req *ar,
			  struct moat_arena *arena, struct moat_error *err)
{
	const struct moat_container *c = ar->workload.containers;
	json_t *docs[ADMIT_VOLUMES_FROM_MAX] = { 0 };
	size_t n = c ? c->n_volumes_from : 0;
	int r = 0;

	if (!n || !ad->inspect_container)
		return 0;
	if (n > ADMIT_VOLUMES_FROM_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "more than %u --volumes-from sources",
				      ADMIT_VOLUMES_FROM_MAX);
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = ad->inspect_container(ad->inspect_ctx, c->volumes_from[i], &docs[i]);
		if (r == MOAT_E_NOTFOUND)
			r = 0;  /* the engine refuses the create itself */
		else if (r < 0)
			moat_error_set(err, r, "cannot inspect container %s (--volumes-from) "
				       "through the engine", c->volumes_from[i]);
	}
	if (r == 0 && moat_authz_inherit(ar, docs, arena) < 0)
		r = moat_error_set(err, MOAT_E_LIMIT, "out of request memory");
	for (size_t i = 0; i < n; i++)
		json_decref(docs[i]);
	return r;
}

/* An error instead of a decision: the failure mode decides. */
static void failure(const struct moat_admit *ad, struct moat_arena *arena, const char *msg,
		    struct moat_decision *d)
{
	static const struct moat_finding_msg oom = { .rule = "error", .msg = "out of memory" };
	struct moat_finding_msg *m = arena ? moat_arena_zalloc(arena, sizeof(*m)) : NULL;

	memset(d, 0, sizeof(*d));
	d->allow = moat_policy_fail_open(ad->policy);
	d->failed_open = d->allow;
	if (m) {
		m->rule = "error";
		m->msg = moat_arena_strdup(arena, msg);
	}
	/* the decision only reads its messages: the shared constant is safe */
	if (!m || !m->msg)
		m = (struct moat_finding_msg *)(uintptr_t)&oom;
	if (d->allow) {
		d->warnings = m;
		d->n_warnings = 1;
	} else {
		d->reasons = m;
		d->n_reasons = 1;
	}
}

static void authz_req(const struct moat_admit *ad, const struct moat_server_req *req,
		      struct moat_server_resp *resp, struct moat_arena *arena)
{
	struct moat_authz_req ar = { 0 };
	struct moat_decision d = { .allow = true };
	struct moat_error err = { 0 };
	const char *msg = NULL;
	int r;

	r = moat_authz_decode(req->body, req->body_len, arena, &ar, &err);
	if (r == 0 && ar.kind == MOAT_AUTHZ_CREATE)
		r = inherit_mounts(ad, &ar, arena, &err);
	if (r < 0) {
		failure(ad, arena, err.msg, &d);
		ar = (struct moat_authz_req){ .user = "", .uri = "(unreadable request)" };
	} else if (ar.kind == MOAT_AUTHZ_OTHER) {
		moat_authz_encode(true, NULL, NULL, &resp->body);
		return; /* reads, starts, logs...: nothing new runs */
	} else if (ar.kind == MOAT_AUTHZ_PULL || ar.kind == MOAT_AUTHZ_PUSH) {
		r = decide_transfer(ad, &ar.workload, arena, &d);
	} else {
		r = moat_policy_decide(ad->policy, &ar.workload, ad->verdicts, false, arena, &d);
		if (r == 0)
			r = moat_admit_overlays_decide(ad->overlays, &ar.workload, ad->verdicts,
						       false, false, arena, &d);
	}
	if (r < 0 && !err.msg[0])
		failure(ad, arena, "out of request memory", &d);
	if (moat_audit_write(ad->audit, "docker", r < 0 ? "invalid" : kind_names[ar.kind],
			     ar.target ? ar.target : ar.workload.n_containers &&
			     ar.workload.containers[0].image ? ar.workload.containers[0].image :
			     ar.uri, ar.user, ar.workload.n_containers ?
			     ar.workload.containers[0].image : NULL, &d, false) < 0 && !moat_policy_fail_open(ad->policy)) {
		d.allow = false;
		msg = "moat: the audit log cannot be written";
	}
	if (!d.allow && !msg)
		msg = moat_arena_printf(arena, "moat (%s): %s", moat_policy_origin(ad->policy),
					moat_decision_summary(&d, false, arena));
	moat_authz_encode(d.allow, msg ? msg : NULL, NULL, &resp->body);
}

void moat_admit_authz_http(void *ctx, const struct moat_server_req *req, struct moat_server_resp *resp)
{
	const struct moat_admit *ad = ctx;
	struct moat_arena *arena;

	if (strcmp(req->method, "POST") != 0) {
		resp->status = 405;
		moat_buf_append_str(&resp->body, "{\"Err\":\"POST only\"}");
		return;
	}
	if (!strcmp(req->path, "/Plugin.Activate")) {
		moat_buf_append_str(&resp->body, "{\"Implements\":[\"authz\"]}");
		return;
	}
	if (!strcmp(req->path, "/AuthZPlugin.AuthZRes")) {
		moat_authz_encode(true, NULL, NULL, &resp->body);
		return;
	}
	if (strcmp(req->path, "/AuthZPlugin.AuthZReq") != 0) {
		resp->status = 404;
		moat_buf_append_str(&resp->body, "{\"Err\":\"unknown endpoint\"}");
		return;
	}
	arena = moat_arena_open(ad->arena_cap ? ad->arena_cap : ADMIT_ARENA_DEFAULT);
	if (!arena) {
		bool open = moat_policy_fail_open(ad->policy);

		moat_authz_encode(open, open ? NULL : "moat: out of memory", NULL, &resp->body);
		return;
	}
	authz_req(ad, req, resp, arena);
	moat_arena_close(arena);
}

static void review_req(const struct moat_admit *ad, const struct moat_server_req *req,
		       struct moat_server_resp *resp, struct moat_arena *arena)
{
	struct moat_review rv = { 0 };
	struct moat_decision d = { .allow = true };
	struct moat_error err = { 0 };
	bool act;
	int r;

	r = moat_review_decode(req->body, req->body_len, arena, &rv, &err);
	if (r < 0 && !rv.uid) {
		struct moat_jw jw;

		resp->status = 400;
		moat_jw_init(&jw, &resp->body, false);
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "error", err.msg);
		moat_jw_obj_end(&jw);
		moat_jw_finish(&jw);
		return;
	}
	/* pod specs; and RBAC objects and service accounts when the manifest checks run */
	act = r == 0 && rv.operation &&
	      (!strcmp(rv.operation, "CREATE") || !strcmp(rv.operation, "UPDATE")) &&
	      (rv.supported ||
	       ((moat_policy_comply_has(ad->policy, "k8s") ||
		 moat_admit_overlays_comply(ad->overlays)) && moat_k8s_checked_kind(rv.kind)));
	if (act && (r = moat_policy_decide(ad->policy, &rv.workload, ad->verdicts, rv.dry_run,
					   arena, &d)) < 0)
		moat_error_set(&err, r, "out of request memory");
	else if (act && !d.skipped)
		r = moat_review_checks(ad->policy, &rv, arena, &d, &err);
	/* the console's policies: pod specs only (they speak of containers and images) */
	if (r == 0 && act && rv.supported &&
	    (r = moat_admit_overlays_decide(ad->overlays, &rv.workload, ad->verdicts, rv.dry_run,
					    false, arena, &d)) < 0)
		moat_error_set(&err, r, "out of request memory");
	/* the console's compliance policies: the manifest checks, on every kind they know */
	if (r == 0 && act)
		r = moat_admit_overlays_review(ad->overlays, &rv, arena, &d, &err);
	if (r < 0)
		failure(ad, arena, err.msg, &d);
	if ((act || r < 0) &&
	    moat_audit_write(ad->audit, "kubernetes", rv.operation ? rv.operation : "?",
			     moat_arena_printf(arena, "%s %s/%s", rv.kind ? rv.kind : "?",
					       rv.workload.namespace ? rv.workload.namespace : "",
					       rv.workload.name ? rv.workload.name : ""),
			     "", rv.workload.n_containers ? rv.workload.containers[0].image : NULL,
			     &d, rv.dry_run) < 0 && !moat_policy_fail_open(ad->policy))
		failure(ad, arena, "the audit log cannot be written", &d);
	if (moat_review_encode(&rv, &d, arena, &resp->body) < 0) {
		resp->status = 500;
		moat_buf_reset(&resp->body);
	}
}

void moat_admit_webhook_http(void *ctx, const struct moat_server_req *req,
			     struct moat_server_resp *resp)
{
	const struct moat_admit *ad = ctx;
	struct moat_arena *arena;

	if (!strcmp(req->path, "/healthz") && !strcmp(req->method, "GET")) {
		resp->content_type = "text/plain";
		moat_buf_append_str(&resp->body, "ok\n");
		return;
	}
	if (strcmp(req->path, "/validate") != 0) {
		resp->status = 404;
		moat_buf_append_str(&resp->body, "{\"error\":\"not found\"}");
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		resp->status = 405;
		moat_buf_append_str(&resp->body, "{\"error\":\"POST only\"}");
		return;
	}
	arena = moat_arena_open(ad->arena_cap ? ad->arena_cap : ADMIT_ARENA_DEFAULT);
	if (!arena) {
		resp->status = 500;
		moat_buf_append_str(&resp->body, "{\"error\":\"out of memory\"}");
		return;
	}
	review_req(ad, req, resp, arena);
	moat_arena_close(arena);
}
