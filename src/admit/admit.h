/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admit.h - admission control: decode what is about to run (a Docker authz
 * plugin request, a Kubernetes AdmissionReview) into a policy workload,
 * encode the answer, remember image verdicts, audit every decision.
 *
 * Decoders take untrusted bytes with a size cap, allocate from the caller's
 * per-request arena and never keep pointers into the input after return.
 */
#ifndef MOAT_ADMIT_H
#define MOAT_ADMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/digest.h"
#include "policy/policy.h"

struct moat_arena;
struct moat_error;

/* Largest request body either decoder reads (Docker sends bodies up to 1 MiB;
 * an AdmissionReview of a big pod template stays well below 3 MiB). */
#define MOAT_ADMIT_MAX_BODY (3u << 20)

/* ---- Docker authorization plugin ---- */

enum moat_authz_kind {
	MOAT_AUTHZ_OTHER = 0,           /* allowed: nothing to run */
	MOAT_AUTHZ_CREATE,              /* POST /containers/create */
	MOAT_AUTHZ_EXEC,                /* POST /containers/{id}/exec */
	MOAT_AUTHZ_PULL,                /* POST /images/create?fromImage= */
	MOAT_AUTHZ_PUSH,                /* POST /images/{name}/push */
};

struct moat_authz_req {
	enum moat_authz_kind kind;
	const char *user;               /* "" when the engine has no authn */
	const char *method;
	const char *uri;
	const char *target;             /* container id (exec) or image (pull/push) */
	struct moat_workload workload;  /* create/exec; pull/push: one container with the image */
};

/* Decode an /AuthZPlugin.AuthZReq body. MOAT_E_FORMAT for malformed JSON, a
 * bad base64 RequestBody or a create/exec body that is not a JSON object. */
int moat_authz_decode(const uint8_t *body, size_t len, struct moat_arena *arena,
		      struct moat_authz_req *ret, struct moat_error *err);
/*
 * --volumes-from: add the host paths the named containers mount (their
 * inspect documents, in the order of workload.containers[0].volumes_from;
 * NULL for one the engine does not know) to the create's container, so the
 * mount rules see what it inherits. Only bind mounts name host paths.
 */
int moat_authz_inherit(struct moat_authz_req *r, json_t *const *inspects,
		       struct moat_arena *arena);
/* {"Allow":bool,"Msg":"...","Err":"..."} into out. */
int moat_authz_encode(bool allow, const char *msg, const char *errmsg, struct moat_buf *out);

/* ---- Kubernetes AdmissionReview v1 ---- */

struct moat_review {
	const char *uid;                /* echoed in the response */
	const char *api_version;        /* "admission.k8s.io/v1" */
	const char *kind;               /* the object's kind: Pod, Deployment, ... */
	const char *operation;          /* CREATE, UPDATE, ... */
	bool dry_run;
	bool supported;                 /* a kind with a pod spec (else allowed as is) */
	struct moat_workload workload;
	json_t *object;                 /* request.object (arena-kept), or NULL */
};

/* Decode an AdmissionReview v1 request. MOAT_E_FORMAT when it is not one (wrong
 * apiVersion/kind, no request.uid, an object that is not a mapping). */
int moat_review_decode(const uint8_t *body, size_t len, struct moat_arena *arena,
		       struct moat_review *ret, struct moat_error *err);
/* The manifest checks of comply/k8s.h on rv->object under the policy's
 * comply.k8s section (none: nothing is done): block-level findings become
 * reasons ("MOAT-K8S-001": "PATH: message") and deny, alert-level ones
 * warnings. Kinds no check looks at are left alone. 0, or MOAT_E_LIMIT /
 * -ENOMEM with err set (the failure mode decides). */
int moat_review_checks(const struct moat_policy *policy, const struct moat_review *rv,
		       struct moat_arena *arena, struct moat_decision *d, struct moat_error *err);
/* The AdmissionReview response: allowed, status {code, message}, warnings. */
int moat_review_encode(const struct moat_review *rv, const struct moat_decision *d,
		       struct moat_arena *arena, struct moat_buf *out);

/* ---- image verdicts: cache in memory and in a state dir, scans in the background ---- */

struct moat_verdicts;

/* A finished scan, as the scanner reports it. */
struct moat_verdict_result {
	enum moat_verdict_state state;  /* PASS, FAIL, ERROR, or UNKNOWN: nothing to scan there */
	char summary[512];
};

struct moat_verdicts_opts {
	const char *state_dir;          /* verdict files go to STATE/verdicts/ (made 0700) */
	const char *policy_hash;        /* part of every key: new thresholds, new verdicts */
	const char *db_path;            /* the vulnerability DB; its checksum is part of the key */
	/* image reference -> stable key (an image id). NULL: the digest in the
	 * reference, else the reference itself. Called on request threads. */
	int (*resolve)(void *ctx, const char *image, char *ret_key, size_t len);
	/* Scan key (what resolve returned) on a worker thread; gate: the
	 * thresholds' policy file of a moat_verdict_gate, NULL for the policy
	 * of policy_hash. */
	void (*scan)(void *ctx, const char *key, const char *gate,
		     struct moat_verdict_result *ret);
	void *ctx;
	unsigned workers;               /* concurrent scans; 0 = 1 */
	unsigned error_retry_sec;       /* how long an ERROR/UNKNOWN result is kept; 0 = 60 */
};

int moat_verdicts_open(const struct moat_verdicts_opts *opts, struct moat_verdicts **ret,
		       struct moat_error *err);
/* Waits for running scans, drops queued ones. NULL is a no-op. */
void moat_verdicts_close(struct moat_verdicts *v);
/* The policy engine's lookup (struct moat_verdict_source.lookup), ctx = v. */
int moat_verdicts_lookup(void *v, const char *image, unsigned flags, unsigned timeout_sec,
			 struct moat_arena *arena, struct moat_image_verdict *ret);
/* Other vulnerability thresholds than the policy's (a console policy's):
 * verdicts under them are keyed by their hash and scanned with path as
 * `moat scan --policy`. The caller keeps it alive while v is open. */
struct moat_verdict_gate {
	struct moat_verdicts *verdicts;
	char hash[MOAT_DIGEST_STR_MAX];
	char path[4096];
};
int moat_verdicts_lookup_gate(struct moat_verdicts *v, const struct moat_verdict_gate *gate,
			      const char *image, unsigned flags, unsigned timeout_sec,
			      struct moat_arena *arena, struct moat_image_verdict *ret);
/* The lookup with ctx = a struct moat_verdict_gate. */
int moat_verdicts_gate_lookup(void *gate, const char *image, unsigned flags,
			      unsigned timeout_sec, struct moat_arena *arena,
			      struct moat_image_verdict *ret);
/* Record a verdict directly (tests, benches, pre-seeding). */
int moat_verdicts_put(struct moat_verdicts *v, const char *key,
		      const struct moat_verdict_result *res);
/* Scans finished since open. */
uint64_t moat_verdicts_scans_done(struct moat_verdicts *v);
/* The cache and the scans, for the console's heartbeat. */
struct moat_verdicts_stats {
	uint64_t cached;                /* verdicts held (done, queued or running) */
	uint64_t queued;                /* scans waiting for a worker */
	uint64_t done;                  /* scans finished since open */
	uint64_t failed;                /* of those, the ones that ended in ERROR */
	char last_error[512];           /* the last failed scan's summary */
};
void moat_verdicts_stats(struct moat_verdicts *v, struct moat_verdicts_stats *ret);

/* ---- audit: one JSON line per decision ---- */

struct moat_audit;

/* Append to path (made 0600 if new); NULL path = no audit. */
int moat_audit_open(const char *path, struct moat_audit **ret, struct moat_error *err);
void moat_audit_close(struct moat_audit *a);
struct moat_uplink;
/* Also send every decision to the console through up (borrowed; it must
 * outlive the audit) as an event of kind "admission"; *a may be NULL (no
 * audit file), then one is made for the uplink alone. */
int moat_audit_add_uplink(struct moat_audit **a, struct moat_uplink *up, struct moat_error *err);
/* One line: {"time","source","allow","user","action","object","image"?,"reasons":[..],
 * "warnings":[..]}; image (may be NULL) the first container's. Thread-safe;
 * a failed write (file or spool) is returned (the caller decides fail-open/closed). */
int moat_audit_write(struct moat_audit *a, const char *source, const char *action,
		     const char *object, const char *user, const char *image,
		     const struct moat_decision *d, bool dry_run);
/* The decisions written since open (the console's heartbeat): allowed
 * (warned ones included), denied, and allowed with warnings. */
struct moat_audit_counts {
	uint64_t allowed, denied, warned;
};
void moat_audit_counts(struct moat_audit *a, struct moat_audit_counts *ret);

/* ---- the console's policies in force (overlay.c) ---- */

/*
 * The console's admission, trusted-images, vulnerability and compliance
 * (benchmark k8s) policies (moat_policy_from_console) decided after the local policy: their reasons
 * deny and their warnings warn as well (the stricter wins; a console
 * policy cannot allow what the local one denies). The set is an immutable
 * snapshot: each request takes a reference for its decision, a new set
 * replaces the pointer under a mutex, and the last request holding the old
 * one frees it, so a change needs no restart and no request sees a mix.
 */
struct moat_admit_overlays;

int moat_admit_overlays_new(struct moat_admit_overlays **ret);
/* After the server has stopped. NULL is a no-op. */
void moat_admit_overlays_free(struct moat_admit_overlays *o);
/* Put list (n policies; taken, also on failure) in force; srcs[i] (copied)
 * is the verdict source for list[i] (a NULL lookup: the admission's own).
 * label names the set in logs (the console's etag). */
int moat_admit_overlays_set(struct moat_admit_overlays *o, struct moat_policy **list, size_t n,
			    const struct moat_verdict_source *srcs, const char *label);
/* The label of the set in force ("" for none) into out. */
void moat_admit_overlays_label(struct moat_admit_overlays *o, char *out, size_t len);
/* Decide w under every policy in force and merge into d. transfer: a pull
 * or push (only trusted_images speaks). 0 or MOAT_E_LIMIT. */
int moat_admit_overlays_decide(struct moat_admit_overlays *o, const struct moat_workload *w,
			       const struct moat_verdict_source *own, bool dry_run, bool transfer,
			       struct moat_arena *arena, struct moat_decision *d);
/* True when a console policy in force has comply.k8s (a compliance policy
 * for benchmark k8s): the manifest checks run on every kind they know. */
bool moat_admit_overlays_comply(struct moat_admit_overlays *o);
/* The manifest checks of each such policy whose scope takes rv's object
 * (moat_review_checks), its findings named after it, merged into d. 0, or
 * <0 with err set (the failure mode decides). */
int moat_admit_overlays_review(struct moat_admit_overlays *o, const struct moat_review *rv,
			       struct moat_arena *arena, struct moat_decision *d,
			       struct moat_error *err);

/* ---- the HTTP handlers of `moat authz` and `moat webhook` ---- */

struct moat_server_req;
struct moat_server_resp;

struct moat_admit {
	const struct moat_policy *policy;       /* borrowed */
	const struct moat_verdict_source *verdicts; /* borrowed, may be NULL */
	struct moat_audit *audit;               /* borrowed, may be NULL */
	struct moat_admit_overlays *overlays;   /* borrowed, may be NULL: the console's */
	uint64_t arena_cap;                     /* per request; 0 = 16 MiB */
	/* Docker: inspect an existing container (for --volumes-from). 0 and a
	 * document the caller json_decref's, MOAT_E_NOTFOUND, or <0 when the
	 * engine cannot answer (the failure mode decides). NULL: inherited
	 * mounts are not looked at. */
	int (*inspect_container)(void *ctx, const char *ref, json_t **ret);
	void *inspect_ctx;
};

/* Docker plugin API: /Plugin.Activate, /AuthZPlugin.AuthZReq, /AuthZPlugin.AuthZRes.
 * Use as a moat_server handler with ctx = struct moat_admit. */
void moat_admit_authz_http(void *ctx, const struct moat_server_req *req, struct moat_server_resp *resp);
/* POST /validate (AdmissionReview v1), GET /healthz. */
void moat_admit_webhook_http(void *ctx, const struct moat_server_req *req,
			     struct moat_server_resp *resp);

#endif
