/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkghash.c - digests of packages and their files, as images record them,
 * and the edges of the dependency graph catalogers draw themselves.
 *
 * An SBOM's component hash must be what the image itself says (a jar's own
 * bytes, npm's integrity from the registry), never a digest of something
 * else presented as the package's. Every digest is checked for its
 * algorithm's length and stored as lowercase hex.
 */
#include <openssl/evp.h>
#include <string.h>

#include "base/arena.h"
#include "moat/error.h"
#include "pkg.h"

/* Longest SRI entry we decode: sha512 is 88 base64 chars. */
#define SRI_B64_MAX 128u

size_t moat_hash_size(enum moat_hash_alg alg)
{
	switch (alg) {
	case MOAT_HASH_MD5: return 16;
	case MOAT_HASH_SHA1: return 20;
	case MOAT_HASH_SHA256: return 32;
	case MOAT_HASH_SHA384: return 48;
	case MOAT_HASH_SHA512: return 64;
	}
	return 0;
}

const char *moat_hash_name(enum moat_hash_alg alg, bool spdx)
{
	switch (alg) {
	case MOAT_HASH_MD5: return "MD5";
	case MOAT_HASH_SHA1: return spdx ? "SHA1" : "SHA-1";
	case MOAT_HASH_SHA256: return spdx ? "SHA256" : "SHA-256";
	case MOAT_HASH_SHA384: return spdx ? "SHA384" : "SHA-384";
	case MOAT_HASH_SHA512: return spdx ? "SHA512" : "SHA-512";
	}
	return "?";
}

static bool is_hex_lower(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int moat_pkg_add_hash(struct moat_arena *arena, struct moat_pkg *pkg, enum moat_hash_alg alg,
		      const char *hex, size_t len)
{
	struct moat_pkg_hash *h;

	if (len != 2 * moat_hash_size(alg) || !is_hex_lower(hex, len))
		return MOAT_E_FORMAT;
	for (size_t i = 0; i < pkg->n_hashes; i++)
		if (pkg->hashes[i].alg == alg && !memcmp(pkg->hashes[i].hex, hex, len))
			return 0;
	h = moat_arena_grow(arena, pkg->hashes, pkg->n_hashes, pkg->n_hashes + 1,
			    sizeof(*h));
	if (!h)
		return MOAT_E_LIMIT;
	h[pkg->n_hashes].alg = alg;
	h[pkg->n_hashes].hex = moat_arena_strndup(arena, hex, len);
	if (!h[pkg->n_hashes].hex)
		return MOAT_E_LIMIT;
	pkg->hashes = h;
	pkg->n_hashes++;
	return 0;
}

static bool sri_alg(const char *s, size_t len, enum moat_hash_alg *ret_alg)
{
	static const struct {
		const char *name;
		enum moat_hash_alg alg;
	} algs[] = {
		{ "sha1", MOAT_HASH_SHA1 },
		{ "sha256", MOAT_HASH_SHA256 },
		{ "sha384", MOAT_HASH_SHA384 },
		{ "sha512", MOAT_HASH_SHA512 },
	};

	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (strlen(algs[i].name) == len && !memcmp(algs[i].name, s, len)) {
			*ret_alg = algs[i].alg;
			return true;
		}
	return false;
}

int moat_hash_hex_from_b64(enum moat_hash_alg alg, const char *b64, size_t len,
			   char hex[2 * 64 + 1])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[SRI_B64_MAX];
	char std[SRI_B64_MAX];
	size_t want = moat_hash_size(alg);
	size_t padded = (want + 2) / 3 * 4;
	size_t pad = 0;
	int n;

	/* padding is optional (RECORD's urlsafe form drops it) */
	if (len > padded || len + 2 < padded || padded > SRI_B64_MAX)
		return MOAT_E_FORMAT;
	for (size_t i = 0; i < padded; i++) {
		char ch = '=';

		if (i < len)
			ch = b64[i];
		if (ch == '-')
			ch = '+';
		else if (ch == '_')
			ch = '/';
		std[i] = ch;
	}
	while (pad < 2 && std[padded - 1 - pad] == '=')
		pad++;
	n = EVP_DecodeBlock(raw, (const unsigned char *)std, (int)padded);
	if (n < 0 || (size_t)n - pad != want)
		return MOAT_E_FORMAT;
	for (size_t i = 0; i < want; i++) {
		hex[2 * i] = digits[raw[i] >> 4];
		hex[2 * i + 1] = digits[raw[i] & 15];
	}
	hex[2 * want] = '\0';
	return 0;
}

/* One "alg-BASE64[?opts]" entry; false when it is not a well-formed one. */
static bool sri_entry(const char *s, size_t len, enum moat_hash_alg *ret_alg,
		      char hex[2 * 64 + 1])
{
	const char *dash = memchr(s, '-', len);
	size_t b64;

	if (!dash || !sri_alg(s, (size_t)(dash - s), ret_alg))
		return false;
	b64 = len - (size_t)(dash - s) - 1;
	for (size_t i = 0; i < b64; i++)
		if (dash[1 + i] == '?') { /* SRI options follow the digest */
			b64 = i;
			break;
		}
	/* SRI is standard base64, padded */
	if (b64 != (moat_hash_size(*ret_alg) + 2) / 3 * 4 || memchr(dash + 1, '-', b64) ||
	    memchr(dash + 1, '_', b64))
		return false;
	return moat_hash_hex_from_b64(*ret_alg, dash + 1, b64, hex) == 0;
}

int moat_pkg_add_sri(struct moat_arena *arena, struct moat_pkg *pkg, const char *sri, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t start, end;
		enum moat_hash_alg alg;
		char hex[2 * 64 + 1];

		while (i < len && (sri[i] == ' ' || sri[i] == '\t' || sri[i] == '\n'))
			i++;
		start = i;
		while (i < len && sri[i] != ' ' && sri[i] != '\t' && sri[i] != '\n')
			i++;
		end = i;
		if (end > start && sri_entry(sri + start, end - start, &alg, hex) &&
		    moat_pkg_add_hash(arena, pkg, alg, hex, strlen(hex)) == MOAT_E_LIMIT)
			return MOAT_E_LIMIT;
	}
	return 0;
}

int moat_pkg_add_dep(struct moat_arena *arena, struct moat_pkg *pkg, struct moat_pkg *dep)
{
	struct moat_pkg **d = pkg->deps;

	if (dep == pkg || pkg->n_deps >= MOAT_PKG_DEPS_MAX)
		return 0;
	for (size_t i = 0; i < pkg->n_deps; i++)
		if (pkg->deps[i] == dep)
			return 0;
	if (pkg->n_deps == pkg->deps_cap) {
		size_t cap = pkg->deps_cap ? 2 * pkg->deps_cap : 4;

		d = moat_arena_grow(arena, pkg->deps, pkg->n_deps, cap,
				    sizeof(*d)); /* NOLINT(bugprone-sizeof-expression): pointers */
		if (!d)
			return MOAT_E_LIMIT;
		pkg->deps_cap = cap;
	}
	d[pkg->n_deps++] = dep;
	pkg->deps = d;
	return 0;
}
