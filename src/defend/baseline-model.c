/* SPDX-License-Identifier: Apache-2.0 */
/* baseline-model.c - one image's learned behaviour as sets (baseline-model.h). */
#include "baseline-model.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"

static const char *const kind_names[] = { "exec", "exec-pair", "file-write", "listen",
					  "syscall" };

const char *moat_bl_kind_name(enum moat_bl_kind kind)
{
	return (unsigned)kind < MOAT_BL_KIND_COUNT ? kind_names[kind] : "?";
}

int moat_bl_kind_parse(const char *name)
{
	for (int i = 0; i < MOAT_BL_KIND_COUNT; i++)
		if (!strcmp(name, kind_names[i]))
			return i;
	return -1;
}

void moat_bl_model_init(struct moat_bl_model *m)
{
	memset(m, 0, sizeof(*m));
	for (int k = 0; k < MOAT_BL_SYSCALL; k++)
		moat_hmap_init(&m->sets[k]);
}

/* Each set's value is the heap copy of its key. */
static void set_release(struct moat_hmap *set)
{
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i].key)
			free(set->slots[i].value);
	moat_hmap_release(set);
}

void moat_bl_model_release(struct moat_bl_model *m)
{
	for (int k = 0; k < MOAT_BL_SYSCALL; k++)
		set_release(&m->sets[k]);
}

void moat_bl_model_clear(struct moat_bl_model *m)
{
	unsigned collapse = m->collapse;

	moat_bl_model_release(m);
	moat_bl_model_init(m);
	m->collapse = collapse;
}

/* --- syscalls -------------------------------------------------------------- */

const char *moat_bl_syscall_name(unsigned nr)
{
	/* names are static in libseccomp's tables; the copy it returns is
	 * cached here once per number, so callers get a stable pointer */
	static char *names[MOAT_BL_SYSCALL_MAX];
	char *n;

	if (nr >= MOAT_BL_SYSCALL_MAX)
		return NULL;
	if (names[nr] || nr < MOAT_BL_SYSCALL_IA32) {
		if (!names[nr])
			names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
		return names[nr];
	}
	/* an ia32 call (int 0x80, a 32-bit process): "ia32:NAME" */
	n = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86, (int)(nr - MOAT_BL_SYSCALL_IA32));
	if (n && (names[nr] = malloc(strlen(n) + 6)))
		snprintf(names[nr], strlen(n) + 6, "ia32:%s", n);
	free(n);
	return names[nr];
}

int moat_bl_syscall_number(const char *name)
{
	int nr;

	if (!strncmp(name, "ia32:", 5)) {
		nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86, name + 5);
		return nr < 0 || nr >= (int)(MOAT_BL_SYSCALL_MAX - MOAT_BL_SYSCALL_IA32)
			       ? -1
			       : (int)MOAT_BL_SYSCALL_IA32 + nr;
	}
	nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name);
	return nr < 0 || nr >= (int)MOAT_BL_SYSCALL_IA32 ? -1 : nr;
}

int moat_bl_add_syscall(struct moat_bl_model *m, unsigned nr)
{
	uint64_t bit = 1ull << (nr & 63);

	if (nr >= MOAT_BL_SYSCALL_MAX || (m->syscalls[nr / 64] & bit))
		return 0;
	m->syscalls[nr / 64] |= bit;
	return 1;
}

bool moat_bl_has_syscall(const struct moat_bl_model *m, unsigned nr)
{
	return nr < MOAT_BL_SYSCALL_MAX && (m->syscalls[nr / 64] >> (nr & 63)) & 1;
}

/* --- item sets ------------------------------------------------------------- */

static bool set_has(const struct moat_hmap *set, const char *s, size_t len)
{
	return moat_hmap_get(set, s, len) != NULL;
}

static int set_put(struct moat_hmap *set, const char *s, size_t len)
{
	char *copy;

	if (set_has(set, s, len))
		return 0;
	if (set->count >= MOAT_BL_ITEMS_MAX)
		return MOAT_E_LIMIT;
	copy = strndup(s, len);
	if (!copy)
		return -ENOMEM;
	if (moat_hmap_put(set, copy, len, copy) < 0) {
		free(copy);
		return -ENOMEM;
	}
	return 1;
}

static void set_del(struct moat_hmap *set, const char *s, size_t len)
{
	free(moat_hmap_del(set, s, len));
}

/* Is path, or a DIR/\* above it, in the file set? */
static bool file_covered(const struct moat_hmap *set, const char *path)
{
	char glob[MOAT_BL_ITEM_LEN + 2];
	size_t len = strlen(path);

	if (set_has(set, path, len))
		return true;
	if (len >= MOAT_BL_ITEM_LEN)
		return false;
	memcpy(glob, path, len + 1);
	/* walk up: "/a/b/c" tries "/a/b/\*", "/a/\*"; a glob item also tries
	 * its parents ("/a/b/\*" -> "/a/\*") */
	for (size_t i = len; i-- > 0;) {
		if (glob[i] != '/')
			continue;
		glob[i + 1] = '*';
		glob[i + 2] = 0;
		/* a glob item is not covered by itself */
		if (!(i + 2 == len && path[len - 1] == '*') && set_has(set, glob, i + 2))
			return true;
		if (i == 0)
			break;
	}
	return false;
}

/* The directory part of a path or glob item: "/a/b" and "/a/b/\*" sit in "/a". */
static size_t parent_len(const char *item, size_t len)
{
	if (len >= 2 && item[len - 1] == '*' && item[len - 2] == '/')
		len -= 2;
	while (len > 0 && item[len - 1] != '/')
		len--;
	return len ? len - 1 : 0;   /* without the slash; "/x" -> 0 ("/") */
}

/* Drop every item below dir (dlen bytes, no trailing slash): a dir glob
 * covers them. Doomed items are listed first: a delete moves slots. */
static void drop_below(struct moat_hmap *set, const char *dir, size_t dlen)
{
	char **doomed = calloc(set->count + 1, sizeof(*doomed));
	size_t n = 0;

	if (!doomed)
		return;     /* they stay: covered twice is still right */
	for (size_t i = 0; i < set->cap; i++) {
		const struct moat_hmap_slot *s = &set->slots[i];

		if (s->key && s->key_len > dlen + 1 && !memcmp(s->key, dir, dlen) &&
		    s->key[dlen] == '/')
			doomed[n++] = s->value;
	}
	for (size_t i = 0; i < n; i++)
		set_del(set, doomed[i], strlen(doomed[i]));
	free(doomed);
}

/*
 * dir (dlen bytes, no trailing slash, never the root) has more than
 * collapse entries directly in it: everything below it becomes "dir/\*".
 */
static int collapse_dir(struct moat_hmap *set, const char *dir, size_t dlen, unsigned collapse)
{
	size_t n = 0;
	char glob[MOAT_BL_ITEM_LEN + 2];

	for (size_t i = 0; i < set->cap; i++) {
		const struct moat_hmap_slot *s = &set->slots[i];

		if (s->key && parent_len(s->key, s->key_len) == dlen && !memcmp(s->key, dir, dlen))
			n++;
	}
	if (n <= collapse)
		return 0;
	drop_below(set, dir, dlen);
	memcpy(glob, dir, dlen);
	memcpy(glob + dlen, "/*", 3);
	return set_put(set, glob, dlen + 2);
}

static int add_file(struct moat_bl_model *m, const char *path, struct moat_error *err)
{
	struct moat_hmap *set = &m->sets[MOAT_BL_FILE];
	size_t len = strlen(path);
	size_t dlen;
	int r;

	if (file_covered(set, path))
		return 0;
	if (len >= 2 && path[len - 1] == '*')
		drop_below(set, path, len - 2);     /* a glob replaces what it covers */
	r = set_put(set, path, len);
	if (r <= 0)
		return r == MOAT_E_LIMIT ? moat_error_set(err, r, "file-write: more than %u items",
							   MOAT_BL_ITEMS_MAX)
					 : r;
	/* a collapse adds DIR/\* to DIR's parent, which may now be full too */
	for (dlen = parent_len(path, len); dlen > 0; dlen = parent_len(path, dlen)) {
		r = collapse_dir(set, path, dlen, m->collapse ? m->collapse : MOAT_BL_COLLAPSE_DEFAULT);
		if (r <= 0)
			return r < 0 ? r : 1;
	}
	return 1;
}

/* No "//", no "." or ".." component, no trailing slash. */
static bool clean_path(const char *p)
{
	for (const char *c = p; *c; c++) {
		if (*c != '/')
			continue;
		if (c[1] == '/' || c[1] == 0 ||
		    (c[1] == '.' && (c[2] == '/' || c[2] == 0 ||
				     (c[2] == '.' && (c[3] == '/' || c[3] == 0)))))
			return false;
	}
	return true;
}

/* Is item of the form the kind takes? */
static bool item_ok(enum moat_bl_kind kind, const char *item)
{
	const char *arrow;
	char *end;
	long port;

	switch (kind) {
	case MOAT_BL_EXEC:
		return item[0] == '/';
	case MOAT_BL_FILE:
		/* absolute and clean (no empty, "." or ".." component, no
		 * trailing slash); a '*' only as a final "/\*" */
		arrow = strchr(item, '*');
		return item[0] == '/' && clean_path(item) &&
		       (!arrow || (arrow[1] == 0 && arrow[-1] == '/' && arrow - item > 1));
	case MOAT_BL_PAIR:
		arrow = strstr(item, " -> ");
		return arrow && arrow != item && arrow[4] == '/' &&
		       (item[0] == '/' || !strncmp(item, "(runtime) -> ", 13));
	case MOAT_BL_LISTEN:
		errno = 0;
		port = strtol(item, &end, 10);
		return !errno && *end == 0 && end != item && port > 0 && port < 65536 &&
		       item[0] != '0' && item[0] != '+';
	default:
		return false;
	}
}

int moat_bl_add(struct moat_bl_model *m, enum moat_bl_kind kind, const char *item,
		struct moat_error *err)
{
	size_t len = strlen(item);
	int nr;
	int r;

	if (kind == MOAT_BL_SYSCALL) {
		nr = moat_bl_syscall_number(item);
		if (nr < 0)
			return moat_error_set(err, MOAT_E_USAGE, "syscall '%s': not a syscall of this "
					      "architecture", item);
		return moat_bl_add_syscall(m, (unsigned)nr);
	}
	if ((unsigned)kind >= MOAT_BL_SYSCALL || len == 0 || len >= MOAT_BL_ITEM_LEN ||
	    !item_ok(kind, item))
		return moat_error_set(err, MOAT_E_USAGE, "%s '%.200s': not a valid item",
				      moat_bl_kind_name(kind), item);
	if (kind == MOAT_BL_FILE)
		return add_file(m, item, err);
	r = set_put(&m->sets[kind], item, len);
	if (r == MOAT_E_LIMIT)
		return moat_error_set(err, r, "%s: more than %u items", moat_bl_kind_name(kind),
				      MOAT_BL_ITEMS_MAX);
	return r;
}

bool moat_bl_has(const struct moat_bl_model *m, enum moat_bl_kind kind, const char *item)
{
	int nr;

	if (kind == MOAT_BL_SYSCALL) {
		nr = moat_bl_syscall_number(item);
		return nr >= 0 && moat_bl_has_syscall(m, (unsigned)nr);
	}
	if ((unsigned)kind >= MOAT_BL_SYSCALL)
		return false;
	if (kind == MOAT_BL_FILE)
		return file_covered(&m->sets[kind], item);
	return set_has(&m->sets[kind], item, strlen(item));
}

size_t moat_bl_count(const struct moat_bl_model *m, enum moat_bl_kind kind)
{
	size_t n = 0;

	if (kind != MOAT_BL_SYSCALL)
		return (unsigned)kind < MOAT_BL_SYSCALL ? m->sets[kind].count : 0;
	for (unsigned w = 0; w < MOAT_BL_SYSCALL_WORDS; w++)
		n += (size_t)__builtin_popcountll(m->syscalls[w]);
	return n;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char **moat_bl_items(const struct moat_bl_model *m, enum moat_bl_kind kind, size_t *ret_n)
{
	size_t n = 0;
	const char **out = calloc(moat_bl_count(m, kind) + 1, sizeof(*out));

	if (!out)
		return NULL;
	if (kind == MOAT_BL_SYSCALL) {
		for (unsigned nr = 0; nr < MOAT_BL_SYSCALL_MAX; nr++)
			if (moat_bl_has_syscall(m, nr) && moat_bl_syscall_name(nr))
				out[n++] = moat_bl_syscall_name(nr);
	} else {
		const struct moat_hmap *set = &m->sets[kind];

		for (size_t i = 0; i < set->cap; i++)
			if (set->slots[i].key)
				out[n++] = set->slots[i].value;
	}
	qsort(out, n, sizeof(*out), cmp_str);
	out[n] = NULL;
	*ret_n = n;
	return out;
}

int moat_bl_merge(struct moat_bl_model *dst, const struct moat_bl_model *src)
{
	int added = 0;
	int r;

	for (int k = 0; k < MOAT_BL_SYSCALL; k++) {
		const struct moat_hmap *set = &src->sets[k];

		for (size_t i = 0; i < set->cap; i++) {
			if (!set->slots[i].key)
				continue;
			r = moat_bl_add(dst, (enum moat_bl_kind)k, set->slots[i].value, NULL);
			if (r < 0)
				return r;
			added += r;
		}
	}
	for (unsigned nr = 0; nr < MOAT_BL_SYSCALL_MAX; nr++)
		if (moat_bl_has_syscall(src, nr))
			added += moat_bl_add_syscall(dst, nr);
	if (src->learn_start && (!dst->learn_start || src->learn_start < dst->learn_start))
		dst->learn_start = src->learn_start;
	dst->learn_events += src->learn_events;
	dst->learn_done = dst->learn_done || src->learn_done;
	return added;
}
