/* SPDX-License-Identifier: Apache-2.0 */
/* copyright.c - Debian copyright files to SPDX license expressions. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "sbom/copyright.h"

/* DEP-5 short names (and common-licenses file names) to SPDX ids. */
static const struct {
	const char *dep5, *spdx;
} names[] = {
	{ "GPL-1", "GPL-1.0-only" },    { "GPL-1+", "GPL-1.0-or-later" },
	{ "GPL-2", "GPL-2.0-only" },    { "GPL-2+", "GPL-2.0-or-later" },
	{ "GPL-3", "GPL-3.0-only" },    { "GPL-3+", "GPL-3.0-or-later" },
	{ "LGPL-2", "LGPL-2.0-only" },  { "LGPL-2+", "LGPL-2.0-or-later" },
	{ "LGPL-2.1", "LGPL-2.1-only" }, { "LGPL-2.1+", "LGPL-2.1-or-later" },
	{ "LGPL-3", "LGPL-3.0-only" },  { "LGPL-3+", "LGPL-3.0-or-later" },
	{ "AGPL-3", "AGPL-3.0-only" },  { "AGPL-3+", "AGPL-3.0-or-later" },
	{ "GFDL-1.2", "GFDL-1.2-only" }, { "GFDL-1.2+", "GFDL-1.2-or-later" },
	{ "GFDL-1.3", "GFDL-1.3-only" }, { "GFDL-1.3+", "GFDL-1.3-or-later" },
	{ "Apache-2", "Apache-2.0" },   { "Apache-2.0", "Apache-2.0" },
	{ "Artistic", "Artistic-1.0-Perl" }, { "Artistic-1", "Artistic-1.0" },
	{ "Artistic-2", "Artistic-2.0" }, { "Artistic-2.0", "Artistic-2.0" },
	{ "BSD-2-clause", "BSD-2-Clause" }, { "BSD-3-clause", "BSD-3-Clause" },
	{ "BSD-4-clause", "BSD-4-Clause" }, { "Expat", "MIT" }, { "MIT", "MIT" },
	{ "ISC", "ISC" }, { "Zlib", "Zlib" }, { "MPL-1.1", "MPL-1.1" }, { "MPL-2.0", "MPL-2.0" },
	{ "CC0", "CC0-1.0" }, { "CC0-1.0", "CC0-1.0" }, { "PSF-2", "PSF-2.0" },
	{ "Python-2.0", "Python-2.0" }, { "OpenSSL", "OpenSSL" }, { "curl", "curl" },
	{ "X11", "X11" }, { "BSL-1.0", "BSL-1.0" }, { "FSFAP", "FSFAP" }, { "FSFUL", "FSFUL" },
	{ "FSFULLR", "FSFULLR" }, { "Unicode-DFS-2016", "Unicode-DFS-2016" },
	{ "public-domain", "LicenseRef-public-domain" }, { "BSD", "LicenseRef-BSD" },
	{ "GPL", "LicenseRef-GPL" }, { "LGPL", "LicenseRef-LGPL" },
};

struct collect {
	struct moat_arena *arena;
	const char *items[MOAT_COPYRIGHT_MAX_LICENSES];
	size_t n;
};

/* One license name to an SPDX id, or LicenseRef-NAME (only [A-Za-z0-9.-]). */
static const char *spdx_of(struct moat_arena *arena, struct moat_slice name)
{
	char *ref;
	size_t w = 0;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].dep5) == name.len &&
		    !strncasecmp(names[i].dep5, (const char *)name.ptr, name.len))
			return names[i].spdx;
	/* Already SPDX style ("GPL-2.0-or-later"), or something of its own. */
	ref = moat_arena_alloc(arena, name.len + 12);
	if (!ref)
		return NULL;
	memcpy(ref, "LicenseRef-", 11);
	for (size_t i = 0; i < name.len; i++) {
		uint8_t c = name.ptr[i];
		char keep = '-'; /* also for '+', which has a meaning in SPDX expressions */

		if (isalnum(c) || c == '.')
			keep = (char)c;
		ref[11 + w++] = keep;
	}
	ref[11 + w] = 0;
	return ref;
}

static void add(struct collect *c, const char *expr)
{
	if (!expr || !*expr)
		return;
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->items[i], expr))
			return;
	if (c->n < MOAT_COPYRIGHT_MAX_LICENSES)
		c->items[c->n++] = expr;
}

static bool word_is(struct moat_slice w, const char *s)
{
	return w.len == strlen(s) && !strncasecmp((const char *)w.ptr, s, w.len);
}

/* "GPL-2+ or Artistic", "GPL-2+ with OpenSSL exception", "MIT, BSD-3-clause". */
static const char *line_expr(struct moat_arena *arena, struct moat_slice v)
{
	struct moat_buf out;
	bool skip = false, op_pending = false, fail = false;
	const char *op = NULL, *res;
	size_t i = 0;

	moat_buf_init(&out, 1024);
	while (i < v.len) {
		size_t s;
		struct moat_slice w;

		while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t' || v.ptr[i] == ','))
			i++;
		for (s = i; i < v.len && v.ptr[i] != ' ' && v.ptr[i] != '\t' && v.ptr[i] != ',';)
			i++;
		w = moat_slice_make(v.ptr + s, i - s);
		if (!w.len)
			break;
		if (word_is(w, "or") || word_is(w, "and")) {
			op = word_is(w, "or") ? " OR " : " AND ";
			op_pending = out.len > 0;
			skip = false;
		} else if (word_is(w, "with")) {
			skip = true;  /* an exception ("with OpenSSL exception"): kept out */
		} else if (!skip) {
			const char *id = spdx_of(arena, w);

			if (!id)
				break;
			if (out.len && moat_buf_append_str(&out, op_pending && op ? op : " AND ") < 0)
				fail = true;
			if (moat_buf_append_str(&out, id) < 0)
				fail = true;
			op_pending = false;
		}
	}
	res = out.len && !fail ? moat_arena_strndup(arena, (const char *)out.data, out.len) : NULL;
	moat_buf_release(&out);
	return res;
}

static bool has(struct moat_slice t, const char *needle)
{
	return memmem(t.ptr, t.len, needle, strlen(needle)) != NULL;
}

static void dep5(struct collect *c, struct moat_slice text)
{
	struct moat_slice line, key;

	while (moat_slice_line(&text, &line)) {
		if (!line.len || line.ptr[0] == ' ' || line.ptr[0] == '\t')
			continue;
		if (!moat_slice_split(&line, ':', &key) || !word_is(key, "License"))
			continue;
		add(c, line_expr(c->arena, moat_slice_trim(line)));
	}
}

/* Free text: "/usr/share/common-licenses/GPL-2" and the permission texts. */
static void free_form(struct collect *c, struct moat_slice text)
{
	static const char ref[] = "/usr/share/common-licenses/";
	struct moat_slice rest = text;
	const uint8_t *p;

	while ((p = memmem(rest.ptr, rest.len, ref, sizeof(ref) - 1)) != NULL) {
		const uint8_t *s = p + sizeof(ref) - 1, *e = s;
		const uint8_t *end = rest.ptr + rest.len;

		while (e < end && (isalnum(*e) || *e == '.' || *e == '-' || *e == '+'))
			e++;
		while (e > s && e[-1] == '.')
			e--;
		if (e > s)
			add(c, spdx_of(c->arena, moat_slice_make(s, (size_t)(e - s))));
		rest = moat_slice_make(e, (size_t)(end - e));
	}
	if (has(text, "Permission is hereby granted, free of charge"))
		add(c, "MIT");
	if (has(text, "Redistribution and use in source and binary forms"))
		add(c, has(text, "Neither the name") || has(text, "endorse or promote") ? "BSD-3-Clause"
										 : "BSD-2-Clause");
}

const char *moat_deb_copyright_license(struct moat_arena *arena, struct moat_slice text)
{
	struct collect c = { .arena = arena };
	struct moat_slice first = text, line;
	struct moat_buf out;
	const char *res;
	int r = 0;

	if (text.len > MOAT_COPYRIGHT_MAX_BYTES)
		text.len = MOAT_COPYRIGHT_MAX_BYTES;
	while (moat_slice_line(&first, &line) && !moat_slice_trim(line).len)
		;
	if (moat_slice_startswith(line, "Format:") || moat_slice_startswith(line, "format:"))
		dep5(&c, text);
	if (!c.n)
		free_form(&c, text);
	if (!c.n)
		return NULL;
	if (c.n == 1)
		return c.items[0];
	moat_buf_init(&out, (size_t)64 * 1024);
	for (size_t i = 0; i < c.n; i++) {
		bool paren = strstr(c.items[i], " OR ") != NULL;

		if (i && r == 0)
			r = moat_buf_append_str(&out, " AND ");
		if (r == 0 && paren)
			r = moat_buf_appendf(&out, "(%s)", c.items[i]);
		else if (r == 0)
			r = moat_buf_append_str(&out, c.items[i]);
	}
	res = r < 0 ? NULL : moat_arena_strndup(arena, (const char *)out.data, out.len);
	moat_buf_release(&out);
	return res;
}
