/* SPDX-License-Identifier: Apache-2.0 */
/* layer.c - the per-layer reader chain: blob hash, inflate, tar hash, tar. */
#include <errno.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "vfs/layerfs.h"
#include "layer.h"
#include "tar.h"

#define IN_BYTES ((size_t)256 * 1024)
#define OUT_BYTES ((size_t)256 * 1024)
/* Buffers per pool: the hasher may lag this many blocks behind inflate. */
#define POOL 4u
/* Queue slots: both pools' blocks can be pending at once. */
#define QUEUE ((size_t)2 * POOL)
/* Slack before the ratio check applies: tiny layers of zeros are fine. */
#define RATIO_SLACK (16ull << 20)

enum codec { CODEC_NONE, CODEC_GZIP, CODEC_ZSTD };

/*
 * Both SHA-256s run on a second thread: inflate is the one cost we cannot
 * avoid, and on two cores the digests then come almost for free. Blocks are
 * handed over by pointer; a buffer is refilled only after the hasher has
 * passed its sequence number.
 */
struct hash_job {
	const uint8_t *data;
	size_t len;
	struct moat_sha256 *sha;
};

struct hasher {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct hash_job jobs[QUEUE];
	uint64_t submitted;   /* jobs queued so far */
	uint64_t done;        /* jobs hashed so far */
	bool stop;
	bool running;
	bool tried;           /* hasher_start was called */
};

struct pool {
	uint8_t *bufs[POOL];
	uint64_t seq[POOL];   /* job number that last used each buffer (+1), 0 = free */
	unsigned next;
};

struct pipe {
	struct moat_reader *blob;
	const struct moat_layer_ctx *ctx;
	struct moat_sha256 blob_sha;
	struct moat_sha256 tar_sha;
	uint64_t blob_bytes;
	uint64_t tar_bytes;
	enum codec codec;
	bool blob_eof;
	bool stream_end;                /* the compressed stream ended */
	uint8_t *in;                    /* compressed input window (from in_pool) */
	size_t in_pos;
	size_t in_len;
	uint8_t *out;                   /* decompressed bytes not yet handed up (from out_pool) */
	size_t out_pos;
	size_t out_len;
	struct pool in_pool;
	struct pool out_pool;
	struct hasher hasher;
	struct inflate_state *gz;
	ZSTD_DCtx *zs;
};

bool moat_layer_sniff(const uint8_t *head, size_t len)
{
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return true;
	if (len >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd)
		return true;
	return len >= 262 && !memcmp(head + 257, "ustar", 5);
}

static void *hasher_main(void *arg)
{
	struct hasher *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		struct hash_job job;

		while (h->done == h->submitted && !h->stop)
			pthread_cond_wait(&h->cv, &h->mu);
		if (h->done == h->submitted)
			break;
		job = h->jobs[h->done % QUEUE];
		pthread_mutex_unlock(&h->mu);
		moat_sha256_update(job.sha, job.data, job.len);
		pthread_mutex_lock(&h->mu);
		h->done++;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

/* Queue a block; returns its job number + 1 (for the buffer's seq). */
static uint64_t hash_submit(struct hasher *h, const uint8_t *data, size_t len,
			    struct moat_sha256 *sha)
{
	uint64_t seq;

	if (!h->running) {
		moat_sha256_update(sha, data, len);
		return 0;
	}
	pthread_mutex_lock(&h->mu);
	while (h->submitted - h->done == QUEUE)
		pthread_cond_wait(&h->cv, &h->mu);
	h->jobs[h->submitted % QUEUE] = (struct hash_job){ data, len, sha };
	seq = ++h->submitted;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	return seq;
}

/* Wait until job number seq (1-based; 0 = nothing) has been hashed. */
static void hash_wait(struct hasher *h, uint64_t seq)
{
	if (!h->running || seq == 0)
		return;
	pthread_mutex_lock(&h->mu);
	while (h->done < seq)
		pthread_cond_wait(&h->cv, &h->mu);
	pthread_mutex_unlock(&h->mu);
}

static void hasher_stop(struct hasher *h)
{
	if (!h->running)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->thread, NULL);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	h->running = false;
}

/* Next buffer of a pool, once the hasher is done with it. */
static uint8_t *pool_take(struct pipe *p, struct pool *pool, size_t size, unsigned *ret_idx)
{
	unsigned idx = pool->next;

	pool->next = (pool->next + 1) % POOL;
	hash_wait(&p->hasher, pool->seq[idx]);
	/* Allocated on first use: a small layer needs one buffer of each pool. */
	if (!pool->bufs[idx])
		pool->bufs[idx] = malloc(size);
	*ret_idx = idx;
	return pool->bufs[idx];
}

static void hasher_start(struct hasher *h)
{
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	/* Without a thread the digests are computed inline: slower, same result. */
	h->running = pthread_create(&h->thread, NULL, hasher_main, h) == 0;
	if (!h->running) {
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cv);
	}
}

/* Refill the compressed window from the blob; 0 at end of blob. */
static ssize_t fill_in(struct pipe *p, struct moat_error *err)
{
	ssize_t n;

	if (p->in_pos < p->in_len)
		return (ssize_t)(p->in_len - p->in_pos);
	unsigned idx;
	uint8_t *buf;

	if (p->blob_eof)
		return 0;
	buf = pool_take(p, &p->in_pool, IN_BYTES, &idx);
	if (!buf)
		return moat_error_set(err, -ENOMEM, "out of memory");
	n = moat_read(p->blob, buf, IN_BYTES, err);
	if (n < 0)
		return n;
	if (n == 0) {
		p->blob_eof = true;
		return 0;
	}
	/* The hasher thread starts with the second block: a layer of one block (most
	 * small layers, and all of an image of a thousand tiny ones) is hashed inline,
	 * without a thread to start and hand blocks to. Blocks hashed inline are done
	 * before any queued one, so both digests stay in order. */
	if (p->blob_bytes && !p->hasher.tried) {
		p->hasher.tried = true;
		hasher_start(&p->hasher);
	}
	p->in = buf;
	p->in_pool.seq[idx] = hash_submit(&p->hasher, buf, (size_t)n, &p->blob_sha);
	p->blob_bytes += (uint64_t)n;
	if (p->ctx->progress)
		p->ctx->progress(p->ctx->progress_ctx, p->blob_bytes);
	p->in_pos = 0;
	p->in_len = (size_t)n;
	return n;
}

static bool only_zeros(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* gzip: one or more members back to back (pigz and some tools write several). */
static int inflate_some(struct pipe *p, struct moat_error *err)
{
	struct inflate_state *s = p->gz;
	int r;

	if (s->block_state == ISAL_BLOCK_FINISH) {
		size_t left = p->in_len - p->in_pos;

		if (left >= 2 && p->in[p->in_pos] == 0x1f && p->in[p->in_pos + 1] == 0x8b) {
			isal_inflate_reset(s);
			s->crc_flag = ISAL_GZIP;
		} else if (left && !only_zeros(p->in + p->in_pos, left)) {
			return moat_error_set(err, MOAT_E_FORMAT, "%s: data after the gzip stream",
					      p->ctx->what);
		} else {
			p->in_pos = p->in_len; /* zero padding after the stream is tolerated */
			return 0;
		}
	}
	s->next_in = p->in + p->in_pos;
	s->avail_in = (uint32_t)(p->in_len - p->in_pos);
	s->next_out = p->out + p->out_len;
	s->avail_out = (uint32_t)(OUT_BYTES - p->out_len);
	r = isal_inflate(s);
	if (r != ISAL_DECOMP_OK)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: corrupt gzip data (isa-l error %d)",
				      p->ctx->what, r);
	p->in_pos = p->in_len - s->avail_in;
	p->out_len = OUT_BYTES - s->avail_out;
	return 0;
}

static int unzstd_some(struct pipe *p, struct moat_error *err)
{
	ZSTD_inBuffer in = { p->in, p->in_len, p->in_pos };
	ZSTD_outBuffer out = { p->out, OUT_BYTES, p->out_len };
	size_t r = ZSTD_decompressStream(p->zs, &out, &in);

	if (ZSTD_isError(r))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: corrupt zstd data: %s", p->ctx->what,
				      ZSTD_getErrorName(r));
	p->in_pos = in.pos;
	p->out_len = out.pos;
	return 0;
}

static int check_bounds(struct pipe *p, struct moat_error *err)
{
	const struct moat_limits *lim = p->ctx->limits;

	if (p->tar_bytes > lim->layer_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: layer larger than %llu bytes",
				      p->ctx->what, (unsigned long long)lim->layer_bytes);
	if (p->codec != CODEC_NONE && p->tar_bytes > RATIO_SLACK &&
	    p->tar_bytes / lim->ratio > p->blob_bytes)
		return moat_error_set(err, MOAT_E_LIMIT,
				      "%s: decompresses more than %ux (%llu bytes from %llu): "
				      "a decompression bomb?", p->ctx->what, lim->ratio,
				      (unsigned long long)p->tar_bytes,
				      (unsigned long long)p->blob_bytes);
	return 0;
}

/* Produce more decompressed bytes into p->out; 0 with out_len == 0 at the end. */
static int produce(struct pipe *p, struct moat_error *err)
{
	size_t before;
	unsigned idx;
	int r;

	p->out = pool_take(p, &p->out_pool, OUT_BYTES, &idx);
	if (!p->out)
		return moat_error_set(err, -ENOMEM, "out of memory");
	p->out_pos = 0;
	p->out_len = 0;
	while (p->out_len == 0) {
		ssize_t n = fill_in(p, err);

		if (n < 0)
			return (int)n;
		if (n == 0) {
			if (p->codec == CODEC_GZIP && p->gz->block_state != ISAL_BLOCK_FINISH)
				return moat_error_set(err, MOAT_E_TRUNCATED, "%s: gzip stream ends early",
						      p->ctx->what);
			return 0;
		}
		before = p->in_pos;
		switch (p->codec) {
		case CODEC_NONE:
			memcpy(p->out, p->in + p->in_pos, (size_t)n);
			p->out_len = (size_t)n;
			p->in_pos = p->in_len;
			r = 0;
			break;
		case CODEC_GZIP:
			r = inflate_some(p, err);
			break;
		default:
			r = unzstd_some(p, err);
			break;
		}
		if (r < 0)
			return r;
		if (p->out_len == 0 && p->in_pos == before && p->in_pos < p->in_len)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: decompressor made no progress",
					      p->ctx->what);
	}
	p->out_pool.seq[idx] = hash_submit(&p->hasher, p->out, p->out_len, &p->tar_sha);
	p->tar_bytes += p->out_len;
	return check_bounds(p, err);
}

static ssize_t pipe_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct pipe *p = ctx;
	size_t avail;
	int r;

	if (p->out_pos == p->out_len) {
		r = produce(p, err);
		if (r < 0)
			return r;
		if (p->out_len == 0)
			return 0;
	}
	avail = p->out_len - p->out_pos;
	if (len > avail)
		len = avail;
	memcpy(buf, p->out + p->out_pos, len);
	p->out_pos += len;
	return (ssize_t)len;
}

/* Skipping file data the analyzers do not want costs no copy. */
static ssize_t pipe_skip(void *ctx, uint64_t len, struct moat_error *err)
{
	struct pipe *p = ctx;
	size_t avail;
	int r;

	if (p->out_pos == p->out_len) {
		r = produce(p, err);
		if (r < 0)
			return r;
		if (p->out_len == 0)
			return 0;
	}
	avail = p->out_len - p->out_pos;
	if (len < avail)
		avail = (size_t)len;
	p->out_pos += avail;
	return (ssize_t)avail;
}

static int pipe_open(struct pipe *p, struct moat_reader *blob, const struct moat_layer_ctx *ctx,
		     struct moat_error *err)
{
	ssize_t n;

	memset(p, 0, sizeof(*p));
	p->blob = blob;
	p->ctx = ctx;
	if (moat_sha256_init(&p->blob_sha) < 0 || moat_sha256_init(&p->tar_sha) < 0)
		return moat_error_set(err, -ENOMEM, "out of memory");
	n = fill_in(p, err);
	if (n < 0)
		return (int)n;
	if (n >= 2 && p->in[0] == 0x1f && p->in[1] == 0x8b) {
		p->codec = CODEC_GZIP;
		p->gz = calloc(1, sizeof(*p->gz));
		if (!p->gz)
			return moat_error_set(err, -ENOMEM, "out of memory");
		isal_inflate_init(p->gz);
		p->gz->crc_flag = ISAL_GZIP;
	} else if (n >= 4 && !memcmp(p->in, "\x28\xb5\x2f\xfd", 4)) {
		p->codec = CODEC_ZSTD;
		p->zs = ZSTD_createDCtx();
		if (!p->zs)
			return moat_error_set(err, -ENOMEM, "out of memory");
		/* Bound the window so a frame cannot demand gigabytes of buffer. */
		ZSTD_DCtx_setParameter(p->zs, ZSTD_d_windowLogMax, 27);
	}
	return 0;
}

static void pipe_close(struct pipe *p)
{
	hasher_stop(&p->hasher);
	for (unsigned i = 0; i < POOL; i++) {
		free(p->in_pool.bufs[i]);
		free(p->out_pool.bufs[i]);
	}
	free(p->gz);
	ZSTD_freeDCtx(p->zs);
	if (p->blob_sha.ctx)
		moat_sha256_release(&p->blob_sha);
	if (p->tar_sha.ctx)
		moat_sha256_release(&p->tar_sha);
}

void image_error_where(struct moat_error *err, const char *what, const char *entry)
{
	if (!err || strstr(err->msg, what))
		return;
	if (entry)
		moat_error_prefix(err, "%s: %s: ", what, entry);
	else
		moat_error_prefix(err, "%s: ", what);
}

int image_capture_check(const struct moat_limits *lim, uint64_t used, uint64_t size,
			struct moat_error *err)
{
	if (size > lim->capture_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%llu bytes, over the %llu-byte limit for "
				      "one package database", (unsigned long long)size,
				      (unsigned long long)lim->capture_bytes);
	if (size > lim->capture_total - used)
		return moat_error_set(err, MOAT_E_LIMIT, "%llu bytes, past the %llu-byte limit for "
				      "all package databases of a scan (%llu used)",
				      (unsigned long long)size, (unsigned long long)lim->capture_total,
				      (unsigned long long)used);
	return 0;
}

/* Captures with one fingerprint; equal contents are confirmed with memcmp. */
struct kept {
	const uint8_t *data;
	uint64_t size;
	struct kept *next;
};

/* A fingerprint of a captured file: its size and a word-at-a-time multiply-xor hash
 * (moat_hash_bytes goes a byte at a time, which showed up on a thousand databases). */
static void fingerprint(const uint8_t *p, uint64_t len, uint64_t ret_fp[2])
{
	uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
	uint64_t w;
	uint64_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	ret_fp[0] = h;
	ret_fp[1] = len;
}

/* The arena copy of data: an equal earlier capture, or a new copy. */
static int keep_capture(const struct moat_layer_ctx *ctx, const uint8_t *data, uint64_t size,
			const uint8_t **ret_data, struct moat_error *err)
{
	uint64_t fp[2];
	struct kept *head = NULL;
	struct kept *k;
	uint8_t *copy;
	void *key;

	if (ctx->captured) {
		fingerprint(data, size, fp);
		head = moat_hmap_get(ctx->captured, (const char *)fp, sizeof(fp));
		for (k = head; k; k = k->next) {
			if (k->size == size && !memcmp(k->data, data, (size_t)size)) {
				*ret_data = k->data;
				return 0;
			}
		}
	}
	copy = moat_arena_alloc(ctx->arena, (size_t)size + 1);
	if (!copy)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: out of scan memory", ctx->what);
	memcpy(copy, data, (size_t)size);
	copy[size] = '\0'; /* text parsers may rely on a terminator; length rules */
	*ctx->captured_total += size;
	*ret_data = copy;
	if (!ctx->captured)
		return 0;
	k = moat_arena_new0(ctx->arena, struct kept);
	key = head ? NULL : moat_arena_memdup(ctx->arena, fp, sizeof(fp));
	if (!k || (!head && !key))
		return moat_error_set(err, MOAT_E_LIMIT, "%s: out of scan memory", ctx->what);
	*k = (struct kept){ copy, size, head ? head->next : NULL };
	if (head)
		head->next = k; /* the table keeps pointing at head */
	else if (moat_hmap_put(ctx->captured, key, sizeof(fp), k) < 0)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", ctx->what);
	return 0;
}

/* Read the current entry into the arena if the analyzers want it. */
static int capture(struct moat_tar *tar, const struct moat_tar_entry *e,
		   const struct moat_layer_ctx *ctx, struct moat_fs_layer *out,
		   const uint8_t **ret_data, struct moat_error *err)
{
	uint8_t *data;
	int r;

	*ret_data = NULL;
	if (e->type != MOAT_TAR_FILE || !ctx->want_content ||
	    !ctx->want_content(ctx->want_ctx, e->path, e->path_len))
		return 0;
	if (image_capture_check(ctx->limits, *ctx->captured_total, e->size, err) < 0)
		return moat_error_prefix(err, "%s: %s: ", ctx->what, e->path);
	/* Read into the heap first: a file equal to one kept before (a package database
	 * that a thousand layers rewrite unchanged) is kept once, so captures cost the
	 * distinct contents, not layers times contents. */
	data = malloc((size_t)e->size + 1);
	if (!data)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", ctx->what);
	struct moat_reader rd = moat_tar_data_reader(tar);

	r = moat_read_full(&rd, data, (size_t)e->size, err);
	if (r == 0)
		r = keep_capture(ctx, data, e->size, ret_data, err);
	free(data);
	if (r < 0)
		return r;
	moat_fs_layer_set_content(out, *ret_data, e->size);
	return 0;
}

/* Show a regular file to the visitor: from memory when it was captured. */
static int visit(struct moat_tar *tar, const struct moat_tar_entry *e,
		 const struct moat_layer_ctx *ctx, const uint8_t *captured, struct moat_error *err)
{
	struct moat_file_visit f = { ctx->read_seq, e->path, e->path_len, e->mode, e->size, NULL, 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;

	if (e->type != MOAT_TAR_FILE || !ctx->visit_file)
		return 0;
	rd = captured ? moat_mem_reader(&mr, captured, (size_t)e->size) : moat_tar_data_reader(tar);
	return ctx->visit_file(ctx->visit_ctx, &f, &rd, err);
}

static int read_entries(struct moat_tar *tar, const struct moat_layer_ctx *ctx,
			struct moat_fs_layer *out, struct moat_error *err)
{
	struct moat_tar_entry e;
	const uint8_t *captured;
	struct moat_buf last;   /* the entry before: its data ends where a stream may break */
	int r;

	moat_buf_init(&last, 0);
	while ((r = moat_tar_next(tar, &e, err)) == 1) {
		moat_buf_reset(&last);
		if ((r = moat_buf_append(&last, e.path, e.path_len)) < 0)
			break;
		if ((r = moat_fs_layer_add(out, &e, err)) < 0)
			break;
		if ((r = capture(tar, &e, ctx, out, &captured, err)) < 0)
			break;
		if ((r = visit(tar, &e, ctx, captured, err)) < 0) {
			moat_error_prefix(err, "%s: %s: ", ctx->what, e.path);
			break;
		}
	}
	if (r < 0)
		image_error_where(err, ctx->what, last.len ? (const char *)last.data : NULL);
	moat_buf_release(&last);
	return r;
}

int moat_layer_read(struct moat_reader *blob, const struct moat_layer_ctx *ctx,
		    struct moat_fs_layer *out, struct moat_layer_result *res,
		    struct moat_error *err)
{
	static const char *const codec_names[] = { "none", "gzip", "zstd" };
	struct pipe p;
	struct moat_reader up;
	struct moat_tar tar;
	int r;

	r = pipe_open(&p, blob, ctx, err);
	if (r < 0)
		goto out;
	up = (struct moat_reader){ pipe_read, &p, pipe_skip };
	moat_tar_init(&tar, &up, ctx->limits, ctx->what);
	r = read_entries(&tar, ctx, out, err);
	moat_tar_release(&tar);
	if (r < 0)
		goto out;
	/* Everything after the end-of-archive marker still counts toward both digests. */
	while ((r = produce(&p, err)) == 0 && p.out_len)
		;
	if (r < 0)
		goto out;
	while (!p.blob_eof) {
		p.in_pos = p.in_len;
		ssize_t n = fill_in(&p, err);

		if (n < 0) {
			r = (int)n;
			goto out;
		}
	}
	hasher_stop(&p.hasher); /* every queued block is hashed before the thread exits */
	moat_sha256_final(&p.blob_sha, res->blob_digest);
	moat_sha256_final(&p.tar_sha, res->diff_id);
	res->blob_size = p.blob_bytes;
	res->tar_size = p.tar_bytes;
	res->compression = codec_names[p.codec];
	res->read_seq = ctx->read_seq;
out:
	pipe_close(&p);
	return r;
}
