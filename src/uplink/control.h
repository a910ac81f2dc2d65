/* SPDX-License-Identifier: Apache-2.0 */
/*
 * control.h - a defender's identity with the console and its control
 * channel: enrollment (a join token traded once for an id and a secret kept
 * 0600 in the state directory), then a thread that sends a heartbeat and
 * pulls the defender's policy every interval. The last policy pulled is
 * cached on disk so a defender that cannot reach the console keeps
 * enforcing it after a restart.
 */
#ifndef MOAT_UPLINK_CONTROL_H
#define MOAT_UPLINK_CONTROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct moat_error;
struct moat_console_ctl;

/* The identity file in the state directory, and the policy cache. */
#define MOAT_IDENTITY_FILE "console-identity.json"
#define MOAT_POLICY_CACHE_FILE "console-policy.json"
/* Largest policy document accepted from the console (and the cache). */
#define MOAT_POLICY_MAX (1u << 20)

struct moat_identity {
	char id[64];
	char secret[128];
};

/*
 * The identity for console url kept in dir, else (join_token not NULL) a
 * new one from POST /api/v1/defenders/enroll, written to dir (0600) before
 * it is used. MOAT_E_NOTFOUND when dir has none for url and there is no
 * join token; the console's refusal (used-up, expired join token) as its
 * error. An identity for another console is never sent to this one.
 */
int moat_identity_get(const char *dir, const char *url, const char *cacert,
		      const char *join_token, const char *node, const char *version,
		      struct moat_identity *ret, bool *ret_enrolled, struct moat_error *err);

struct moat_console_ctl_opts {
	const char *url;
	const char *token;              /* the defender's secret (or a defender token) */
	const char *cacert;
	const char *dir;                /* the policy cache's directory */
	unsigned interval_ms;           /* heartbeat and policy pull; 0 = 30000 */
	/* The heartbeat's fields (moat.defender health: uptime_s, events_sent,
	 * ...), added to obj; called on the control thread. */
	void (*health)(void *ctx, json_t *obj);
	/* A failure of the control channel (rate-limited to one per distinct message). */
	void (*on_warn)(void *ctx, const char *msg);
	void *ctx;
	/* The policy's path (with its query); NULL = /api/v1/defenders/self/policy.
	 * Another producer (admission) asks for its own kinds. */
	const char *policy_path;
	bool no_heartbeat;              /* a producer that is not a defender: policy pulls only */
	/* Called on the control thread after each new policy is offered (the
	 * taker need not poll); may be NULL. */
	void (*on_policy)(void *ctx);
};

/* Starts the thread; the cached policy (if any) is offered at once. */
int moat_console_ctl_open(const struct moat_console_ctl_opts *opts, struct moat_console_ctl **ret,
			  struct moat_error *err);
/* Stop the thread and free. NULL is a no-op. */
void moat_console_ctl_close(struct moat_console_ctl *ctl);
/* A policy newer than the last taken: 1 and *ret (the console's
 * {"etag","policies":[...]}, caller's reference), else 0. */
int moat_console_ctl_policy_take(struct moat_console_ctl *ctl, json_t **ret);
/* Tell the console (in the next heartbeat) which policy is in force. */
void moat_console_ctl_applied(struct moat_console_ctl *ctl, const char *etag);

#endif
