/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-gomod.c - go.mod and go.sum as lock-file evidence.
 *
 * go.mod: since Go 1.17 a module's go.mod requires every module of its build
 * list (direct and "// indirect"), so its require directives, with the file's
 * replace directives applied, are the modules the build uses. go.sum: every
 * "path version h1:hash" line is a module whose content the build verified;
 * "path version/go.mod h1:hash" lines only vouch for a go.mod read during
 * version selection and are skipped. The syntax is the one of
 * golang.org/x/mod/modfile: one directive per line or a parenthesised block,
 * "//" comments, tokens split on blanks, optionally double-quoted.
 *
 * Files inside a module cache (".../pkg/mod/...") are the go.mod of every
 * downloaded dependency, not of anything built, and are not read.
 *
 * Licences: a module's LICENSE (LICENCE, COPYING, with .txt/.md) at the root
 * of its directory in a module cache (pkg/mod/PATH@VERSION/, the path
 * case-encoded as "!x" for "X") names the licence of PATH@VERSION wherever
 * the image lists it; one under a vendor/ directory (DIR/vendor/PATH/) that
 * of PATH for the go.mod in DIR. The text is identified by
 * license-text.c; unknown text gives no licence.
 */
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/reader.h"
#include "moat/error.h"
#include "lang-go.h"
#include "license-text.h"
#include "lang.h"

/* go.mod of Kubernetes is 15 KB, its go.sum 150 KB. */
#define GOMOD_MAX_BYTES (16u << 20)
#define GOMOD_MAX_TOKENS 8u

struct tokens {
	struct moat_slice t[GOMOD_MAX_TOKENS];
	size_t n;
	bool indirect;       /* the line's comment says "indirect" */
};

static bool blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Split a line into blank-separated tokens, dropping quotes and the comment. */
static void tokenize(struct moat_slice line, struct tokens *tk)
{
	size_t i = 0;

	tk->n = 0;
	tk->indirect = false;
	while (i < line.len && tk->n < GOMOD_MAX_TOKENS) {
		size_t start;

		while (i < line.len && blank(line.ptr[i]))
			i++;
		if (i + 1 < line.len && line.ptr[i] == '/' && line.ptr[i + 1] == '/') {
			struct moat_slice c = moat_slice_trim(moat_slice_make(line.ptr + i + 2,
									      line.len - i - 2));

			tk->indirect = moat_slice_startswith(c, "indirect");
			return;
		}
		if (i >= line.len)
			return;
		start = i;
		if (line.ptr[i] == '"') {
			const uint8_t *q = memchr(line.ptr + i + 1, '"', line.len - i - 1);
			size_t end = q ? (size_t)(q - line.ptr) : line.len;

			tk->t[tk->n++] = moat_slice_make(line.ptr + start + 1, end - start - 1);
			i = q ? end + 1 : end;
			continue;
		}
		while (i < line.len && !blank(line.ptr[i]))
			i++;
		tk->t[tk->n++] = moat_slice_make(line.ptr + start, i - start);
	}
}

struct mod_list {
	struct moat_arena *arena;
	struct moat_go_module *items;
	size_t n;
	size_t cap;
};

static int list_add(struct mod_list *l, struct moat_go_module **ret)
{
	if (l->n >= MOAT_GO_MAX_MODULES)
		return MOAT_E_LIMIT;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct moat_go_module *grown = moat_arena_grow(l->arena, l->items, l->n, cap,
							       sizeof(*grown));

		if (!grown)
			return MOAT_E_LIMIT;
		l->items = grown;
		l->cap = cap;
	}
	*ret = &l->items[l->n++];
	memset(*ret, 0, sizeof(**ret));
	return 0;
}

static const char *dup(struct moat_arena *arena, struct moat_slice s)
{
	return moat_arena_strndup(arena, s.len ? (const char *)s.ptr : "", s.len);
}

/* require: "path version". */
static int add_require(struct mod_list *reqs, const struct moat_slice *t, size_t n,
		       bool indirect, size_t *bad)
{
	struct moat_go_module *m;
	int r;

	if (n != 2) {
		(*bad)++;
		return 0;
	}
	if ((r = list_add(reqs, &m)) < 0)
		return r;
	m->path = dup(reqs->arena, t[0]);
	m->version = dup(reqs->arena, t[1]);
	m->sum = "";
	m->indirect = indirect;
	return m->path && m->version ? 0 : MOAT_E_LIMIT;
}

/* replace: "old [version] => new [version]"; kept as path/version -> repl_*. */
static int add_replace(struct mod_list *repls, const struct moat_slice *t, size_t n,
		       size_t *bad)
{
	size_t arrow = n;
	struct moat_go_module *m;
	int r;

	for (size_t i = 0; i < n; i++)
		if (moat_slice_eq_str(t[i], "=>"))
			arrow = i;
	if (arrow < 1 || arrow > 2 || n - arrow - 1 < 1 || n - arrow - 1 > 2) {
		(*bad)++;
		return 0;
	}
	if ((r = list_add(repls, &m)) < 0)
		return r;
	m->path = dup(repls->arena, t[0]);
	m->version = dup(repls->arena, arrow == 2 ? t[1] : moat_slice_make(NULL, 0));
	m->repl_path = dup(repls->arena, t[arrow + 1]);
	m->repl_version = dup(repls->arena, n - arrow - 1 == 2 ? t[n - 1] :
				  moat_slice_make(NULL, 0));
	m->sum = "";
	return m->path && m->version && m->repl_path && m->repl_version ? 0 : MOAT_E_LIMIT;
}

/* A replace names a version (only that one) or none (every version). */
static void apply_replaces(struct mod_list *reqs, const struct mod_list *repls)
{
	for (size_t i = 0; i < reqs->n; i++) {
		struct moat_go_module *m = &reqs->items[i];

		for (size_t j = 0; j < repls->n; j++) {
			const struct moat_go_module *rp = &repls->items[j];

			if (strcmp(rp->path, m->path) != 0 ||
			    (*rp->version && strcmp(rp->version, m->version) != 0))
				continue;
			m->repl_path = rp->repl_path;
			m->repl_version = rp->repl_version;
			if (*rp->version)
				break; /* a version-specific replace wins over a general one */
		}
	}
}

enum block { BLOCK_NONE, BLOCK_REQUIRE, BLOCK_REPLACE, BLOCK_OTHER };

static int mod_line(const struct tokens *tk, enum block *block, struct mod_list *reqs,
		    struct mod_list *repls, size_t *bad)
{
	const struct moat_slice *t = tk->t;
	size_t n = tk->n;
	enum block kind;

	if (n == 0)
		return 0;
	if (*block != BLOCK_NONE) {
		if (moat_slice_eq_str(t[0], ")")) {
			*block = BLOCK_NONE;
			return 0;
		}
		kind = *block;
	} else {
		kind = moat_slice_eq_str(t[0], "require") ? BLOCK_REQUIRE :
		       moat_slice_eq_str(t[0], "replace") ? BLOCK_REPLACE : BLOCK_OTHER;
		if (n == 2 && moat_slice_eq_str(t[1], "(")) {
			*block = kind;
			return 0;
		}
		t++;
		n--;
	}
	if (kind == BLOCK_REQUIRE)
		return add_require(reqs, t, n, tk->indirect, bad);
	if (kind == BLOCK_REPLACE)
		return add_replace(repls, t, n, bad);
	return 0;
}

int moat_go_mod_parse(struct moat_arena *arena, struct moat_slice text,
		      struct moat_go_module **ret_mods, size_t *ret_n, size_t *ret_bad,
		      struct moat_error *err)
{
	struct mod_list reqs = { .arena = arena }, repls = { .arena = arena };
	enum block block = BLOCK_NONE;
	struct moat_slice line;
	struct tokens tk;
	size_t bad = 0;
	int r;

	while (moat_slice_line(&text, &line)) {
		tokenize(line, &tk);
		if ((r = mod_line(&tk, &block, &reqs, &repls, &bad)) < 0)
			return moat_error_set(err, r, "go.mod: more than %u modules or out of memory",
					      MOAT_GO_MAX_MODULES);
	}
	apply_replaces(&reqs, &repls);
	*ret_mods = reqs.items;
	*ret_n = reqs.n;
	*ret_bad = bad;
	return 0;
}

int moat_go_sum_parse(struct moat_arena *arena, struct moat_slice text,
		      struct moat_go_module **ret_mods, size_t *ret_n, size_t *ret_bad,
		      struct moat_error *err)
{
	struct mod_list mods = { .arena = arena };
	struct moat_slice line;
	struct tokens tk;
	size_t bad = 0;

	while (moat_slice_line(&text, &line)) {
		struct moat_go_module *m;

		tokenize(line, &tk);
		if (tk.n == 0)
			continue;
		if (tk.n != 3 || !moat_slice_startswith(tk.t[1], "v")) {
			bad++;
			continue;
		}
		if (moat_slice_endswith(tk.t[1], "/go.mod"))
			continue;
		if (list_add(&mods, &m) < 0)
			return moat_error_set(err, MOAT_E_LIMIT,
					      "go.sum: more than %u modules or out of memory",
					      MOAT_GO_MAX_MODULES);
		m->path = dup(arena, tk.t[0]);
		m->version = dup(arena, tk.t[1]);
		m->sum = dup(arena, tk.t[2]);
		if (!m->path || !m->version || !m->sum)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	}
	*ret_mods = mods.items;
	*ret_n = mods.n;
	*ret_bad = bad;
	return 0;
}

/* ---- the cataloger ---- */

static bool has_segment(const char *path, size_t len, const char *seg)
{
	size_t n = strlen(seg);

	for (size_t i = 0; i + n <= len; i++)
		if ((i == 0 || path[i - 1] == '/') && memcmp(path + i, seg, n) == 0)
			return true;
	return false;
}

static bool is_license_name(const char *base, size_t blen)
{
	static const char *const names[] = {
		"LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "LICENCE.txt", "LICENCE.md",
		"COPYING", "LICENSE-MIT", "LICENSE.MIT",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == blen && !memcmp(names[i], base, blen))
			return true;
	return false;
}

/* Where a LICENSE file's module starts: after "pkg/mod/" (not its cache/)
 * or after the last "vendor/"; 0 when it is in neither. */
static size_t module_start(const char *path, size_t len, bool *ret_cache)
{
	size_t start = 0;

	*ret_cache = false;
	for (size_t i = 0; i + 8 <= len; i++) {
		if (i && path[i - 1] != '/')
			continue;
		if (!memcmp(path + i, "pkg/mod/", 8) && !(i + 14 <= len &&
							   !memcmp(path + i + 8, "cache/", 6))) {
			start = i + 8;
			*ret_cache = true;
		} else if (i + 7 <= len && !memcmp(path + i, "vendor/", 7)) {
			start = i + 7;
			*ret_cache = false;
		}
	}
	return start;
}

static bool gomod_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	const char *base = memrchr(path, '/', len);
	size_t blen;
	bool cache;

	base = base ? base + 1 : path;
	blen = len - (size_t)(base - path);
	if (is_license_name(base, blen))
		return size > 0 && module_start(path, len, &cache) > 0;
	if (!(blen == 6 && (memcmp(base, "go.mod", 6) == 0 || memcmp(base, "go.sum", 6) == 0)))
		return false;
	return !has_segment(path, len, "pkg/mod/");
}

/* Module cache paths escape upper case: "!x" is "X". */
static const char *unescape_path(struct moat_arena *a, const char *p, size_t len)
{
	char *out = moat_arena_alloc(a, len + 1);
	size_t w = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (p[i] == '!' && i + 1 < len && p[i + 1] >= 'a' && p[i + 1] <= 'z')
			out[w++] = (char)(p[++i] - ('a' - 'A'));
		else
			out[w++] = p[i];
	}
	out[w] = '\0';
	return out;
}

static int license_read(struct moat_lang *lang, const struct moat_file_visit *file,
			struct moat_reader *content, struct moat_error *err)
{
	struct moat_arena *a = moat_lang_arena(lang);
	struct moat_lang_fact fact = { .type = "golang" };
	const char *dir_end = memrchr(file->path, '/', file->path_len);
	bool cache;
	size_t start = module_start(file->path, file->path_len, &cache);
	const char *mod = file->path + start;
	size_t mlen = dir_end && dir_end > mod ? (size_t)(dir_end - mod) : 0;
	const char *at = memchr(mod, '@', mlen);
	struct moat_buf buf;
	int r;

	/* only the module's root: PATH@VERSION/LICENSE, vendor/PATH/LICENSE */
	if (!mlen || (cache && (!at || memchr(at, '/', mlen - (size_t)(at - mod)))))
		return 0;
	if (!cache && !memchr(mod, '/', mlen))
		return 0;
	moat_buf_init(&buf, MOAT_LICENSE_TEXT_MAX + 1);
	r = moat_lang_read_all(lang, file, content, MOAT_LICENSE_TEXT_MAX, &buf, err);
	fact.license = r == 0 ? moat_license_identify(buf.data, buf.len) : NULL;
	moat_buf_release(&buf);
	if (r != 0 || !fact.license)
		return r < 0 ? r : 0;
	if (cache) {
		fact.name = unescape_path(a, mod, (size_t)(at - mod));
		fact.version = unescape_path(a, at + 1, mlen - (size_t)(at - mod) - 1);
		if (!fact.name || !fact.version)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	} else {
		/* DIR/vendor/PATH: the go.mod beside vendor/ requires PATH */
		fact.dir = moat_arena_strndup(a, file->path, start >= 8 ? start - 8 : 0);
		fact.name = moat_arena_strndup(a, mod, mlen);
		if (!fact.dir || !fact.name)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	}
	return moat_lang_add_fact(lang, file, &fact, err);
}

static int gomod_read(struct moat_lang *lang, const struct moat_file_visit *file,
		      struct moat_reader *content, struct moat_error *err)
{
	bool sum = memcmp(file->path + file->path_len - 3, "sum", 3) == 0;
	struct moat_go_module *mods = NULL;
	struct moat_buf buf;
	size_t n = 0, bad = 0;
	int r;

	if (!(file->path_len >= 6 && (!memcmp(file->path + file->path_len - 6, "go.mod", 6) ||
				      !memcmp(file->path + file->path_len - 6, "go.sum", 6))))
		return license_read(lang, file, content, err);

	moat_buf_init(&buf, GOMOD_MAX_BYTES + 1);
	r = moat_lang_read_all(lang, file, content, GOMOD_MAX_BYTES, &buf, err);
	if (r == 0)
		r = (sum ? moat_go_sum_parse : moat_go_mod_parse)(moat_lang_arena(lang),
								   moat_slice_make(buf.data, buf.len),
								   &mods, &n, &bad, err);
	moat_buf_release(&buf);
	if (r != 0)
		return r < 0 ? r : 0;
	if (bad)
		moat_lang_warn(lang, file, "lang-file-malformed", "%zu malformed lines skipped",
			       bad);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = lang_go_add_module(lang, file, &mods[i], "lockfile", NULL, err);
	return r;
}

const struct moat_lang_cataloger moat_lang_gomod = {
	.name = "go-mod",
	.match = gomod_match,
	.read = gomod_read,
};
