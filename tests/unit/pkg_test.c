/* SPDX-License-Identifier: Apache-2.0 */
/* pkg_test.c - package list growth and purl building (spec rows + moat's own cases). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "harness.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "sbom/pkg.h"

struct purl_row {
	const char *type;
	const char *ns;
	const char *name;
	const char *version;
	const char *arch;
	const char *distro;
	const char *upstream;
	const char *want;    /* NULL: must fail */
};

/* moat's own rows: what the catalogers hand in, and the encoding edges. */
static const struct purl_row moat_rows[] = {
	/* dpkg epoch stays as "1:" (ECMA-427: ':' MUST NOT be encoded), '+' is encoded */
	{ "deb", "debian", "zlib1g", "1:1.2.13.dfsg-1", "amd64", "debian-12", "zlib",
	  "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib" },
	/* binary built from a source with another version: upstream=SRC@SRCVER, '@' encoded */
	{ "deb", "debian", "libgcc-s1", "12.2.0-14", "amd64", "debian-12", "gcc-12@12.2.0-14",
	  "pkg:deb/debian/libgcc-s1@12.2.0-14?arch=amd64&distro=debian-12&upstream=gcc-12%4012.2.0-14" },
	{ "deb", "Debian", "LibFoo", "2.0", NULL, NULL, NULL, "pkg:deb/debian/libfoo@2.0" },
	{ "apk", "alpine", "musl", "1.2.4_git20230717-r4", "x86_64", "alpine-3.19.1", NULL,
	  "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1" },
	/* rpm: epoch moves into a qualifier, name keeps its case, vendor is lowercased */
	{ "rpm", "RedHat", "NetworkManager", "1:1.42.2-1.el9", "x86_64", "rhel-9.3", NULL,
	  "pkg:rpm/redhat/NetworkManager@1.42.2-1.el9?arch=x86_64&distro=rhel-9.3&epoch=1" },
	{ "rpm", "fedora", "bash", "0:5.2.15-1.fc38", "x86_64", NULL, "bash-5.2.15-1.fc38.src.rpm",
	  "pkg:rpm/fedora/bash@5.2.15-1.fc38?arch=x86_64&epoch=0&upstream=bash-5.2.15-1.fc38.src.rpm" },
	/* a colon that is not an epoch prefix stays where it is */
	{ "rpm", "centos", "odd", "a:1-2", NULL, NULL, NULL, "pkg:rpm/centos/odd@a:1-2" },
	/* empty values are dropped, as if absent */
	{ "apk", "alpine", "busybox", "1.36.1-r15", "", "", "", "pkg:apk/alpine/busybox@1.36.1-r15" },
	{ "apk", "alpine", "busybox", "", NULL, NULL, NULL, "pkg:apk/alpine/busybox" },
	/* separators and reserved characters in names and values */
	{ "generic", NULL, "a b/c?d#e@f&g=h%i+j", "1.0 final", "x=y&z", NULL, NULL,
	  "pkg:generic/a%20b%2Fc%3Fd%23e%40f%26g%3Dh%25i%2Bj@1.0%20final?arch=x%3Dy%26z" },
	/* UTF-8 is percent-encoded byte by byte */
	{ "generic", "caf\xc3\xa9", "na\xc3\xafve", "1", NULL, NULL, NULL,
	  "pkg:generic/caf%C3%A9/na%C3%AFve@1" },
	/* outer and doubled slashes in namespaces and names are not significant */
	{ "golang", "/github.com//gorilla/", "/context/", "v1.1.1", NULL, NULL, NULL,
	  "pkg:golang/github.com/gorilla/context@v1.1.1" },
	{ "oci", NULL, "Debian", "sha256:244fd47e07d10", "amd64", NULL, NULL,
	  "pkg:oci/debian@sha256:244fd47e07d10?arch=amd64" },
	/* failures: bad or missing type, empty name */
	{ "3nginx", NULL, "nginx", "0.8.9", NULL, NULL, NULL, NULL },
	{ "ngi:nx", NULL, "nginx", "0.8.9", NULL, NULL, NULL, NULL },
	{ "n g", NULL, "nginx", "0.8.9", NULL, NULL, NULL, NULL },
	{ "", NULL, "nginx", "0.8.9", NULL, NULL, NULL, NULL },
	{ "deb", "debian", "", "1", NULL, NULL, NULL, NULL },
	{ "deb", "debian", "///", "1", NULL, NULL, NULL, NULL },
};

static void check_row(struct moat_arena *arena, const struct purl_row *row, const char *what)
{
	const char *got = moat_purl_make(arena, row->type, row->ns, row->name, row->version,
					 row->arch, row->distro, row->upstream);

	if (!row->want) {
		if (got)
			printf("# %s: expected failure, got \"%s\"\n", what, got);
		CHECK(got == NULL);
		return;
	}
	if (!got || strcmp(got, row->want) != 0)
		printf("# %s\n", what);
	CHECK_STR(got, row->want);
}

static void test_pkg__purl_moat_rows(void)
{
	struct moat_arena *arena = moat_arena_open(0);

	for (size_t i = 0; i < sizeof(moat_rows) / sizeof(moat_rows[0]); i++) {
		char what[64];

		snprintf(what, sizeof(what), "moat row %zu", i);
		check_row(arena, &moat_rows[i], what);
	}
	moat_arena_close(arena);
}

static const char *jstr(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A spec build row to our API: epoch becomes the rpm "E:" version prefix. */
static void check_spec_row(struct moat_arena *arena, const json_t *test)
{
	const json_t *input = json_object_get(test, "input");
	const json_t *quals = json_object_get(input, "qualifiers");
	const char *version = jstr(input, "version");
	const char *epoch = jstr(quals, "epoch");
	struct purl_row row;

	if (epoch && version)
		version = moat_arena_printf(arena, "%s:%s", epoch, version);
	row = (struct purl_row){
		.type = jstr(input, "type"), .ns = jstr(input, "namespace"),
		.name = jstr(input, "name"), .version = version,
		.arch = jstr(quals, "arch"), .distro = jstr(quals, "distro"),
		.upstream = jstr(quals, "upstream"), .want = jstr(test, "expected_output"),
	};
	check_row(arena, &row, jstr(test, "description"));
}

static void test_pkg__purl_spec_rows(void)
{
	const char *src = getenv("MOAT_SRC");
	char path[4096];
	json_error_t jerr;
	json_t *doc;
	const json_t *tests;
	struct moat_arena *arena = moat_arena_open(0);

	snprintf(path, sizeof(path), "%s/tests/data/report/purl-spec-build.json", src ? src : ".");
	doc = json_load_file(path, 0, &jerr);
	if (!doc)
		printf("# %s: %s\n", path, jerr.text);
	CHECK(doc != NULL);
	tests = json_object_get(doc, "tests");
	CHECK(json_array_size(tests) >= 20);
	for (size_t i = 0; i < json_array_size(tests); i++)
		check_spec_row(arena, json_array_get(tests, i));
	json_decref(doc);
	moat_arena_close(arena);
}

static void test_pkg__purl_arena_exhausted(void)
{
	struct moat_arena *arena = moat_arena_open(16);

	CHECK(moat_arena_alloc(arena, 16) != NULL);
	CHECK(moat_purl_make(arena, "deb", "debian", "curl", "1", NULL, NULL, NULL) == NULL);
	CHECK(moat_purl_make(NULL, "deb", "debian", "curl", "1", NULL, NULL, NULL) == NULL);
	moat_arena_close(arena);
}

static void test_pkg__list_grows(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_pkg_list list = { 0 };
	struct moat_pkg pkgs[300];

	for (size_t i = 0; i < 300; i++) {
		pkgs[i] = (struct moat_pkg){ .type = "deb", .name = "p", .version = "1" };
		CHECK_INT(moat_pkg_list_add(arena, &list, &pkgs[i]), 0);
	}
	CHECK_INT((int)list.count, 300);
	CHECK(list.cap >= 300);
	for (size_t i = 0; i < 300; i++)
		CHECK(list.items[i] == &pkgs[i]);
	CHECK_INT(moat_pkg_list_add(arena, &list, NULL), MOAT_E_USAGE);
	moat_arena_close(arena);
}

static void test_pkg__list_limits(void)
{
	struct moat_arena *small = moat_arena_open(256);
	struct moat_pkg_list list = { 0 };
	struct moat_pkg pkg = { .type = "deb", .name = "p", .version = "1" };

	/* The first array (64 pointers) does not fit in 256 bytes: MOAT_E_LIMIT, list untouched. */
	CHECK_INT(moat_pkg_list_add(small, &list, &pkg), MOAT_E_LIMIT);
	CHECK_INT((int)list.count, 0);
	moat_arena_close(small);

	/* A full list refuses more without allocating. */
	list = (struct moat_pkg_list){ .items = NULL, .count = MOAT_LIMIT_PACKAGES,
				       .cap = MOAT_LIMIT_PACKAGES };
	small = moat_arena_open(0);
	CHECK_INT(moat_pkg_list_add(small, &list, &pkg), MOAT_E_LIMIT);
	moat_arena_close(small);
}

/* Subresource Integrity strings as npm writes them, and what must be refused. */
static void test_pkg__sri_rows(void)
{
	static const struct {
		const char *sri;
		size_t n;               /* digests kept */
		const char *first_hex;  /* of the first kept, or NULL */
	} rows[] = {
		/* sha512 of "" */
		{ "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR2hUYoCwkNfnWRrQ==",
		  1, "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd44768546280b090d7e7591ad" },
		/* sha1 of "", then a duplicate and an unknown algorithm */
		{ "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk= md5-1B2M2Y8AsgTpgAmY7PhCfg==",
		  1, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		/* SRI options after '?' are not part of the digest */
		{ "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=?foo", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ "sha512-tooshort==", 0, NULL },
		{ "sha1-2jmj7l5rSw0yVb/vlWAYkK/YBw!=", 0, NULL },
		{ "sha512", 0, NULL },
		{ "", 0, NULL },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_arena *arena = moat_arena_open(0);
		struct moat_pkg p = { .type = "npm", .name = "x", .version = "1" };

		CHECK_INT(moat_pkg_add_sri(arena, &p, rows[i].sri, strlen(rows[i].sri)), 0);
		CHECK_INT((int)p.n_hashes, (int)rows[i].n);
		if (rows[i].first_hex && p.n_hashes)
			CHECK_STR(p.hashes[0].hex, rows[i].first_hex);
		moat_arena_close(arena);
	}
}

/* Edges: once each, none to itself, growth past the first block. */
static void test_pkg__add_dep(void)
{
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_pkg a = { .type = "npm", .name = "a", .version = "1" };
	struct moat_pkg others[20];

	for (size_t i = 0; i < 20; i++) {
		others[i] = (struct moat_pkg){ .type = "npm", .name = "b", .version = "1" };
		CHECK_INT(moat_pkg_add_dep(arena, &a, &others[i]), 0);
		CHECK_INT(moat_pkg_add_dep(arena, &a, &others[i]), 0);
	}
	CHECK_INT(moat_pkg_add_dep(arena, &a, &a), 0);
	CHECK_INT((int)a.n_deps, 20);
	for (size_t i = 0; i < 20; i++)
		CHECK(a.deps[i] == &others[i]);
	CHECK_INT(moat_pkg_add_hash(arena, &a, MOAT_HASH_MD5, "XYZ", 3), MOAT_E_FORMAT);
	CHECK_INT(moat_pkg_add_hash(arena, &a, MOAT_HASH_MD5, "d41d8cd98f00b204e9800998ecf8427e", 32), 0);
	CHECK_INT((int)a.n_hashes, 1);
	moat_arena_close(arena);
}

int main(void)
{
	MOAT_RUN(test_pkg__purl_moat_rows);
	MOAT_RUN(test_pkg__purl_spec_rows);
	MOAT_RUN(test_pkg__purl_arena_exhausted);
	MOAT_RUN(test_pkg__list_grows);
	MOAT_RUN(test_pkg__list_limits);
	MOAT_RUN(test_pkg__sri_rows);
	MOAT_RUN(test_pkg__add_dep);
	return moat_test_done();
}
