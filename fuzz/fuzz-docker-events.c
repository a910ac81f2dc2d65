/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-docker-events.c - the Docker events stream: the object splitter and
 * the event parser, behind the events handle's non-blocking reads (libcurl
 * undoes the HTTP framing; the rest is ours).
 *
 * The first byte picks the mode: bit 7 feeds the rest to the splitter
 * directly, with a 4 KiB object bound; otherwise the rest is the decoded
 * body as the engine sends it, read through the events handle.
 * Bits 0-1 cut reads (whole, one byte, random), bit 2 makes the reader say
 * -EAGAIN before every read. Each input runs whole and then cut; the two
 * runs must agree on every event, every per-event error and how the stream
 * ended, since nothing may depend on where reads end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hmap.h"
#include "moat/error.h"
#include "runtime/docker.h"

#define FUZZ_MAX_INPUT (1u << 20)
#define MODE_CUT(m) ((m) & 3u)
#define MODE_EAGAIN 0x04u
#define MODE_SPLITTER 0x80u

struct cut_src {
	const uint8_t *data;
	size_t len;
	size_t pos;
	uint8_t mode;
	uint32_t rng;
	bool again;             /* the last call said -EAGAIN */
};

struct outcome {
	unsigned events;
	unsigned bad;           /* per-event errors */
	int end;                /* how the stream ended */
	uint64_t hash;          /* of every event's fields, in order */
};

static uint32_t rng_next(uint32_t *state)
{
	uint32_t x = *state ? *state : 1;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}

/* Never returns -EAGAIN twice in a row, so every run ends. */
static size_t cut_len(struct cut_src *s, size_t len)
{
	size_t n = s->len - s->pos;

	if (MODE_CUT(s->mode) == 1 && n > 1)
		n = 1;
	else if (MODE_CUT(s->mode) >= 2 && n > 1)
		n = 1 + rng_next(&s->rng) % (n < 300 ? n : 300);
	return n > len ? len : n;
}

static ssize_t cut_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct cut_src *s = ctx;
	size_t n;

	(void)err;
	if ((s->mode & MODE_EAGAIN) && !s->again && s->pos < s->len) {
		s->again = true;
		return -EAGAIN;
	}
	s->again = false;
	n = cut_len(s, len);
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

static bool terminated(const char *s, size_t cap)
{
	return memchr(s, 0, cap) != NULL;
}

static void check_event(const struct moat_docker_event *ev, struct outcome *out)
{
	size_t id_len;

	if (!terminated(ev->action, sizeof(ev->action)) || !terminated(ev->id, sizeof(ev->id)) ||
	    !terminated(ev->name, sizeof(ev->name)) || !terminated(ev->image, sizeof(ev->image)) ||
	    !terminated(ev->old_name, sizeof(ev->old_name)))
		abort();
	id_len = strlen(ev->id);
	if (id_len == 0 || !ev->action[0] || strcspn(ev->id, "/ \\") != id_len)
		abort();
	out->events++;
	out->hash = out->hash * 31 + moat_hash_bytes(ev, sizeof(*ev));
}

/* The whole stream through the events handle, until it fails. */
static void run_stream(const uint8_t *data, size_t size, uint8_t mode, struct outcome *out)
{
	struct cut_src src = { data, size, 0, mode, mode * 2654435761u, false };
	struct moat_docker_events *events = NULL;
	struct moat_docker_event ev;

	memset(out, 0, sizeof(*out));
	if (moat_docker_events_from_reader((struct moat_reader){ cut_read, &src, NULL }, &events,
					   NULL) < 0)
		abort();
	/* every call that returns 0 consumed input or said -EAGAIN once */
	for (size_t calls = 0; calls < 4 * size + 64; calls++) {
		int r = moat_docker_events_next(events, &ev, NULL);

		if (r == 1)
			check_event(&ev, out);
		else if (r < 0 && moat_docker_events_failed(events))
			break;
		else if (r < 0)
			out->bad++;
	}
	if (!moat_docker_events_failed(events))
		abort();        /* the input ended: the stream must say so */
	out->end = moat_docker_events_next(events, &ev, NULL);
	moat_docker_events_close(events);
}

/* The decoded body straight into the splitter, in pieces. */
static void run_splitter(const uint8_t *data, size_t size, uint8_t mode, struct outcome *out)
{
	struct cut_src src = { data, size, 0, mode & 3u, mode * 2654435761u, false };
	struct moat_docker_event_splitter sp;
	struct moat_docker_event ev;

	memset(out, 0, sizeof(*out));
	moat_docker_event_splitter_init(&sp, 4096);
	while (src.pos < src.len && !out->end) {
		size_t n = cut_len(&src, src.len - src.pos);
		size_t off = 0;

		while (off < n) {
			size_t used;
			int r = moat_docker_event_feed(&sp, data + src.pos + off, n - off, &used, &ev,
						       NULL);

			if (used > n - off || (r == 0 && used != n - off))
				abort();
			off += used;
			if (r == 1)
				check_event(&ev, out);
			else if (r < 0 && sp.broken)
				out->end = r;
			else if (r < 0)
				out->bad++;
			if (out->end)
				break;
		}
		src.pos += n;
	}
	moat_docker_event_splitter_release(&sp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole;
	struct outcome cut;
	uint8_t mode;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	mode = data[0];
	if (mode & MODE_SPLITTER) {
		run_splitter(data + 1, size - 1, 0, &whole);
		run_splitter(data + 1, size - 1, mode, &cut);
	} else {
		run_stream(data + 1, size - 1, 0, &whole);
		run_stream(data + 1, size - 1, mode, &cut);
	}
	if (whole.events != cut.events || whole.bad != cut.bad || whole.end != cut.end ||
	    whole.hash != cut.hash)
		abort();
	return 0;
}
