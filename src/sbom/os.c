/* SPDX-License-Identifier: Apache-2.0 */
/* os.c - distribution from os-release, with the release files as fallbacks. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "base/arena.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "os.h"

/* Value of KEY=value / KEY="value" / KEY='value' (no escapes beyond \" \\ \$ \`). */
static const char *unquote(struct moat_arena *arena, struct moat_slice v)
{
	char *out;
	size_t n = 0;

	v = moat_slice_trim(v);
	if (v.len >= 2 && (v.ptr[0] == '"' || v.ptr[0] == '\'') && v.ptr[v.len - 1] == v.ptr[0]) {
		v.ptr++;
		v.len -= 2;
	}
	out = moat_arena_alloc(arena, v.len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < v.len; i++) {
		if (v.ptr[i] == '\\' && i + 1 < v.len)
			i++;
		out[n++] = (char)v.ptr[i];
	}
	out[n] = '\0';
	return out;
}

static void parse_os_release(struct moat_arena *arena, struct moat_slice content,
			     struct moat_os *os)
{
	static const struct { const char *key; size_t off; } fields[] = {
		{ "ID", offsetof(struct moat_os, id) },
		{ "VERSION_ID", offsetof(struct moat_os, version_id) },
		{ "VERSION_CODENAME", offsetof(struct moat_os, codename) },
		{ "NAME", offsetof(struct moat_os, name) },
		{ "PRETTY_NAME", offsetof(struct moat_os, pretty_name) },
		{ "ID_LIKE", offsetof(struct moat_os, id_like) },
	};
	struct moat_slice line, key;

	while (moat_slice_line(&content, &line)) {
		line = moat_slice_trim(line);
		if (!line.len || line.ptr[0] == '#' || !moat_slice_split(&line, '=', &key))
			continue;
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (moat_slice_eq_str(key, fields[i].key))
				*(const char **)((char *)os + fields[i].off) = unquote(arena, line);
	}
}

/* Read a small file through symlinks; a missing file is not an error. */
static int read_opt(struct moat_fs *fs, const char *path, struct moat_slice *ret,
		    struct moat_error *err)
{
	int r = moat_fs_read(fs, path, ret, err);

	/* Links are followed while the image is read (moat_catalog_roots), and a
	 * directory or device here is refused there: only absence is absence. */
	if (r == MOAT_E_NOTFOUND || r == -ENOTDIR) {
		ret->len = 0;
		ret->ptr = NULL;
		return 0;
	}
	return r;
}

/* "12 (bookworm)" -> "bookworm", for os-release files without VERSION_CODENAME. */
static const char *codename_from_version(struct moat_arena *arena, struct moat_slice content)
{
	struct moat_slice line, key;

	while (moat_slice_line(&content, &line)) {
		long open, close;

		if (!moat_slice_split(&line, '=', &key) || !moat_slice_eq_str(key, "VERSION"))
			continue;
		open = moat_slice_find(line, '(');
		close = moat_slice_find(line, ')');
		if (open >= 0 && close > open + 1)
			return moat_arena_strndup(arena, (const char *)line.ptr + open + 1,
						  (size_t)(close - open - 1));
	}
	return NULL;
}

static int fallbacks(struct moat_fs *fs, struct moat_arena *arena, struct moat_os *os,
		     struct moat_error *err)
{
	struct moat_slice c;
	int r;

	if ((r = read_opt(fs, "etc/alpine-release", &c, err)) < 0)
		return r;
	if (c.len && (!os->id || !strcmp(os->id, "alpine"))) {
		os->id = "alpine";
		os->version_id = unquote(arena, c); /* the full x.y.z, finer than os-release */
		os->source = "etc/alpine-release";
		return 0;
	}
	if ((r = read_opt(fs, "etc/debian_version", &c, err)) < 0)
		return r;
	if (c.len && (!os->id || (!strcmp(os->id, "debian") && !os->version_id))) {
		struct moat_slice v = moat_slice_trim(c);
		long dot = moat_slice_find(v, '.');

		os->id = "debian";
		/* "12.5" -> "12"; testing says "trixie/sid": leave the version out. */
		if (v.len && v.ptr[0] >= '0' && v.ptr[0] <= '9')
			os->version_id = moat_arena_strndup(arena, (const char *)v.ptr,
							    dot > 0 ? (size_t)dot : v.len);
		if (!os->source)
			os->source = "etc/debian_version";
		return 0;
	}
	if (os->id)
		return 0;
	if ((r = read_opt(fs, "etc/redhat-release", &c, err)) < 0)
		return r;
	if (c.len) {
		/* "Red Hat Enterprise Linux release 9.3 (Plow)" */
		const char *text = unquote(arena, c);
		const char *rel = text ? strstr(text, "release ") : NULL;

		os->id = text && strstr(text, "CentOS") ? "centos" : "rhel";
		os->pretty_name = text;
		if (rel)
			os->version_id = moat_arena_strndup(arena, rel + 8, strcspn(rel + 8, " ("));
		os->source = "etc/redhat-release";
	}
	return 0;
}

int moat_os_detect(struct moat_fs *fs, struct moat_arena *arena, struct moat_os *ret_os,
		   struct moat_error *err)
{
	static const char *const paths[] = { "etc/os-release", "usr/lib/os-release" };
	struct moat_os os = { 0 };
	struct moat_slice c;
	int r;

	for (size_t i = 0; i < 2 && !os.id; i++) {
		if ((r = read_opt(fs, paths[i], &c, err)) < 0)
			return r;
		if (!c.len)
			continue;
		parse_os_release(arena, c, &os);
		os.source = paths[i];
		if (os.id && !os.codename)
			os.codename = codename_from_version(arena, c);
	}
	if ((r = fallbacks(fs, arena, &os, err)) < 0)
		return r;
	*ret_os = os;
	return 0;
}
