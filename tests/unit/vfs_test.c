/* SPDX-License-Identifier: Apache-2.0 */
/* vfs_test.c - merged view, whiteouts, history, and root-confined resolution. */
#include <errno.h>
#include <stdlib.h>

#include "base/arena.h"
#include "harness.h"
#include "image/tar.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "vfs/layerfs.h"

struct spec {
	const char *path;
	char type;
	const char *link;
	const char *content;
};

static struct moat_limits limits;

static struct moat_fs_layer *layer(struct moat_fs_builder *b, const struct spec *specs)
{
	struct moat_fs_layer *l = NULL;
	struct moat_error err = { 0 };

	CHECK_INT(moat_fs_layer_new(b, &l, &err), 0);
	for (; specs->path; specs++) {
		struct moat_tar_entry e = { 0 };

		e.path = specs->path;
		e.path_len = strlen(specs->path);
		e.type = specs->type;
		e.link = specs->link;
		e.link_len = specs->link ? strlen(specs->link) : 0;
		e.size = specs->content ? strlen(specs->content) : 0;
		e.mode = 0644;
		CHECK_INT(moat_fs_layer_add(l, &e, &err), 0);
		if (specs->content)
			moat_fs_layer_set_content(l, (const uint8_t *)specs->content, e.size);
	}
	return l;
}

static struct moat_fs *build(struct moat_arena *arena, const struct spec **layers, size_t n,
			     int expect)
{
	struct moat_fs_builder *b = NULL;
	struct moat_fs_layer *ls[8];
	struct moat_fs *fs = NULL;
	struct moat_error err = { 0 };

	moat_limits_default(&limits);
	CHECK_INT(moat_fs_builder_open(arena, &limits, &b, &err), 0);
	for (size_t i = 0; i < n; i++)
		ls[i] = layer(b, layers[i]);
	CHECK_INT(moat_fs_builder_finish(b, ls, n, &fs, &err), expect);
	return fs;
}

static const struct spec base[] = {
	{ "etc", MOAT_TAR_DIR }, { "etc/motd", MOAT_TAR_FILE, NULL, "hello" },
	{ "etc/secret.key", MOAT_TAR_FILE, NULL, "KEY" },
	{ "opt/app/a", MOAT_TAR_FILE, NULL, "a" }, { "opt/app/b", MOAT_TAR_FILE, NULL, "b" },
	{ "usr/lib/os-release", MOAT_TAR_FILE, NULL, "ID=debian\n" },
	{ "etc/os-release", MOAT_TAR_SYMLINK, "../usr/lib/os-release" },
	{ "bin/sh", MOAT_TAR_FILE, NULL, "ELF" }, { "bin/bash", MOAT_TAR_HARDLINK, "bin/sh" },
	{ "var/run", MOAT_TAR_DIR }, { "var/run/x", MOAT_TAR_FILE, NULL, "x" },
	{ NULL },
};
static const struct spec app[] = {
	{ "etc/.wh.secret.key", MOAT_TAR_FILE }, { "opt/app/.wh..wh..opq", MOAT_TAR_FILE },
	{ "opt/app/c", MOAT_TAR_FILE, NULL, "c" }, { "etc/motd", MOAT_TAR_FILE, NULL, "bye" },
	{ "var/run", MOAT_TAR_SYMLINK, "/run" }, { "abs", MOAT_TAR_SYMLINK, "/usr/lib/os-release" },
	{ "up", MOAT_TAR_SYMLINK, "../../../../etc/shadow" },
	{ "loop1", MOAT_TAR_SYMLINK, "loop2" }, { "loop2", MOAT_TAR_SYMLINK, "loop1" },
	{ NULL },
};

static int count_events(void *ctx, const char *path, const struct moat_fs_event *ev)
{
	int *counts = ctx;

	(void)path;
	counts[ev->kind]++;
	if (ev->kind == MOAT_FS_REMOVED)
		counts[0] = ev->layer;
	return 0;
}

static void test_vfs__whiteouts_and_history(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	const struct spec *layers[] = { base, app };
	struct moat_fs *fs = build(arena, layers, 2, 0);
	struct moat_fs_stat st;
	struct moat_slice c;
	struct moat_error err = { 0 };
	int counts[4] = { 0 };

	CHECK_INT(moat_fs_lstat(fs, "etc/secret.key", &st, &err), MOAT_E_NOTFOUND);
	CHECK_INT(moat_fs_lstat(fs, "opt/app/a", &st, &err), MOAT_E_NOTFOUND);
	CHECK_INT(moat_fs_lstat(fs, "opt/app/c", &st, &err), 0);
	CHECK_INT(st.layer, 1);
	CHECK_INT(moat_fs_read(fs, "etc/motd", &c, &err), 0);
	CHECK(moat_slice_eq_str(c, "bye"));
	CHECK_INT(moat_fs_lstat(fs, "etc/motd", &st, &err), 0);
	CHECK_INT(st.layer, 1);
	/* The deleted secret is still evidence: added in layer 0, removed in layer 1. */
	CHECK_INT(moat_fs_history(fs, "etc/secret.key", count_events, counts, &err), 0);
	CHECK_INT(counts[MOAT_FS_ADDED], 1);
	CHECK_INT(counts[MOAT_FS_REMOVED], 1);
	CHECK_INT(counts[0], 1);
	/* A directory replaced by a symlink hides what was below it. */
	CHECK_INT(moat_fs_lstat(fs, "var/run/x", &st, &err), MOAT_E_NOTFOUND);
	/* Hardlinks share the target's content. */
	CHECK_INT(moat_fs_read(fs, "bin/bash", &c, &err), 0);
	CHECK(moat_slice_eq_str(c, "ELF"));
	moat_arena_close(arena);
}

static void test_vfs__resolve_inside_root(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	const struct spec *layers[] = { base, app };
	struct moat_fs *fs = build(arena, layers, 2, 0);
	struct moat_slice c;
	struct moat_error err = { 0 };
	struct moat_buf out;

	moat_buf_init(&out, 0);
	CHECK_INT(moat_fs_read(fs, "etc/os-release", &c, &err), 0);
	CHECK(moat_slice_eq_str(c, "ID=debian\n"));
	CHECK_INT(moat_fs_read(fs, "abs", &c, &err), 0); /* absolute: from the image root */
	CHECK_INT(moat_fs_resolve(fs, "up", &out, &err), MOAT_E_UNSAFE_PATH);
	CHECK(strstr(err.msg, "above the image root") != NULL);
	CHECK_INT(moat_fs_resolve(fs, "loop1", &out, &err), MOAT_E_LOOP);
	CHECK_INT(moat_fs_resolve(fs, "etc/motd/x", &out, &err), -ENOTDIR);
	CHECK_INT(moat_fs_resolve(fs, "/etc/../etc/./os-release", &out, &err), 0);
	CHECK_STR((char *)out.data, "usr/lib/os-release");
	moat_buf_release(&out);
	moat_arena_close(arena);
}

static void test_vfs__bad_hardlink(void)
{
	static const struct spec bad[] = { { "x", MOAT_TAR_HARDLINK, "missing" }, { NULL } };
	struct moat_arena *arena = moat_arena_open(0);
	const struct spec *layers[] = { bad };

	build(arena, layers, 1, MOAT_E_FORMAT);
	moat_arena_close(arena);
}

/* The engine's rules (tests/integration/engine_view.sh checks them against Docker). */
static const struct spec lower[] = {
	{ "a/x", MOAT_TAR_FILE, NULL, "x" }, { "a/sub/z", MOAT_TAR_FILE, NULL, "z" },
	{ "real/f", MOAT_TAR_FILE, NULL, "f" }, { "link", MOAT_TAR_SYMLINK, "real" },
	{ NULL },
};

static void test_vfs__engine_refuses(void)
{
	static const struct spec empty[] = { { "a/.wh.", MOAT_TAR_FILE }, { NULL } };
	static const struct spec dotdot[] = { { "a/.wh...", MOAT_TAR_FILE }, { NULL } };
	static const struct spec add_wh[] = {
		{ "a/x", MOAT_TAR_FILE, NULL, "y" }, { "a/.wh.x", MOAT_TAR_FILE }, { NULL } };
	static const struct spec twice[] = {
		{ "a/.wh.x", MOAT_TAR_FILE }, { "a/.wh.x", MOAT_TAR_FILE }, { NULL } };
	static const struct spec hl_lower[] = { { "h", MOAT_TAR_HARDLINK, "a/x" }, { NULL } };
	static const struct spec under_wh[] = {
		{ "a/.wh.sub", MOAT_TAR_FILE }, { "a/sub/w", MOAT_TAR_FILE, NULL, "w" }, { NULL } };
	const struct spec *bad[] = { empty, dotdot, add_wh, twice, hl_lower, under_wh };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct moat_arena *arena = moat_arena_open(0);
		const struct spec *layers[] = { lower, bad[i] };

		build(arena, layers, 2, MOAT_E_FORMAT);
		moat_arena_close(arena);
	}
}

static void test_vfs__engine_merge(void)
{
	static const struct spec upper[] = {
		/* re-created after its whiteout: the lower content shows again */
		{ "a/.wh.sub", MOAT_TAR_FILE }, { "a/sub", MOAT_TAR_DIR },
		{ "a/sub/w", MOAT_TAR_FILE, NULL, "w" },
		{ ".wh..wh..opq", MOAT_TAR_FILE },          /* ignored at the layer root */
		{ "link/.wh.f", MOAT_TAR_FILE },            /* its parent becomes a directory */
		{ "a/.wh.x", MOAT_TAR_FILE }, { "a/x", MOAT_TAR_FILE, NULL, "new" },
		{ NULL },
	};
	struct moat_arena *arena = moat_arena_open(0);
	const struct spec *layers[] = { lower, upper };
	struct moat_fs *fs = build(arena, layers, 2, 0);
	struct moat_fs_stat st;
	struct moat_slice c;
	struct moat_error err = { 0 };

	CHECK_INT(moat_fs_lstat(fs, "a/sub/z", &st, &err), 0);
	CHECK_INT(moat_fs_lstat(fs, "a/sub/w", &st, &err), 0);
	CHECK_INT(moat_fs_lstat(fs, "real/f", &st, &err), 0);
	CHECK_INT(moat_fs_lstat(fs, "link", &st, &err), 0);
	CHECK_INT(st.type, MOAT_FS_DIR);
	CHECK_INT(moat_fs_read(fs, "a/x", &c, &err), 0);
	CHECK(moat_slice_eq_str(c, "new"));
	moat_arena_close(arena);
}

/* An opaque marker acts in its own layer only. */
static void test_vfs__opaque_once(void)
{
	static const struct spec opq[] = {
		{ "a/.wh..wh..opq", MOAT_TAR_FILE }, { "a/n", MOAT_TAR_FILE, NULL, "n" }, { NULL } };
	static const struct spec later[] = { { "a/m", MOAT_TAR_FILE, NULL, "m" }, { NULL } };
	struct moat_arena *arena = moat_arena_open(0);
	const struct spec *layers[] = { lower, opq, later };
	struct moat_fs *fs = build(arena, layers, 3, 0);
	struct moat_fs_stat st;
	struct moat_error err = { 0 };

	CHECK_INT(moat_fs_lstat(fs, "a/x", &st, &err), MOAT_E_NOTFOUND);
	CHECK_INT(moat_fs_lstat(fs, "a/n", &st, &err), 0);
	CHECK_INT(moat_fs_lstat(fs, "a/m", &st, &err), 0);
	moat_arena_close(arena);
}

static int collect(void *ctx, const char *path, struct moat_error *err)
{
	struct moat_buf *out = ctx;

	(void)err;
	return moat_buf_append_str(out, path) < 0 || moat_buf_putc(out, ';') < 0 ? -ENOMEM : 0;
}

static bool want_status_d(void *ctx, const char *path, size_t len)
{
	(void)ctx;
	return len > 16 && !strncmp(path, "var/lib/dpkg/s.d/", 17);
}

static void test_vfs__uncaptured(void)
{
	static const struct spec img[] = {
		{ "opt/x/status", MOAT_TAR_FILE },
		{ "var/lib/dpkg", MOAT_TAR_SYMLINK, "../../opt/x" },
		{ "srv/blob", MOAT_TAR_FILE }, { "etc/os-release", MOAT_TAR_HARDLINK, "srv/blob" },
		{ "opt/x/s.d/one", MOAT_TAR_FILE }, { "fifo", MOAT_TAR_FIFO },
		{ "usr/lib/os-release", MOAT_TAR_SYMLINK, "/fifo" },
		{ NULL },
	};
	static const char *const roots[] = {
		"var/lib/dpkg/status", "etc/os-release", "var/lib/dpkg/s.d/", "missing", NULL };
	static const char *const bad_roots[] = { "usr/lib/os-release", NULL };
	struct moat_arena *arena = moat_arena_open(0);
	const struct spec *layers[] = { img };
	struct moat_fs *fs = build(arena, layers, 1, 0);
	struct moat_error err = { 0 };
	struct moat_buf out;

	moat_buf_init(&out, 0);
	CHECK_INT(moat_fs_uncaptured(fs, roots, want_status_d, NULL, collect, &out, &err), 0);
	CHECK_STR((char *)out.data, "opt/x/status;etc/os-release;srv/blob;opt/x/s.d/one;");
	CHECK_INT(moat_fs_uncaptured(fs, bad_roots, want_status_d, NULL, collect, &out, &err),
		  MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "a FIFO") && strstr(err.msg, "layer 1"));
	moat_buf_release(&out);
	moat_arena_close(arena);
}

/* Names cleaned as the engines do inside their chroot (docs/internals/tar-reading.md). */
static void test_vfs__tar_clean(void)
{
	static const struct { const char *in; const char *out; bool dot; } rows[] = {
		{ "./etc/passwd", "etc/passwd", false }, { "etc//x/./y/", "etc/x/y", false },
		{ "./", "", true }, { "", "", true }, { "a/..", "", true },
		{ "/", "", false }, { "..", "", false },
		{ "/etc/passwd", "etc/passwd", false }, { "a/../../b", "b", false },
		{ "../../etc/shadow", "etc/shadow", false }, { "a/..b/c", "a/..b/c", false },
	};
	struct moat_buf out;
	struct moat_error err = { 0 };

	moat_buf_init(&out, 4097);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool dot = !rows[i].dot;

		CHECK_INT(moat_tar_clean(rows[i].in, strlen(rows[i].in), &out, &dot, &err), 0);
		CHECK_STR((char *)out.data, rows[i].out);
		CHECK_INT(dot, rows[i].dot);
	}
	CHECK_INT(moat_tar_clean("a\0b", 3, &out, NULL, &err), MOAT_E_FORMAT);
	moat_buf_release(&out);
}

/* Layers listed at several positions: specs[order[i]] at position i, one moat_fs_layer per
 * distinct spec (as the image readers share them). */
static struct moat_fs *build_shared(struct moat_arena *arena, const struct spec **specs,
				    size_t n_specs, const int *order, size_t n, uint64_t merge_limit,
				    uint64_t history_limit, int expect)
{
	struct moat_fs_builder *b = NULL;
	struct moat_fs_layer *distinct[4];
	struct moat_fs_layer *ls[16];
	struct moat_fs *fs = NULL;
	struct moat_error err = { 0 };

	moat_limits_default(&limits);
	if (merge_limit)
		limits.merge_entries = merge_limit;
	if (history_limit)
		limits.history_events = history_limit;
	CHECK_INT(moat_fs_builder_open(arena, &limits, &b, &err), 0);
	for (size_t i = 0; i < n_specs; i++)
		distinct[i] = layer(b, specs[i]);
	for (size_t i = 0; i < n; i++)
		ls[i] = distinct[order[i]];
	CHECK_INT(moat_fs_builder_finish(b, ls, n, &fs, &err), expect);
	return fs;
}

static void test_vfs__repeated_layer(void)
{
	static const struct spec l[] = { { "d/f", MOAT_TAR_FILE, NULL, "L" }, { NULL } };
	static const struct spec x[] = { { "d/.wh.f", MOAT_TAR_FILE }, { NULL } };
	static const struct spec r[] = {
		{ "e/.wh..wh..opq", MOAT_TAR_FILE }, { "e/g", MOAT_TAR_FILE, NULL, "R" }, { NULL },
	};
	static const struct spec y[] = { { "e/h", MOAT_TAR_FILE, NULL, "Y" }, { NULL } };
	const struct spec *specs[] = { l, x, r, y };
	/* L L L X L L, then R Y R R R */
	static const int order[] = { 0, 0, 0, 1, 0, 0, 2, 3, 2, 2, 2 };
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_fs *fs = build_shared(arena, specs, 4, order, 11, 0, 0, 0);
	struct moat_fs_stat st;
	struct moat_slice c;
	struct moat_error err = { 0 };
	int counts[4] = { 0 };

	/* Live, from the last position that wrote it. */
	CHECK_INT(moat_fs_lstat(fs, "d/f", &st, &err), 0);
	CHECK_INT(st.layer, 5);
	CHECK_INT(moat_fs_read(fs, "d/f", &c, &err), 0);
	CHECK(moat_slice_eq_str(c, "L"));
	/* Events only where something changed: added 0, removed 3, added again 4. */
	CHECK_INT(moat_fs_history(fs, "d/f", count_events, counts, &err), 0);
	CHECK_INT(counts[MOAT_FS_ADDED], 2);
	CHECK_INT(counts[MOAT_FS_CHANGED], 0);
	CHECK_INT(counts[MOAT_FS_REMOVED], 1);
	CHECK_INT(counts[0], 3);
	/* The repeated opaque marker still hides what Y added between its positions. */
	CHECK_INT(moat_fs_lstat(fs, "e/h", &st, &err), MOAT_E_NOTFOUND);
	memset(counts, 0, sizeof(counts));
	CHECK_INT(moat_fs_history(fs, "e/h", count_events, counts, &err), 0);
	CHECK_INT(counts[MOAT_FS_ADDED], 1);
	CHECK_INT(counts[MOAT_FS_REMOVED], 1);
	CHECK_INT(counts[0], 8);
	CHECK_INT(moat_fs_lstat(fs, "e/g", &st, &err), 0);
	CHECK_INT(st.layer, 10);
	moat_arena_close(arena);
}

static void test_vfs__merge_limit(void)
{
	static const struct spec a[] = {
		{ "a", MOAT_TAR_FILE, NULL, "a" }, { "b", MOAT_TAR_FILE, NULL, "b" }, { NULL },
	};
	static const struct spec b[] = { { "c", MOAT_TAR_FILE, NULL, "c" }, { NULL } };
	const struct spec *specs[] = { a, b };
	static const int run[] = { 0, 0, 0, 0, 0, 0 };
	static const int alternate[] = { 0, 1, 0, 1, 0, 1 };
	struct moat_arena *arena = moat_arena_open(0);

	static const struct spec self[] = {
		{ "d/.wh..wh..opq", MOAT_TAR_FILE }, { "d/f", MOAT_TAR_FILE, NULL, "f" }, { NULL },
	};
	const struct spec *self_specs[] = { self, b };

	/* A run counts twice (first and last position): 4 entries. */
	build_shared(arena, specs, 2, run, 6, 4, 0, 0);
	build_shared(arena, specs, 2, run, 6, 3, 0, MOAT_E_LIMIT);
	/* Scattered repeats count at each position: 3 x 2 + 3 x 1. */
	build_shared(arena, specs, 2, alternate, 6, 9, 0, 0);
	build_shared(arena, specs, 2, alternate, 6, 8, 0, MOAT_E_LIMIT);
	/* A layer whose opaque marker covers its own file removes and re-adds it at each
	 * position: d/f 1 + 2 + 2, d 1, c 1 + 0 + 0 events. */
	build_shared(arena, self_specs, 2, alternate, 6, 0, 7, 0);
	build_shared(arena, self_specs, 2, alternate, 6, 0, 6, MOAT_E_LIMIT);
	moat_arena_close(arena);
}

int main(void)
{
	MOAT_RUN(test_vfs__whiteouts_and_history);
	MOAT_RUN(test_vfs__resolve_inside_root);
	MOAT_RUN(test_vfs__bad_hardlink);
	MOAT_RUN(test_vfs__tar_clean);
	MOAT_RUN(test_vfs__repeated_layer);
	MOAT_RUN(test_vfs__merge_limit);
	MOAT_RUN(test_vfs__engine_refuses);
	MOAT_RUN(test_vfs__engine_merge);
	MOAT_RUN(test_vfs__opaque_once);
	MOAT_RUN(test_vfs__uncaptured);
	return moat_test_done();
}
