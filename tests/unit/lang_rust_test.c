/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang_rust_test.c - cargo-auditable data and Cargo.lock on real files:
 *
 * - tests/data/lang/rust/demo built by cargo against Debian's crates, its
 *   .dep-v0 section made from `cargo metadata` (build-fixtures.sh; the real
 *   cargo-auditable is not packaged): every resolved package must come out
 *   with its version, the root crate marked;
 * - the Cargo.lock cargo wrote, against Python's tomllib reading it;
 * - a zlib bomb and broken zlib data (made by Python's zlib) are refused.
 *
 * Cases whose tool is missing print a note and pass with nothing checked.
 */
#include <stdlib.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/elf.h"
#include "base/json.h"
#include "base/slice.h"
#include "harness.h"
#include "test-io.h"
#include "moat/error.h"
#include "sbom/lang-rust.h"

#define MAX_PATH 4096

static char fixtures[MAX_PATH]; /* "" when unavailable */

static uint8_t *slurp(const char *path, size_t *ret_len)
{
	return test_slurp(path, (size_t)64 << 20, ret_len);
}

static void find_fixtures(void)
{
	const char *src = getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".";
	const char *cache = getenv("MOAT_CACHE") ? getenv("MOAT_CACHE") : "/var/cache/moat";
	char cmd[3 * MAX_PATH], stamp[MAX_PATH + 16];
	struct moat_buf out;

	snprintf(fixtures, sizeof(fixtures), "%s/rust-fixtures", cache);
	snprintf(stamp, sizeof(stamp), "%s/.done", fixtures);
	if (access(stamp, F_OK) == 0)
		return;
	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd),
		 "sh '%s/tests/data/lang/rust/build-fixtures.sh' '%s' >&2 && touch '%s'", src,
		 fixtures, stamp);
	if (test_run(cmd, &out) != 0) {
		printf("# no Rust fixtures (cargo or Debian's crates missing): %s\n", cmd);
		fixtures[0] = '\0';
	}
	moat_buf_release(&out);
}

static const struct moat_rust_crate *find_crate(const struct moat_rust_crate *c, size_t n,
						const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].name, name) == 0)
			return &c[i];
	return NULL;
}

static void test_lang_rust__auditable_binary(void)
{
	char path[2 * MAX_PATH];
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_error err = { 0 };
	struct moat_elf elf;
	struct moat_elf_section sec;
	struct moat_rust_crate *crates = NULL;
	size_t n = 0, len = 0, mlen = 0;
	uint8_t *data = NULL, *meta = NULL;
	json_t *doc = NULL;
	const json_t *pkgs, *p;
	const char *root;
	size_t i;

	if (!fixtures[0]) {
		printf("# SKIP no Rust fixtures\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/rust-demo", fixtures);
	data = slurp(path, &len);
	snprintf(path, sizeof(path), "%s/metadata.json", fixtures);
	meta = slurp(path, &mlen);
	CHECK(data && meta);
	if (!data || !meta)
		goto out;
	CHECK_INT(moat_json_parse(meta, mlen, 1u << 24, "metadata.json", &doc, &err), 0);
	CHECK_INT(moat_elf_parse(data, len, "rust-demo", &elf, &err), 0);
	CHECK_INT(moat_elf_find_section(&elf, ".dep-v0", &sec), 0);
	CHECK_INT(moat_rust_audit_parse(arena, moat_elf_section_data(&elf, &sec),
					(size_t)sec.size, &crates, &n, &err), 0);
	pkgs = json_object_get(doc, "packages");
	root = moat_json_str(json_object_get(doc, "resolve"), "root");
	CHECK_INT(n, json_array_size(pkgs));
	json_array_foreach(pkgs, i, p) {
		const struct moat_rust_crate *c = find_crate(crates, n, moat_json_str(p, "name"));
		bool local = json_is_null(json_object_get(p, "source"));

		CHECK(c != NULL);
		if (!c)
			continue;
		CHECK_STR(c->version, moat_json_str(p, "version"));
		CHECK_STR(c->source, local ? "local" : "crates.io");
		CHECK_INT(c->root, root && strcmp(root, moat_json_str(p, "id")) == 0);
	}
	printf("# rust-demo: %zu crates from .dep-v0 match cargo metadata\n", n);
out:
	json_decref(doc);
	free(data);
	free(meta);
	moat_arena_close(arena);
}

/* tomllib (Python >= 3.11) is the independent TOML reader. */
static void check_cargo_lock(const char *path)
{
	char cmd[3 * MAX_PATH];
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_error err = { 0 };
	struct moat_rust_crate *crates = NULL;
	struct moat_buf out;
	struct moat_slice text, line;
	size_t n = 0, len = 0, i = 0;
	uint8_t *data = slurp(path, &len);

	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import sys, tomllib\n"
		 "for p in tomllib.load(open(sys.argv[1], \"rb\")).get(\"package\", []):\n"
		 "    print(p[\"name\"], p[\"version\"], p.get(\"source\", \"\"))' '%s'",
		 path);
	if (!data || test_run(cmd, &out) != 0) {
		printf("# %s: not here or no tomllib, not checked\n", path);
		goto out;
	}
	CHECK_INT(moat_cargo_lock_parse(arena, data, len, &crates, &n, &err), 0);
	text = moat_slice_make(out.data, out.len);
	while (moat_slice_line(&text, &line) && i < n) {
		char got[1024], want[1024];

		snprintf(want, sizeof(want), "%.*s", (int)line.len, (const char *)line.ptr);
		snprintf(got, sizeof(got), "%s %s %s", crates[i].name, crates[i].version,
			 crates[i].source);
		CHECK_STR(got, want);
		i++;
	}
	CHECK_INT(i, n);
	CHECK(n > 0);
	printf("# %s: %zu packages match tomllib\n", path, n);
out:
	moat_buf_release(&out);
	free(data);
	moat_arena_close(arena);
}

static void test_lang_rust__cargo_lock(void)
{
	char path[2 * MAX_PATH];

	if (!fixtures[0]) {
		printf("# SKIP no Rust fixtures\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/Cargo.lock", fixtures);
	check_cargo_lock(path);
}

/* Python's zlib makes the inputs: a 9 MiB document (over the 8 MiB bound)
 * that compresses to a few KB, and a stream with a flipped byte. */
static void test_lang_rust__bad_zlib(void)
{
	static const char *const cmds[] = {
		"python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress("
		"b\"{\\\"packages\\\":[]}\" + b\" \" * (9 << 20)))'",
		"python3 -c 'import sys, zlib; d = bytearray(zlib.compress("
		"b\"{\\\"packages\\\":[{\\\"name\\\":\\\"a\\\",\\\"version\\\":\\\"1\\\"}]}\"));"
		" d[len(d) // 2] ^= 0xff; sys.stdout.buffer.write(bytes(d))'",
		"python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress("
		"b\"{\\\"packages\\\":[{\\\"name\\\":\\\"a\\\",\\\"version\\\":\\\"1\\\"}]}\"))'",
	};
	static const int want[] = { MOAT_E_LIMIT, MOAT_E_FORMAT, 0 };
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_buf out;

	moat_buf_init(&out, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct moat_rust_crate *crates = NULL;
		struct moat_error err = { 0 };
		size_t n = 0;

		if (test_run(cmds[i], &out) != 0) {
			printf("# SKIP no python3\n");
			break;
		}
		CHECK_INT(moat_rust_audit_parse(arena, out.data, out.len, &crates, &n, &err),
			  want[i]);
		printf("# case %zu: %s\n", i, err.code ? err.msg : "ok");
	}
	moat_buf_release(&out);
	moat_arena_close(arena);
}

int main(void)
{
	find_fixtures();
	MOAT_RUN(test_lang_rust__auditable_binary);
	MOAT_RUN(test_lang_rust__cargo_lock);
	MOAT_RUN(test_lang_rust__bad_zlib);
	return moat_test_done();
}
