/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spool.c - the on-disk event queue (spool.h): numbered segment files of
 * JSON lines, a cursor file replaced atomically, oldest segments dropped
 * past the byte bound.
 */
#include "uplink/spool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "moat/error.h"

#define SEG_DIGITS 20
#define SEG_SUFFIX ".jsonl"

struct segment {
	uint64_t num;
	uint64_t size;                  /* bytes of whole lines known to be in it */
};

struct moat_spool {
	pthread_mutex_t mu;
	int dfd;
	char *dir;
	char id[17];
	uint64_t max_bytes;
	uint32_t seg_bytes;
	struct moat_spool_mark cursor;
	struct segment *segs;           /* ascending; the last is being written */
	size_t n_segs;
	int fd;                         /* the last segment, O_APPEND */
	struct moat_buf line;           /* the event being appended */
	struct moat_buf chunk;          /* what peek reads */
	struct moat_spool_stats st;
};

static void seg_name(char out[SEG_DIGITS + sizeof(SEG_SUFFIX)], uint64_t num)
{
	snprintf(out, SEG_DIGITS + sizeof(SEG_SUFFIX), "%020" PRIu64 SEG_SUFFIX, num);
}

/* A segment file's number, or false for any other name. */
static bool seg_number(const char *name, uint64_t *ret)
{
	uint64_t v = 0;

	if (strlen(name) != SEG_DIGITS + strlen(SEG_SUFFIX) ||
	    strcmp(name + SEG_DIGITS, SEG_SUFFIX) != 0)
		return false;
	for (int i = 0; i < SEG_DIGITS; i++) {
		if (name[i] < '0' || name[i] > '9' || v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*ret = v;
	return true;
}

int moat_spool_parse_cursor(const char *text, size_t len, struct moat_spool_mark *ret)
{
	uint64_t v[2] = { 0, 0 };
	size_t i = 0;

	for (int k = 0; k < 2; k++) {
		size_t start = i;

		while (i < len && text[i] >= '0' && text[i] <= '9') {
			if (v[k] > (UINT64_MAX - 9) / 10)
				return MOAT_E_FORMAT;
			v[k] = v[k] * 10 + (uint64_t)(text[i++] - '0');
		}
		if (i == start || i - start > SEG_DIGITS || i >= len || text[i] != (k ? '\n' : ' '))
			return MOAT_E_FORMAT;
		i++;
	}
	if (i != len)
		return MOAT_E_FORMAT;
	*ret = (struct moat_spool_mark){ .seg = v[0], .off = v[1] };
	return 0;
}

size_t moat_spool_whole_lines(const char *data, size_t len, size_t *ret_lines)
{
	size_t whole = 0, lines = 0;

	for (const char *p = data, *end = data + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			break;
		lines++;
		p = nl + 1;
		whole = (size_t)(p - data);
	}
	*ret_lines = lines;
	return whole;
}

/* Replace name in the spool directory with data, durably. */
static int replace_file(struct moat_spool *sp, const char *name, const char *data, size_t len,
			struct moat_error *err)
{
	int r = moat_replace_file_at(sp->dfd, name, data, len);

	if (r < 0)
		return moat_error_set(err, r, "%s/%s: %s", sp->dir, name, strerror(-r));
	return 0;
}

static int write_cursor(struct moat_spool *sp, struct moat_error *err)
{
	char text[64];
	int n = snprintf(text, sizeof(text), "%" PRIu64 " %" PRIu64 "\n", sp->cursor.seg,
			 sp->cursor.off);

	return replace_file(sp, "cursor", text, (size_t)n, err);
}

/* The spool's name: read, or made once from the kernel's random bytes. */
static int load_id(struct moat_spool *sp, struct moat_error *err)
{
	uint8_t raw[8];
	char text[19] = "";             /* 16 hex digits, a newline, room to see more, a NUL */
	int fd = openat(sp->dfd, "id", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t n = read(fd, text, sizeof(text) - 1);

		close(fd);
		if (n == 17 && text[16] == '\n' && strspn(text, "0123456789abcdef") == 16) {
			memcpy(sp->id, text, 16);
			return 0;
		}
		return moat_error_set(err, MOAT_E_FORMAT, "%s/id: not a spool id", sp->dir);
	}
	if (errno != ENOENT)
		return moat_error_set(err, -errno, "%s/id: %s", sp->dir, strerror(errno));
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return moat_error_set(err, -EIO, "%s: no random bytes for the spool id", sp->dir);
	for (int i = 0; i < 8; i++)
		snprintf(sp->id + (ptrdiff_t)2 * i, 3, "%02x", raw[i]);
	memcpy(text, sp->id, 16);
	text[16] = '\n';
	return replace_file(sp, "id", text, 17, err);
}

static int load_cursor(struct moat_spool *sp, struct moat_error *err)
{
	char text[64];
	ssize_t n;
	int fd = openat(sp->dfd, "cursor", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return moat_error_set(err, -errno, "%s/cursor: %s", sp->dir, strerror(errno));
	}
	n = read(fd, text, sizeof(text));
	close(fd);
	if (n < 0 || moat_spool_parse_cursor(text, (size_t)n, &sp->cursor) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s/cursor: not \"SEGMENT OFFSET\"",
				      sp->dir);
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct segment *x = a, *y = b;

	return x->num < y->num ? -1 : x->num > y->num;
}

/* The size of the whole lines of a segment (a crash may have torn the last). */
static uint64_t whole_size(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)
		       ? (uint64_t)st.st_size : 0;
}

/* Segments at or after the cursor; earlier ones were acknowledged. */
static int list_segments(struct moat_spool *sp, struct moat_error *err)
{
	int fd = dup(sp->dfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return moat_error_set(err, -errno, "%s: %s", sp->dir, strerror(errno));
	}
	sp->segs = calloc(MOAT_SPOOL_MAX_SEGMENTS + 1, sizeof(*sp->segs));
	while (sp->segs && (de = readdir(d))) {
		uint64_t num;

		if (!seg_number(de->d_name, &num))
			continue;
		if (num < sp->cursor.seg) {
			unlinkat(sp->dfd, de->d_name, 0);
			continue;
		}
		if (sp->n_segs == MOAT_SPOOL_MAX_SEGMENTS) {
			closedir(d);
			return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u segment files",
					      sp->dir, MOAT_SPOOL_MAX_SEGMENTS);
		}
		sp->segs[sp->n_segs++] = (struct segment){ num, whole_size(sp->dfd, de->d_name) };
	}
	closedir(d);
	if (!sp->segs)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", sp->dir);
	qsort(sp->segs, sp->n_segs, sizeof(*sp->segs), cmp_seg);
	return 0;
}

/* A new segment after every other: appends never touch a file a crash may have torn. */
static int start_segment(struct moat_spool *sp, struct moat_error *err)
{
	uint64_t num = sp->n_segs ? sp->segs[sp->n_segs - 1].num + 1 : sp->cursor.seg + 1;
	char name[SEG_DIGITS + sizeof(SEG_SUFFIX)];

	if (sp->n_segs == MOAT_SPOOL_MAX_SEGMENTS)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u segment files", sp->dir,
				      MOAT_SPOOL_MAX_SEGMENTS);
	seg_name(name, num);
	if (sp->fd >= 0) {
		fdatasync(sp->fd);
		close(sp->fd);
	}
	sp->fd = openat(sp->dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
			0600);
	if (sp->fd < 0)
		return moat_error_set(err, -errno, "%s/%s: %s", sp->dir, name, strerror(errno));
	sp->segs[sp->n_segs++] = (struct segment){ num, 0 };
	return 0;
}

int moat_spool_open(const struct moat_spool_opts *opts, struct moat_spool **ret,
		    struct moat_error *err)
{
	struct moat_spool *sp = calloc(1, sizeof(*sp));
	int r;

	*ret = NULL;
	if (!sp || !(sp->dir = strdup(opts->dir))) {
		free(sp);
		return moat_error_set(err, -ENOMEM, "%s: out of memory", opts->dir);
	}
	pthread_mutex_init(&sp->mu, NULL);
	sp->fd = -1;
	sp->dfd = -1;
	sp->max_bytes = opts->max_bytes ? opts->max_bytes : MOAT_SPOOL_MAX_BYTES;
	sp->seg_bytes = opts->segment_bytes ? opts->segment_bytes : MOAT_SPOOL_SEGMENT_BYTES;
	moat_buf_init(&sp->line, MOAT_SPOOL_MAX_EVENT + 128);
	moat_buf_init(&sp->chunk, 0);
	if ((mkdir(sp->dir, 0700) < 0 && errno != EEXIST) ||
	    (sp->dfd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		r = moat_error_set(err, -errno, "%s: %s", sp->dir, strerror(errno));
	else if ((r = load_id(sp, err)) == 0 && (r = load_cursor(sp, err)) == 0 &&
		 (r = list_segments(sp, err)) == 0)
		r = start_segment(sp, err);
	if (r < 0) {
		moat_spool_close(sp);
		return r;
	}
	*ret = sp;
	return 0;
}

void moat_spool_close(struct moat_spool *sp)
{
	if (!sp)
		return;
	if (sp->fd >= 0) {
		fdatasync(sp->fd);
		close(sp->fd);
	}
	if (sp->dfd >= 0)
		close(sp->dfd);
	moat_buf_release(&sp->line);
	moat_buf_release(&sp->chunk);
	pthread_mutex_destroy(&sp->mu);
	free(sp->segs);
	free(sp->dir);
	free(sp);
}

static uint64_t pending_bytes(const struct moat_spool *sp)
{
	uint64_t n = 0;

	for (size_t i = 0; i < sp->n_segs; i++)
		n += sp->segs[i].size;
	if (sp->n_segs && sp->segs[0].num == sp->cursor.seg)
		n -= sp->cursor.off < sp->segs[0].size ? sp->cursor.off : sp->segs[0].size;
	return n;
}

/* Lines of segs[0] past the cursor: what dropping it loses. */
static uint64_t count_lines(struct moat_spool *sp, const struct segment *s, uint64_t from)
{
	char name[SEG_DIGITS + sizeof(SEG_SUFFIX)];
	char block[65536];
	uint64_t lines = 0;
	ssize_t n;
	int fd;

	seg_name(name, s->num);
	fd = openat(sp->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (from < s->size && (n = pread(fd, block, sizeof(block), (off_t)from)) > 0) {
		size_t k, len = (size_t)n < s->size - from ? (size_t)n : (size_t)(s->size - from);

		moat_spool_whole_lines(block, len, &k);
		lines += k;
		from += len;
	}
	close(fd);
	return lines;
}

static void drop_first_segment(struct moat_spool *sp)
{
	char name[SEG_DIGITS + sizeof(SEG_SUFFIX)];
	uint64_t from = sp->segs[0].num == sp->cursor.seg ? sp->cursor.off : 0;

	sp->st.dropped += count_lines(sp, &sp->segs[0], from);
	seg_name(name, sp->segs[0].num);
	unlinkat(sp->dfd, name, 0);
	memmove(sp->segs, sp->segs + 1, (sp->n_segs - 1) * sizeof(*sp->segs));
	sp->n_segs--;
	sp->cursor = (struct moat_spool_mark){ .seg = sp->segs[0].num, .off = 0 };
}

/* Past the byte bound: the oldest events go (never the segment being written). */
static void enforce_bound(struct moat_spool *sp)
{
	struct moat_error ignored = { 0 };
	bool moved = false;

	while (sp->n_segs > 1 && pending_bytes(sp) > sp->max_bytes) {
		drop_first_segment(sp);
		moved = true;
	}
	if (moved)
		write_cursor(sp, &ignored);
}

/* `{"event_id":"ID-SEG-OFF",` + the rest of the object, and a newline. */
static int format_line(struct moat_spool *sp, const char *json, size_t len)
{
	const struct segment *cur = &sp->segs[sp->n_segs - 1];
	size_t i = 1;

	while (i < len && (json[i] == ' ' || json[i] == '\t'))
		i++;
	moat_buf_reset(&sp->line);
	if (moat_buf_appendf(&sp->line, "{\"event_id\":\"%s-%" PRIu64 "-%" PRIu64 "\"%s", sp->id,
			     cur->num, cur->size, json[i] == '}' ? "" : ",") < 0 ||
	    moat_buf_append(&sp->line, json + 1, len - 1) < 0 || moat_buf_putc(&sp->line, '\n') < 0)
		return MOAT_E_LIMIT;
	return 0;
}

int moat_spool_append(struct moat_spool *sp, const char *json, size_t len,
		      struct moat_error *err)
{
	int r;

	if (len < 2 || json[0] != '{' || json[len - 1] != '}' || memchr(json, '\n', len))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: an event is one JSON object on one line",
				      sp->dir);
	if (len > MOAT_SPOOL_MAX_EVENT)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: an event of %zu bytes (limit %u)",
				      sp->dir, len, MOAT_SPOOL_MAX_EVENT);
	pthread_mutex_lock(&sp->mu);
	r = 0;
	if (sp->segs[sp->n_segs - 1].size >= sp->seg_bytes)
		r = start_segment(sp, err);
	if (r == 0 && format_line(sp, json, len) < 0)
		r = moat_error_set(err, MOAT_E_LIMIT, "%s: event too large", sp->dir);
	if (r == 0 && (r = moat_write_all(sp->fd, sp->line.data, sp->line.len)) < 0)
		moat_error_set(err, r, "%s: cannot append: %s", sp->dir, strerror(-r));
	if (r == 0) {
		sp->segs[sp->n_segs - 1].size += sp->line.len;
		sp->st.appended++;
		enforce_bound(sp);
	}
	pthread_mutex_unlock(&sp->mu);
	return r;
}

int moat_spool_sync(struct moat_spool *sp, struct moat_error *err)
{
	int r = 0;

	pthread_mutex_lock(&sp->mu);
	if (fdatasync(sp->fd) < 0)
		r = moat_error_set(err, -errno, "%s: %s", sp->dir, strerror(errno));
	pthread_mutex_unlock(&sp->mu);
	return r;
}

/* An event line as written: a JSON object (a hand-edited or damaged line is
 * skipped, or the console would refuse every batch holding it). */
static bool event_line(const char *p, size_t len)
{
	json_error_t jerr;
	json_t *j;
	bool ok;

	if (len < 2 || p[0] != '{' || p[len - 1] != '}')
		return false;
	j = json_loadb(p, len, JSON_REJECT_DUPLICATES, &jerr);
	ok = j && json_is_object(j);
	json_decref(j);
	return ok;
}

struct peek {
	struct moat_buf *out;
	size_t max_events, max_bytes, n;
	struct moat_spool_mark mark;
};

/* Take the whole lines of one segment from pk->mark.off on; false when the
 * batch is full. */
static bool peek_segment(struct moat_spool *sp, const struct segment *s, struct peek *pk, int fd)
{
	while (pk->mark.off < s->size) {
		size_t want = s->size - pk->mark.off > MOAT_SPOOL_MAX_EVENT + 128
				      ? MOAT_SPOOL_MAX_EVENT + 128 : (size_t)(s->size - pk->mark.off);
		ssize_t got;
		size_t lines, whole;
		const char *p;

		moat_buf_reset(&sp->chunk);
		if (moat_buf_reserve(&sp->chunk, want) < 0)
			return false;
		got = pread(fd, sp->chunk.data, want, (off_t)pk->mark.off);
		if (got <= 0)
			return true;                    /* a short file: nothing more here */
		whole = moat_spool_whole_lines((const char *)sp->chunk.data, (size_t)got, &lines);
		if (!whole) {                           /* no newline in reach: damaged */
			pk->mark.off = s->size;
			pk->mark.skipped++;
			return true;
		}
		p = (const char *)sp->chunk.data;
		while (p < (const char *)sp->chunk.data + whole) {
			const char *nl = memchr(p, '\n', whole - (size_t)(p - (const char *)sp->chunk.data));
			size_t len = (size_t)(nl - p);

			if (pk->n == pk->max_events || (pk->n && pk->out->len + len + 1 > pk->max_bytes))
				return false;
			if (event_line(p, len)) {
				if ((pk->n && moat_buf_putc(pk->out, ',') < 0) ||
				    moat_buf_append(pk->out, p, len) < 0)
					return false;
				pk->n++;
			} else if (len) {
				pk->mark.skipped++;
			}
			pk->mark.off += len + 1;
			p = nl + 1;
		}
	}
	return true;
}

int moat_spool_peek(struct moat_spool *sp, struct moat_buf *out, size_t max_events,
		    size_t max_bytes, size_t *ret_n, struct moat_spool_mark *ret_end,
		    struct moat_error *err)
{
	struct peek pk = { .out = out, .max_events = max_events ? max_events : 1,
			   .max_bytes = max_bytes };

	pthread_mutex_lock(&sp->mu);
	pk.mark = sp->cursor;
	pk.mark.events = 0;
	pk.mark.skipped = 0;
	for (size_t i = 0; i < sp->n_segs; i++) {
		const struct segment *s = &sp->segs[i];
		char name[SEG_DIGITS + sizeof(SEG_SUFFIX)];
		bool more;
		int fd;

		if (s->num < pk.mark.seg)
			continue;
		if (s->num > pk.mark.seg) {
			pk.mark.seg = s->num;
			pk.mark.off = 0;
		}
		seg_name(name, s->num);
		fd = openat(sp->dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			pthread_mutex_unlock(&sp->mu);
			return moat_error_set(err, -errno, "%s/%s: %s", sp->dir, name, strerror(errno));
		}
		more = peek_segment(sp, s, &pk, fd);
		close(fd);
		if (!more)
			break;
	}
	pthread_mutex_unlock(&sp->mu);
	pk.mark.events = pk.n;
	*ret_n = pk.n;
	*ret_end = pk.mark;
	return 0;
}

int moat_spool_commit(struct moat_spool *sp, const struct moat_spool_mark *end,
		      struct moat_error *err)
{
	int r = 0;

	pthread_mutex_lock(&sp->mu);
	/* a mark from before a drop moved the cursor on is stale */
	if (end->seg > sp->cursor.seg || (end->seg == sp->cursor.seg && end->off > sp->cursor.off)) {
		sp->cursor = (struct moat_spool_mark){ .seg = end->seg, .off = end->off };
		sp->st.committed += end->events;
		sp->st.dropped += end->skipped;
		r = write_cursor(sp, err);
		while (r == 0 && sp->n_segs > 1 && sp->segs[0].num < sp->cursor.seg) {
			char name[SEG_DIGITS + sizeof(SEG_SUFFIX)];

			seg_name(name, sp->segs[0].num);
			unlinkat(sp->dfd, name, 0);
			memmove(sp->segs, sp->segs + 1, (sp->n_segs - 1) * sizeof(*sp->segs));
			sp->n_segs--;
		}
	}
	pthread_mutex_unlock(&sp->mu);
	return r;
}

void moat_spool_stats(struct moat_spool *sp, struct moat_spool_stats *ret)
{
	pthread_mutex_lock(&sp->mu);
	*ret = sp->st;
	ret->pending_bytes = pending_bytes(sp);
	pthread_mutex_unlock(&sp->mu);
}

const char *moat_spool_id(const struct moat_spool *sp)
{
	return sp->id;
}
