/* SPDX-License-Identifier: Apache-2.0 */
/*
 * uplink.h - a producer's link to the console: events go to a durable spool
 * (spool.h) at once, and a sender thread posts them in batches to
 * POST /api/v1/events with the producer's token, committing each batch only
 * once the console has acknowledged it. A console that is down, slow or
 * refusing costs retries with back-off, never events: they wait in the
 * spool (up to its bound) across restarts of the producer, and their
 * event ids make a replayed batch harmless.
 */
#ifndef MOAT_UPLINK_H
#define MOAT_UPLINK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "uplink/spool.h"

struct moat_error;
struct moat_uplink;

/* Events per POST at most, and bytes of events per POST at most. */
#define MOAT_UPLINK_BATCH_EVENTS 500u
#define MOAT_UPLINK_BATCH_BYTES (1u << 20)
/* Containers in one inventory at most (with the events, under the console's
 * 5000 per batch). */
#define MOAT_UPLINK_INVENTORY_MAX 2000u
/* Longest wait between retries of a failed POST. */
#define MOAT_UPLINK_BACKOFF_MAX_MS 30000u

struct moat_uplink_opts {
	const char *url;                /* the console: http(s)://HOST:PORT */
	const char *token;              /* Bearer token (role defender) */
	const char *cacert;             /* PEM CA bundle for the console's certificate, or NULL */
	const char *spool_dir;
	const char *node;               /* this host's name, sent with each batch (or NULL) */
	const char *version;            /* the producer's version (or NULL) */
	const char *producer;           /* NULL: a defender (its batches are its heartbeat);
					 * else what sends, e.g. "admission" */
	uint64_t spool_max_bytes;       /* 0 = MOAT_SPOOL_MAX_BYTES */
	unsigned flush_ms;              /* longest an event waits before a POST; 0 = 500 */
	/* Something went wrong in the sender (called on its thread, rate-limited
	 * to one message per distinct failure in a row). */
	void (*on_warn)(void *ctx, const char *msg);
	void *ctx;
};

struct moat_uplink_stats {
	struct moat_spool_stats spool;
	uint64_t posts;                 /* batches acknowledged */
	uint64_t failures;              /* POSTs that failed */
	uint64_t duplicates;            /* events the console already had */
	uint64_t inventories;           /* container inventories acknowledged */
	uint64_t inventory_acked;       /* the latest generation of those */
	char last_error[256];           /* why the last POST failed; "" after a success */
};

/* Opens (or resumes) the spool and starts the sender. */
int moat_uplink_open(const struct moat_uplink_opts *opts, struct moat_uplink **ret,
		     struct moat_error *err);
/* Stop the sender after one last attempt to send what is spooled (bounded
 * by wait_ms); what is left stays in the spool for the next run. Pushes
 * after this are spooled for the next run. Idempotent. */
void moat_uplink_stop(struct moat_uplink *up, unsigned wait_ms);
/* moat_uplink_stop(up, 0) unless stopped, then free. NULL is a no-op. */
void moat_uplink_close(struct moat_uplink *up);

/* Queue one event: a JSON object on one line (moat.alert/v1). */
int moat_uplink_push(struct moat_uplink *up, const char *json, size_t len,
		     struct moat_error *err);

/*
 * The producer's container inventory (a JSON array of objects, as POST
 * /api/v1/events takes in "containers", at most MOAT_UPLINK_INVENTORY_MAX),
 * sent with the next batch, alone if no events wait. It is not spooled: a
 * newer one replaces one not yet sent, and one the console did not take is
 * sent again with the next try. The caller keeps containers. *ret_gen gets
 * its generation (1, 2, ...): the stats' inventory_acked reaches it once the
 * console took this inventory or a later one.
 */
int moat_uplink_set_containers(struct moat_uplink *up, const json_t *containers,
			       uint64_t *ret_gen, struct moat_error *err);

void moat_uplink_stats(struct moat_uplink *up, struct moat_uplink_stats *ret);
/* The spool's part of a heartbeat (events_sent, events_failed, spool_events,
 * spool_bytes, spool_dropped; last_error unless hb has one), added to hb:
 * the defender's and the admission producers' alike. NULL up: nothing. */
void moat_uplink_health(struct moat_uplink *up, json_t *hb);

struct moat_http;
struct moat_buf;

/*
 * POST a JSON body to the console: base (http(s)://HOST[:PORT], a trailing
 * '/' ignored) + path, with "Authorization: Bearer token". The answer's
 * body goes to answer (at most 1 MiB) when the status is 200 or 201;
 * another status is an error carrying the console's {"error": ...} text,
 * MOAT_E_USAGE for a base that is not an http(s) URL. *ret_status gets the
 * status (0 when there was no answer).
 */
int moat_console_post(struct moat_http *http, const char *base, const char *path,
		      const char *token, const void *body, size_t len, struct moat_buf *answer,
		      int *ret_status, struct moat_error *err);
/* The same for any method; body NULL sends none (GET). */
int moat_console_call(struct moat_http *http, const char *method, const char *base,
		      const char *path, const char *token, const void *body, size_t len,
		      struct moat_buf *answer, int *ret_status, struct moat_error *err);

#endif
