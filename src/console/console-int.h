/* SPDX-License-Identifier: Apache-2.0 */
/* console-int.h - what the console's files share (not for other modules). */
#ifndef MOAT_CONSOLE_INT_H
#define MOAT_CONSOLE_INT_H

#include <jansson.h>
#include <pthread.h>

#include "auth.h"
#include "base/digest.h"
#include "console.h"
#include "db.h"
#include "server/server.h"

/* Largest request body: a scan of a big image is a few MiB of JSON. */
#define CONSOLE_MAX_BODY (64u << 20)
/* Events per POST /events batch. */
#define CONSOLE_MAX_BATCH 5000
/* List paging. */
#define CONSOLE_LIMIT_DEFAULT 100
#define CONSOLE_LIMIT_MAX 1000
/* Session lifetime. */
#define CONSOLE_SESSION_US (12LL * 3600 * 1000000)
#define CONSOLE_SESSION_COOKIE "moat_session"
/* Longest event id a producer may set. */
#define CONSOLE_EVENT_ID_MAX 128
/* Defenders not heard from for this long are "stale". */
#define CONSOLE_DEFENDER_STALE_US (5LL * 60 * 1000000)
/* A defender's node on a heartbeat upsert: an enrolled defender keeps the
 * node it enrolled with (its identity is bound to it); one on an API token
 * takes what it reports. */
#define CONSOLE_DEFENDER_NODE_SQL \
	"CASE WHEN defenders.enrolled IS NULL THEN COALESCE(excluded.node, defenders.node) " \
	"ELSE COALESCE(defenders.node, excluded.node) END"
/* Join tokens: default and longest lifetime, most uses. */
#define CONSOLE_JOIN_TTL_DEFAULT_US (24LL * 3600 * 1000000)
#define CONSOLE_JOIN_TTL_MAX_US (30LL * 86400 * 1000000)
#define CONSOLE_JOIN_USES_MAX 10000u

struct moat_console {
	struct moat_db *db;
	pthread_mutex_t mu;             /* around every db use */
	struct console_rl rl;           /* failed logins */
	char *web_dir;                  /* NULL: no UI */
	char *version;
	char *openapi_path;
	struct console_fwd *fwd;        /* alert forwarding (forward.h) */
};

#define CONSOLE_ROLES_ANY (CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_OPERATOR | CONSOLE_ROLE_AUDITOR | \
			   CONSOLE_ROLE_CI | CONSOLE_ROLE_DEFENDER | CONSOLE_ROLE_NODE)
#define CONSOLE_ROLES_READ (CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_OPERATOR | CONSOLE_ROLE_AUDITOR)

/* Who is calling: a user with a session, or an API token. */
struct console_who {
	unsigned role;
	char name[80];                  /* user name, or "token:<name>" */
	char token_id[32];              /* tokens only */
	char defender_id[32];           /* enrolled defenders only */
	char session_hash[72];          /* sessions only */
	char csrf[72];                  /* sessions only */
};

/* One API call as a handler sees it. */
struct console_call {
	struct moat_console *c;
	const struct moat_server_req *req;
	struct moat_server_resp *resp;
	struct console_who who;
	const char *param;              /* the {param} of the route, decoded; or NULL */
};

typedef void (*console_route_fn)(struct console_call *call);

/* Answers. reply_json steals a reference to doc. */
void console_reply_json(struct console_call *call, int status, json_t *doc);
void console_reply_error(struct console_call *call, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The storage failed: 500, the detail logged nowhere but the message. */
void console_reply_db(struct console_call *call, const struct moat_error *err);
/* The body as a JSON object, or a 400 answered and NULL. */
json_t *console_body_object(struct console_call *call);
/* ?limit= and ?offset= (defaults, max); false when answered 400. */
bool console_paging(struct console_call *call, int64_t *limit, int64_t *offset);

/* Take mu, run one changing statement and, when it changed rows, its audit
 * record, in one transaction; *ret_n (may be NULL) rows changed. */
int console_exec_audited(struct moat_console *c, const char *who, const char *sql,
			 const struct moat_db_val *p, size_t n, const char *action,
			 const char *target, int64_t *ret_n, struct moat_error *err);
/* DELETE by call->param (sql with one ?), audited as action: 1 and 204
 * when a row went; 0 when none matched (answered 404 "no WHAT ID" when
 * what is given, else left to the caller); -1 when a storage error was
 * answered. */
int console_delete_one(struct console_call *call, const char *sql, const char *action,
		       const char *what);
/* Add an audit record (under c->mu). */
int console_audit(struct moat_console *c, const char *who, const char *action,
		  const char *target, struct moat_error *err);
/* Time column -> JSON string (null for NULL). */
json_t *console_time_json(const struct moat_db_val *v);
/* Text column -> JSON (null for NULL). */
json_t *console_text_json(const struct moat_db_val *v);
/* A JSON text column parsed (null for NULL or bad). */
json_t *console_doc_json(const struct moat_db_val *v);

/* Rows to JSON objects by a column spec (one per selected column). */
enum console_col { COL_TEXT, COL_INT, COL_BOOL, COL_TIME, COL_DOC, COL_SKIP };

struct console_colspec {
	const char *key;
	enum console_col kind;
};

struct console_rows {
	const struct console_colspec *spec;
	size_t nspec;
	json_t *arr;                    /* each row appended as an object */
};

json_t *console_row_object(const struct console_colspec *spec, size_t nspec,
			   const struct moat_db_val *cols, size_t ncols);
/* moat_db_row_fn appending to ((struct console_rows *)ctx)->arr. */
int console_rows_append(void *ctx, const struct moat_db_val *cols, size_t ncols);
/* Run a list query and answer {key: [...]} (or a storage error). */
void console_reply_list(struct console_call *call, const char *key, const char *sql,
			const struct moat_db_val *params, size_t nparams,
			const struct console_colspec *spec, size_t nspec);

/* The web UI's files for paths outside /api/ (static.c). */
void console_static(struct moat_console *c, const struct moat_server_req *req,
		    struct moat_server_resp *resp);

/* Handlers by area (api-*.c). */
void console_api_users_list(struct console_call *call);
void console_api_users_create(struct console_call *call);
void console_api_users_delete(struct console_call *call);
void console_api_tokens_list(struct console_call *call);
void console_api_tokens_create(struct console_call *call);
void console_api_tokens_delete(struct console_call *call);
void console_api_audit(struct console_call *call);
void console_api_defenders(struct console_call *call);
void console_api_defender_revoke(struct console_call *call);
void console_api_enroll(struct console_call *call);
void console_api_heartbeat(struct console_call *call);
void console_api_self_policy(struct console_call *call);
/* Whose policies console_policy_set reads. */
enum console_policy_for {
	CONSOLE_POLICY_DEFENDER,        /* runtime, baseline, firewall */
	CONSOLE_POLICY_ADMISSION,       /* admission, trusted-images, vulnerability, compliance */
	CONSOLE_POLICY_COMPLIANCE,      /* compliance (moat comply --console, role ci) */
};
/* Under mu: the enabled policies a producer enforces, as it is handed them
 * (GET /defenders/self/policy, GET /compliance/policies), and the etag
 * over them. *ret is the caller's. */
int console_policy_set(struct moat_console *c, enum console_policy_for who, json_t **ret,
		       char etag[MOAT_DIGEST_STR_MAX], struct moat_error *err);
/* api-admission.c: a heartbeat that names a producer (webhook, authz);
 * the known fields of its body kept, bounded (NULL: out of memory). */
json_t *console_admission_health_doc(const json_t *body);
/* Into a heartbeat's stored health: the non-negative integers of ints and
 * the texts of texts (cut at 512 bytes) that from has; nothing else. */
void console_health_copy(json_t *to, const json_t *from, const char *const *ints, size_t n_ints,
			 const char *const *texts, size_t n_texts);
void console_admission_heartbeat(struct console_call *call, const json_t *body);
void console_api_admission_controllers(struct console_call *call);
void console_api_admission_controller_delete(struct console_call *call);
void console_api_join_tokens_list(struct console_call *call);
void console_api_join_tokens_create(struct console_call *call);
void console_api_join_token_delete(struct console_call *call);
/* Under mu: the enrolled defender whose secret has this SHA-256: 1 (who
 * filled), 2 revoked (who names it), 0 none, <0 storage error. */
int console_auth_defender(struct moat_console *c, const char *hash, struct console_who *who,
			  struct moat_error *err);
/* The defender a call speaks for (enrolled, or a role-defender token), or NULL. */
const char *console_defender_self(const struct console_call *call);
void console_api_policies_list(struct console_call *call);
void console_api_policies_create(struct console_call *call);
void console_api_policy_get(struct console_call *call);
void console_api_policy_put(struct console_call *call);
void console_api_policy_delete(struct console_call *call);
void console_api_integrations_list(struct console_call *call);
void console_api_integrations_create(struct console_call *call);
void console_api_integration_delete(struct console_call *call);
/* Under mu: hand the stored integrations to the forwarder (*ret, may be NULL: a reference). */
int console_integrations_load(struct moat_console *c, json_t **ret, struct moat_error *err);
void console_api_scans_post(struct console_call *call);
void console_api_images(struct console_call *call);
void console_api_image(struct console_call *call);
void console_api_containers(struct console_call *call);
void console_api_events_post(struct console_call *call);
void console_api_events(struct console_call *call);
void console_api_event_ack(struct console_call *call);
void console_api_radar(struct console_call *call);
void console_api_compliance_post(struct console_call *call);
void console_api_compliance(struct console_call *call);
void console_api_compliance_policies(struct console_call *call);
void console_api_vulnerabilities(struct console_call *call);

/* Pure: path against a route pattern with at most one "{x}" segment (not
 * empty, no "/"), whose value goes into param (CONSOLE_PARAM_MAX bytes). */
#define CONSOLE_PARAM_MAX 256
bool console_path_match(const char *pattern, const char *path, char *param);

/* Pure: one event of a batch, checked and normalised (fuzzed). Borrowed
 * pointers into ev. */
struct console_event {
	const char *event_id;
	int64_t ts;
	const char *kind;               /* explicit "kind", "network", or "runtime" */
	const char *rule;
	const char *severity;
	const char *node;
	const char *container_id;
	const char *image;              /* container.image (a name) */
	const char *image_digest;       /* container.image_id */
	const json_t *container;        /* object or NULL */
	const json_t *details;          /* object or NULL */
	/* a network edge, when the event describes a connection */
	char edge_src[160];
	char edge_dst[160];
	char edge_proto[16];
	int edge_port;
};

int console_event_parse(const json_t *ev, int64_t now_us, struct console_event *out,
			struct moat_error *err);
/* Pure: a moat.scan/v1 document's image digest, config digest, first ref and
 * base layer count (-1 when unknown). Borrowed strings. */
struct console_scan_head {
	const char *digest;
	const char *config_digest;
	const char *ref;
	char os[128];
	int base_layers;
};

int console_scan_head(const json_t *doc, struct console_scan_head *out, struct moat_error *err);
/* "base", "app" or "unknown" for a layer index given the base layer count. */
const char *console_layer_owner(int index, int base_layers);

/* Pure: whether a policy's rules are what its kind reads (policy-check.c);
 * msg gets the key path and what it wants. */
bool console_policy_rules_check(const char *kind, json_t *rules, char *msg, size_t len);

/* Pure: a moat.comply/v1 report checked (bounded strings, known results;
 * fuzzed). Borrowed strings; node "unknown" when the report names none. */
struct console_comply_head {
	const char *benchmark;
	const char *target;
	const char *node;
	int64_t warn;           /* checks with result WARN */
};

int console_comply_parse(const json_t *doc, struct console_comply_head *h,
			 struct moat_error *err);

/* risk-env.c: the environment (running containers, open alerts) flows back
 * into the risk of an image's findings; under mu, in the caller's
 * transaction. force: score again even when the facts look unchanged (a
 * new scan). */
int console_risk_refresh(struct moat_db *db, const char *digest, bool force,
			 struct moat_error *err);
/* Every scanned image an image id (digest or config digest) names; NULL: all. */
int console_risk_refresh_image(struct moat_db *db, const char *image_id, struct moat_error *err);
/* The keys of an object of image ids. */
int console_risk_refresh_set(struct moat_db *db, json_t *image_ids, struct moat_error *err);
/* Pure: a container's Kubernetes facts from its "k8s" object, its "pod" and
 * "namespace" (as alerts carry them) or io.kubernetes.* labels; NULL when
 * none (new reference). */
json_t *console_container_k8s(const json_t *ctr);
/* Pure: whether one entry of a container's "ports" is published on the host
 * (an integer, "IP:HOST->CTR/proto", {"ip","public"} or Docker's
 * {"IP","PublicPort"}); *outside when on a non-loopback address. */
bool console_port_published(const json_t *port, bool *outside);

#endif
