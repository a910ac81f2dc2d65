/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkg.c - the package list and Package URL (purl) building.
 *
 * Purls follow the purl specification as published in package-url/purl-spec
 * (ECMA-427 text under docs/ecma/, test data under tests/types/ and
 * test-suite-data.json). The rules that matter here, and why each choice was
 * made, are written down in docs/internals/purl.md.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "base/arena.h"
#include "base/buf.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "pkg.h"

/* First allocation of a package list; doubles from there. */
#define PKG_LIST_FIRST_CAP 64u
/* A purl longer than this is not something any consumer will accept. */
#define PURL_MAX_BYTES ((size_t)64 * 1024)
/* arch, distro, epoch, upstream */
#define PURL_MAX_QUALIFIERS 4

bool moat_pkg_is_os(const struct moat_pkg *pkg)
{
	return !strcmp(pkg->type, "deb") || !strcmp(pkg->type, "apk") || !strcmp(pkg->type, "rpm");
}

int moat_pkg_list_add(struct moat_arena *arena, struct moat_pkg_list *list, struct moat_pkg *pkg)
{
	struct moat_pkg **items;
	size_t new_cap;

	if (!arena || !list || !pkg)
		return MOAT_E_USAGE;
	if (list->count >= MOAT_LIMIT_PACKAGES)
		return MOAT_E_LIMIT;
	if (list->count == list->cap) {
		new_cap = list->cap ? list->cap * 2 : PKG_LIST_FIRST_CAP;
		if (new_cap > MOAT_LIMIT_PACKAGES)
			new_cap = MOAT_LIMIT_PACKAGES;
		/* The old array stays in the arena; the waste is at most the final size. */
		items = moat_arena_grow(arena, list->items, list->count, new_cap,
					sizeof(struct moat_pkg *)); /* NOLINT(bugprone-sizeof-expression): an array of pointers */
		if (!items)
			return MOAT_E_LIMIT;
		list->items = items;
		list->cap = new_cap;
	}
	list->items[list->count++] = pkg;
	return 0;
}

/*
 * Type-specific normalisation from the purl type definitions
 * (types/<type>-definition.json). Types not listed are kept as given.
 */
struct purl_type_rule {
	const char *type;
	bool lower_namespace;
	bool lower_name;
	bool pypi_name;  /* lowercase and '_' becomes '-' */
	bool rpm_epoch;  /* "E:V-R" versions move E into the epoch qualifier */
};

static const struct purl_type_rule purl_type_rules[] = {
	{ .type = "alpm", .lower_namespace = true, .lower_name = true },
	{ .type = "apk", .lower_namespace = true, .lower_name = true },
	{ .type = "bitbucket", .lower_namespace = true, .lower_name = true },
	{ .type = "deb", .lower_namespace = true, .lower_name = true },
	{ .type = "github", .lower_namespace = true, .lower_name = true },
	{ .type = "oci", .lower_name = true },
	{ .type = "pypi", .lower_name = true, .pypi_name = true },
	{ .type = "rpm", .lower_namespace = true, .rpm_epoch = true },
};

/* The type is case insensitive, so is the lookup. */
static const struct purl_type_rule *purl_rule(const char *type)
{
	for (size_t i = 0; i < sizeof(purl_type_rules) / sizeof(purl_type_rules[0]); i++) {
		if (strcasecmp(purl_type_rules[i].type, type) == 0)
			return &purl_type_rules[i];
	}
	return NULL;
}

static char ascii_lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + ('a' - 'A'));
	return c;
}

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Characters left as they are: the spec's Alphanumeric and Punctuation
 * characters (A-Z a-z 0-9 . - _ ~) plus ':', which ECMA-427 says MUST NOT be
 * encoded anywhere. Everything else, non-ASCII bytes included, is encoded.
 */
static bool purl_plain(unsigned char c)
{
	return ascii_alpha((char)c) || ascii_digit((char)c) || c == '.' || c == '-' || c == '_' ||
	       c == '~' || c == ':';
}

enum purl_fold {
	PURL_FOLD_NONE,
	PURL_FOLD_LOWER,
	PURL_FOLD_PYPI,
};

/* Append s[0..len) percent-encoded (upper-case hex, as in the spec's tests). */
static int purl_put_encoded(struct moat_buf *out, const char *s, size_t len, enum purl_fold fold)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = 0;

	for (size_t i = 0; i < len && r == 0; i++) {
		char c = s[i];

		if (fold != PURL_FOLD_NONE)
			c = ascii_lower(c);
		if (fold == PURL_FOLD_PYPI && c == '_')
			c = '-';
		if (purl_plain((unsigned char)c)) {
			r = moat_buf_putc(out, c);
		} else {
			char esc[3] = { '%', hex[(unsigned char)c >> 4], hex[(unsigned char)c & 15] };

			r = moat_buf_append(out, esc, sizeof(esc));
		}
	}
	return r;
}

/* The type must be [A-Za-z][A-Za-z0-9.-]* and is written lowercase, never encoded. */
static int purl_put_type(struct moat_buf *out, const char *type)
{
	int r = 0;

	if (!type || !ascii_alpha(type[0]))
		return MOAT_E_USAGE;
	for (const char *p = type; *p && r == 0; p++) {
		if (!ascii_alpha(*p) && !ascii_digit(*p) && *p != '.' && *p != '-')
			return MOAT_E_USAGE;
		r = moat_buf_putc(out, ascii_lower(*p));
	}
	return r;
}

/* Namespace segments: outer and doubled slashes are dropped, since empty
 * segments are not allowed; each segment is encoded on its own. */
static int purl_put_namespace(struct moat_buf *out, const char *ns, enum purl_fold fold)
{
	const char *p = ns;
	int r = 0;

	while (*p && r == 0) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);

		if (len > 0) {
			r = purl_put_encoded(out, p, len, fold);
			if (r == 0)
				r = moat_buf_putc(out, '/');
		}
		p += len;
		if (*p == '/')
			p++;
	}
	return r;
}

struct purl_qualifier {
	const char *key;
	const char *value;
	size_t value_len;
};

struct purl_qualifiers {
	struct purl_qualifier q[PURL_MAX_QUALIFIERS];
	size_t n;
};

/* Empty values are the same as no qualifier at all (spec: qualifiers). */
static void purl_qualifier_add(struct purl_qualifiers *qs, const char *key, const char *value,
			       size_t len)
{
	if (!value || len == 0 || qs->n >= PURL_MAX_QUALIFIERS)
		return;
	qs->q[qs->n].key = key;
	qs->q[qs->n].value = value;
	qs->q[qs->n].value_len = len;
	qs->n++;
}

/* Keys are sorted lexicographically in the canonical form. */
static void purl_qualifiers_sort(struct purl_qualifiers *qs)
{
	for (size_t i = 1; i < qs->n; i++) {
		struct purl_qualifier cur = qs->q[i];
		size_t j = i;

		while (j > 0 && strcmp(qs->q[j - 1].key, cur.key) > 0) {
			qs->q[j] = qs->q[j - 1];
			j--;
		}
		qs->q[j] = cur;
	}
}

static int purl_put_qualifiers(struct moat_buf *out, struct purl_qualifiers *qs)
{
	int r = 0;

	purl_qualifiers_sort(qs);
	for (size_t i = 0; i < qs->n && r == 0; i++) {
		r = moat_buf_putc(out, i == 0 ? '?' : '&');
		if (r == 0)
			r = moat_buf_append_str(out, qs->q[i].key);
		if (r == 0)
			r = moat_buf_putc(out, '=');
		if (r == 0)
			r = purl_put_encoded(out, qs->q[i].value, qs->q[i].value_len, PURL_FOLD_NONE);
	}
	return r;
}

/* Length of a leading "<digits>:" rpm epoch in version, 0 if there is none. */
static size_t rpm_epoch_len(const char *version)
{
	size_t i = 0;

	while (ascii_digit(version[i]))
		i++;
	return i > 0 && version[i] == ':' ? i : 0;
}

/* Name without leading and trailing slashes, which the spec calls not significant. */
static void purl_trim_name(const char *name, const char **ret_ptr, size_t *ret_len)
{
	size_t len = strlen(name);

	while (len > 0 && *name == '/') {
		name++;
		len--;
	}
	while (len > 0 && name[len - 1] == '/')
		len--;
	*ret_ptr = name;
	*ret_len = len;
}

struct purl_parts {
	const char *type;
	const char *ns;
	const char *name;
	const char *version;
	const char *arch;
	const char *distro;
	const char *upstream;
};

static int purl_build(struct moat_buf *out, const struct purl_parts *in)
{
	const struct purl_type_rule *rule;
	struct purl_qualifiers qs = { .n = 0 };
	const char *name;
	size_t name_len;
	const char *version = in->version;
	size_t epoch = 0;
	int r;

	purl_trim_name(in->name, &name, &name_len);
	if (name_len == 0)
		return MOAT_E_USAGE;
	r = moat_buf_append_str(out, "pkg:");
	if (r == 0)
		r = purl_put_type(out, in->type);
	if (r == 0)
		r = moat_buf_putc(out, '/');
	if (r != 0)
		return r;
	rule = purl_rule(in->type);
	if (in->ns)
		r = purl_put_namespace(out, in->ns,
				       rule && rule->lower_namespace ? PURL_FOLD_LOWER : PURL_FOLD_NONE);
	if (r == 0)
		r = purl_put_encoded(out, name, name_len,
				     !rule ? PURL_FOLD_NONE :
				     rule->pypi_name ? PURL_FOLD_PYPI :
				     rule->lower_name ? PURL_FOLD_LOWER : PURL_FOLD_NONE);
	if (version && rule && rule->rpm_epoch) {
		epoch = rpm_epoch_len(version);
		purl_qualifier_add(&qs, "epoch", version, epoch);
		if (epoch)
			version += epoch + 1;
	}
	if (r == 0 && version && *version) {
		r = moat_buf_putc(out, '@');
		if (r == 0)
			r = purl_put_encoded(out, version, strlen(version), PURL_FOLD_NONE);
	}
	purl_qualifier_add(&qs, "arch", in->arch, in->arch ? strlen(in->arch) : 0);
	purl_qualifier_add(&qs, "distro", in->distro, in->distro ? strlen(in->distro) : 0);
	purl_qualifier_add(&qs, "upstream", in->upstream, in->upstream ? strlen(in->upstream) : 0);
	if (r == 0)
		r = purl_put_qualifiers(out, &qs);
	return r;
}

const char *moat_purl_make(struct moat_arena *arena, const char *type, const char *ns,
			   const char *name, const char *version, const char *arch,
			   const char *distro, const char *upstream)
{
	struct purl_parts parts = {
		.type = type, .ns = ns, .name = name, .version = version,
		.arch = arch, .distro = distro, .upstream = upstream,
	};
	struct moat_buf out;
	const char *purl = NULL;

	if (!arena || !type || !name)
		return NULL;
	moat_buf_init(&out, PURL_MAX_BYTES);
	if (purl_build(&out, &parts) == 0)
		purl = moat_arena_strndup(arena, (const char *)out.data, out.len);
	moat_buf_release(&out);
	return purl;
}
