/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.h - a durable queue of JSON events on disk, for a producer (the
 * defender) that must not lose what it saw while its console is away.
 *
 * The spool is a directory: `id` (a random name for this spool, made once),
 * `cursor` (the first event not yet acknowledged: segment and offset,
 * replaced atomically) and numbered segment files of one JSON object per
 * line. Every open starts a new segment, so a line torn by a crash is never
 * appended to: readers skip an unterminated last line. Each appended event
 * gets "event_id": "<spool id>-<segment>-<offset>", unique for the life of
 * the spool directory, so a console that stores events by id takes a
 * replayed batch once (at-least-once delivery, exactly-once storage).
 *
 * Bounded: past max_bytes of unacknowledged events the oldest segments are
 * dropped and counted (a console away for days must not fill the node's
 * disk). Thread-safe: one thread appends while another reads and commits.
 */
#ifndef MOAT_UPLINK_SPOOL_H
#define MOAT_UPLINK_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct moat_buf;
struct moat_error;
struct moat_spool;

/* A segment file's largest size before the next append starts another. */
#define MOAT_SPOOL_SEGMENT_BYTES (4u << 20)
/* Unacknowledged events kept by default. */
#define MOAT_SPOOL_MAX_BYTES (256ull << 20)
/* Longest event line accepted (an alert is a few KiB). */
#define MOAT_SPOOL_MAX_EVENT (256u << 10)
/* Segment files in one spool at most (with the default sizes: 64 are full). */
#define MOAT_SPOOL_MAX_SEGMENTS 4096u

struct moat_spool_opts {
	const char *dir;                /* made (0700) if missing */
	uint64_t max_bytes;             /* 0 = MOAT_SPOOL_MAX_BYTES */
	uint32_t segment_bytes;         /* 0 = MOAT_SPOOL_SEGMENT_BYTES */
};

/* Where a read stopped: commit it once the batch read up to it is acknowledged. */
struct moat_spool_mark {
	uint64_t seg;
	uint64_t off;
	uint64_t events;                /* events read up to here (by peek) */
	uint64_t skipped;               /* damaged or torn lines passed over */
};

struct moat_spool_stats {
	uint64_t appended;              /* events appended since open */
	uint64_t committed;             /* events acknowledged since open */
	uint64_t dropped;               /* events dropped past max_bytes since open */
	uint64_t pending_bytes;         /* on disk, not yet acknowledged */
};

int moat_spool_open(const struct moat_spool_opts *opts, struct moat_spool **ret,
		    struct moat_error *err);
/* Flush what was appended to disk and free. NULL is a no-op. */
void moat_spool_close(struct moat_spool *sp);

/* Append one JSON object (`{...}` on one line, no newline) with its
 * event_id added. MOAT_E_FORMAT if it is not an object on one line,
 * MOAT_E_LIMIT past MOAT_SPOOL_MAX_EVENT; -errno when the disk refuses. */
int moat_spool_append(struct moat_spool *sp, const char *json, size_t len,
		      struct moat_error *err);
/* fdatasync the segment being written. */
int moat_spool_sync(struct moat_spool *sp, struct moat_error *err);

/*
 * Read up to max_events events (at most max_bytes of lines, but always at
 * least one) from the cursor on, appending them to out separated by ','
 * (ready to be wrapped in a JSON array). *ret_n is how many; *ret_end marks
 * the position after them, for moat_spool_commit. Only whole lines count.
 */
int moat_spool_peek(struct moat_spool *sp, struct moat_buf *out, size_t max_events,
		    size_t max_bytes, size_t *ret_n, struct moat_spool_mark *ret_end,
		    struct moat_error *err);
/* The events before end are acknowledged: move the cursor (durably) and
 * delete segments wholly before it. */
int moat_spool_commit(struct moat_spool *sp, const struct moat_spool_mark *end,
		      struct moat_error *err);

void moat_spool_stats(struct moat_spool *sp, struct moat_spool_stats *ret);
/* The spool's id (16 hex digits). */
const char *moat_spool_id(const struct moat_spool *sp);

/*
 * Parse a cursor file's text "SEG OFF\n". Exposed for the fuzz target.
 * MOAT_E_FORMAT on anything else.
 */
int moat_spool_parse_cursor(const char *text, size_t len, struct moat_spool_mark *ret);
/* The length of the complete lines at the start of data (up to and
 * including the last '\n'), and their count in *ret_lines. Exposed for the
 * fuzz target. */
size_t moat_spool_whole_lines(const char *data, size_t len, size_t *ret_lines);

#endif
