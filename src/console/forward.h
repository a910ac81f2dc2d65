/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forward.h - alert forwarding: each newly stored event goes to the
 * integrations whose route matches (rule glob, minimum severity), from a
 * bounded queue on one worker thread with retries and back-off, so ingest
 * never waits on a sink. Sinks: a generic webhook (the event as JSON), a
 * Slack-compatible webhook ({"text":...}), syslog (RFC 5424 over UDP or
 * TCP, octet-counted) carrying CEF.
 */
#ifndef MOAT_CONSOLE_FORWARD_H
#define MOAT_CONSOLE_FORWARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct moat_error;
struct console_fwd;

/* Start the worker. cursor_path (may be NULL: nothing kept) is the file
 * that says how far forwarding got (forward.c); missing, it is made and
 * forwarding starts from now. */
int console_fwd_open(const char *version, const char *cursor_path, struct console_fwd **ret,
		     struct moat_error *err);
/* Receive time (us) of the oldest stored event that may not have been
 * forwarded to some integration: after a start the caller routes every
 * stored event from it on with console_fwd_resume_event. INT64_MAX for
 * NULL. */
int64_t console_fwd_resume_from(struct console_fwd *f);
/* Stop the worker; undelivered jobs stay above the saved cursor and are
 * routed again on the next start. NULL is a no-op. */
void console_fwd_close(struct console_fwd *f);

/* Check one integration object {"name","kind","url","rules"?,"min_severity"?}
 * (MOAT_E_USAGE naming the field). */
int console_fwd_check(const json_t *integration, struct moat_error *err);
/* Replace the integrations (an array of checked objects with "id"); steals it. */
void console_fwd_set(struct console_fwd *f, json_t *integrations);
/* Queue a new event (a moat.alert/v1 object with event_id, received at
 * the console at `received` us) for every integration it routes to; drops
 * (and counts) when the queue is full. Called in the order events were
 * committed, so the cursor never passes an event not yet routed. */
void console_fwd_event(struct console_fwd *f, const json_t *ev, int64_t received);
/* The same for a stored event routed again after a start: only to the
 * integrations whose saved cursor it is not below. */
void console_fwd_resume_event(struct console_fwd *f, const json_t *ev, int64_t received);

struct console_fwd_stats {
	uint64_t sent, retried, failed, dropped;
};
void console_fwd_stats(struct console_fwd *f, struct console_fwd_stats *ret);

#endif
