/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-layer.c - one layer blob from arbitrary bytes: sniffing, gzip/zstd,
 * tar entries and their paths, capture, the merge (the input is applied as
 * two layers, so whiteouts and hardlinks act across layers), and then
 * resolve, walk, history and the link-following root check over the result.
 */
#include "base/reader.h"
#include "fuzz-common.h"
#include "image/layer.h"
#include "vfs/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want_all(void *ctx, const char *path, size_t len)
{
	(void)ctx;
	(void)path;
	return len % 2 == 0; /* capture about half the files, deterministically */
}

static int walk_cb(void *ctx, const char *path, const struct moat_fs_stat *st)
{
	struct moat_fs *fs = ctx;
	struct moat_buf out;
	struct moat_slice content;

	moat_buf_init(&out, 0);
	moat_fs_resolve(fs, path, &out, NULL);
	moat_buf_release(&out);
	if (st->has_content)
		moat_fs_read(fs, path, &content, NULL);
	return 0;
}

static int add_cb(void *ctx, const char *path, struct moat_error *err)
{
	(void)ctx;
	(void)path;
	(void)err;
	return 0;
}

static int link_cb(void *ctx, const char *path, const struct moat_fs_stat *lst, const char *real,
		   const struct moat_fs_stat *st)
{
	(void)ctx;
	(void)path;
	(void)lst;
	(void)real;
	(void)st;
	return 0;
}

/* Files and directories reached through links, as the scan's second pass finds them. */
static const char *const roots[] = { "a", "a/b", "etc/os-release", "var/lib/dpkg/status",
				     "d/", "var/lib/dpkg/status.d/", "", NULL };

static int event_cb(void *ctx, const char *path, const struct moat_fs_event *ev)
{
	(void)ctx;
	(void)path;
	(void)ev;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_limits limits;
	struct moat_arena *arena;
	struct moat_fs_builder *b = NULL;
	struct moat_fs_layer *layers[2];
	struct moat_fs *fs = NULL;
	struct moat_layer_ctx ctx = { 0 };
	struct moat_error err = { 0 };
	uint64_t captured = 0;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	moat_limits_default(&limits);
	limits.layer_bytes = 64u << 20;
	limits.entries_per_layer = 100000;
	arena = moat_arena_open(256u << 20);
	if (!arena || moat_fs_builder_open(arena, &limits, &b, &err) < 0)
		goto out;
	ctx.limits = &limits;
	ctx.arena = arena;
	ctx.captured_total = &captured;
	ctx.want_content = want_all;
	ctx.what = "fuzz";
	for (int i = 0; i < 2; i++) {
		struct moat_mem_reader mr;
		struct moat_reader rd = moat_mem_reader(&mr, data, size);
		struct moat_layer_result res;

		if (moat_fs_layer_new(b, &layers[i], &err) < 0 ||
		    moat_layer_read(&rd, &ctx, layers[i], &res, &err) < 0)
			goto out;
	}
	if (moat_fs_builder_finish(b, layers, 2, &fs, &err) < 0)
		goto out;
	moat_fs_walk(fs, "", walk_cb, fs, &err);
	moat_fs_history(fs, "", event_cb, NULL, &err);
	moat_fs_uncaptured(fs, roots, want_all, NULL, add_cb, NULL, &err);
	moat_fs_links(fs, link_cb, NULL, &err);
out:
	moat_arena_close(arena);
	return 0;
}
