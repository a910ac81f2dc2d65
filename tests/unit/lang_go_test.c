/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang_go_test.c - the ELF reader and the Go build-info, go.mod and go.sum
 * parsers on real files, with Go's and binutils' own tools as the oracles:
 *
 * - `readelf -SW` for every section's name, offset and size;
 * - `go version -m` for the Go version, path, main module and every dep
 *   (path, version, sum, replacement) of: Debian's Go binaries (dockerd,
 *   containerd, ctr, runc), any other Go binaries found here, and the demo
 *   module of tests/data/lang/go built for amd64, 386, ppc64 and mips (ELF64
 *   and ELF32, little and big endian), each also without section headers and
 *   rewritten in the pre-1.18 pointer layout (build-fixtures.sh, goelf.py),
 *   and small ELF files holding only the build info cut out of these and of
 *   dockerd and terraform (tests/data/lang/go/mini, always present);
 * - `go mod edit -json` for go.mod files (Debian's golang-1.19-src and the
 *   demo); go.sum against its own "/go.mod"-free lines.
 *
 * Cases whose tool or file is missing print a note and pass with nothing
 * checked ("# SKIP" in the TAP output).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/elf.h"
#include "base/warn.h"
#include "base/json.h"
#include "base/reader.h"
#include "harness.h"
#include "test-io.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "sbom/lang-go.h"
#include "sbom/lang.h"

#define MAX_PATH 4096
#define MAX_BIN_BYTES ((size_t)512 << 20)

static char fixtures[MAX_PATH];     /* built demo binaries, "" when unavailable */

static const char *const system_bins[] = {
	"/usr/sbin/dockerd", "/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc",
	"/usr/bin/containerd-shim-runc-v2", "/usr/local/bin/docker",
	"/usr/local/bin/terraform", "/usr/lib/go-1.19/bin/go", "/usr/lib/go-1.19/bin/gofmt",
};

static const char *const fixture_bins[] = {
	"demo-amd64", "demo-amd64-noshdr", "demo-amd64-old",
	"demo-386", "demo-386-noshdr", "demo-386-old",
	"demo-ppc64", "demo-ppc64-noshdr", "demo-ppc64-old",
	"demo-mips", "demo-mips-noshdr", "demo-mips-old",
};

/* Build info cut out of real binaries (goelf.py mini), kept in the tree. */
static const char *const mini_bins[] = {
	"demo-amd64", "demo-amd64-noshdr", "demo-386", "demo-386-old", "demo-ppc64",
	"demo-mips", "demo-mips-old", "demo-mips-old-noshdr", "dockerd", "terraform",
};

static bool have_go(void)
{
	return access("/usr/bin/go", X_OK) == 0;
}

/* The whole file, or NULL (not present). */
static uint8_t *slurp(const char *path, size_t *ret_len)
{
	return test_slurp(path, MAX_BIN_BYTES, ret_len);
}

/* ---- readelf ---- */

/* Every named section of `readelf -SW` must decode to the same offset and
 * size, and allocated ones must map back from their address. */
static void check_sections(const char *path, const struct moat_elf *elf)
{
	char cmd[MAX_PATH + 64];
	struct moat_buf out;
	struct moat_slice text, line;
	size_t compared = 0;

	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd), "LC_ALL=C readelf -SW '%s' 2>/dev/null", path);
	if (test_run(cmd, &out) != 0) {
		printf("# %s: readelf failed\n", path);
		moat_buf_release(&out);
		return;
	}
	text = moat_slice_make(out.data, out.len);
	while (moat_slice_line(&text, &line)) {
		char name[256], type[64];
		unsigned long long addr, off, size;
		struct moat_elf_section sec;
		const char *l = (const char *)line.ptr;
		const char *br = memchr(l, ']', line.len);

		if (!br || !memchr(l, '[', line.len) || l[1] != ' ' ||
		    sscanf(br + 1, " %255s %63s %llx %llx %llx", name, type, &addr, &off,
			   &size) != 5)
			continue;
		if (strcmp(name, "NULL") == 0)
			continue;
		CHECK_INT(moat_elf_find_section(elf, name, &sec), 0);
		if (moat_elf_find_section(elf, name, &sec) != 0)
			continue;
		CHECK_INT(sec.offset, off);
		CHECK_INT(sec.size, size);
		CHECK_INT(sec.addr, addr);
		if (sec.addr && sec.type != MOAT_ELF_SHT_NOBITS && sec.size) {
			uint64_t mapped = 0;

			if (moat_elf_vaddr_to_offset(elf, sec.addr, sec.size, &mapped) == 0)
				CHECK_INT(mapped, sec.offset);
		}
		compared++;
	}
	CHECK(compared > 0 || elf->shnum == 0);
	printf("# %s: %zu sections match readelf\n", path, compared);
	moat_buf_release(&out);
}

/* ---- go version -m ---- */

struct oracle_mod {
	char kind[8];        /* "mod", "dep" */
	char path[512];
	char version[256];
	char sum[128];
	char repl_path[512];
	char repl_version[256];
};

struct oracle {
	char go_version[128];
	char path[512];
	struct oracle_mod mods[4096];
	size_t n;
};

static void copy_field(char *dst, size_t size, struct moat_slice s)
{
	snprintf(dst, size, "%.*s", (int)s.len, s.len ? (const char *)s.ptr : "");
}

/* One "\tword\tf1\tf2\tf3" line of `go version -m`. */
static void oracle_line(struct oracle *o, struct moat_slice line)
{
	struct moat_slice word = { NULL, 0 }, f[3] = { { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };

	if (line.len == 0 || line.ptr[0] != '\t')
		return;
	line.ptr++;
	line.len--;
	moat_slice_split(&line, '\t', &word);
	for (int i = 0; i < 3; i++)
		moat_slice_split(&line, '\t', &f[i]);
	if (moat_slice_eq_str(word, "path")) {
		copy_field(o->path, sizeof(o->path), f[0]);
	} else if ((moat_slice_eq_str(word, "mod") || moat_slice_eq_str(word, "dep")) &&
		   o->n < sizeof(o->mods) / sizeof(o->mods[0])) {
		struct oracle_mod *m = &o->mods[o->n++];

		memset(m, 0, sizeof(*m));
		copy_field(m->kind, sizeof(m->kind), word);
		copy_field(m->path, sizeof(m->path), f[0]);
		copy_field(m->version, sizeof(m->version), f[1]);
		copy_field(m->sum, sizeof(m->sum), f[2]);
	} else if (moat_slice_eq_str(word, "=>") && o->n > 0) {
		struct oracle_mod *m = &o->mods[o->n - 1];

		copy_field(m->repl_path, sizeof(m->repl_path), f[0]);
		copy_field(m->repl_version, sizeof(m->repl_version), f[1]);
		copy_field(m->sum, sizeof(m->sum), f[2]);
	}
}

static bool go_version_m(const char *path, struct oracle *o)
{
	char cmd[MAX_PATH + 64];
	struct moat_buf out;
	struct moat_slice text, line;
	const char *colon;
	bool ok;

	memset(o, 0, sizeof(*o));
	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd), "go version -m '%s' 2>/dev/null", path);
	ok = test_run(cmd, &out) == 0 && out.len > 0;
	text = moat_slice_make(out.data, out.len);
	if (ok && moat_slice_line(&text, &line) && (colon = memchr(line.ptr, ':', line.len))) {
		size_t at = (size_t)(colon - (const char *)line.ptr) + 2;

		copy_field(o->go_version, sizeof(o->go_version),
			   moat_slice_make(line.ptr + at, line.len > at ? line.len - at : 0));
	}
	while (ok && moat_slice_line(&text, &line))
		oracle_line(o, line);
	moat_buf_release(&out);
	return ok;
}

/* "(devel)" is dropped by the parser; the oracle prints it. */
static const char *nodevel(const char *v)
{
	return strcmp(v, "(devel)") == 0 ? "" : v;
}

static void check_module(const struct moat_go_module *got, const struct oracle_mod *want)
{
	CHECK_STR(got->path, want->path);
	CHECK_STR(got->version, nodevel(want->version));
	CHECK_STR(got->sum, want->sum);
	if (*want->repl_path) {
		CHECK_STR(got->repl_path, want->repl_path);
		CHECK_STR(got->repl_version ? got->repl_version : "(none)",
			  nodevel(want->repl_version));
	} else {
		CHECK(got->repl_path == NULL);
		if (got->repl_path)
			printf("# %s: unexpected replacement %s\n", got->path, got->repl_path);
	}
}

/* Build info of path as moat reads it vs `go version -m`. */
static void check_go_binary(const char *path)
{
	struct oracle *o = malloc(sizeof(*o));
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_error err = { 0 };
	struct moat_go_buildinfo bi;
	struct moat_slice ver, mod;
	struct moat_elf elf;
	size_t len = 0, deps = 0, k = 0;
	uint8_t *data = slurp(path, &len);

	if (!data || !o || !arena) {
		printf("# %s: not here, not checked\n", path);
		goto out;
	}
	if (!go_version_m(path, o)) {
		printf("# %s: not a Go binary for go version -m, not checked\n", path);
		goto out;
	}
	CHECK_INT(moat_elf_parse(data, len, path, &elf, &err), 0);
	check_sections(path, &elf);
	CHECK_INT(moat_go_buildinfo_find(&elf, &ver, &mod, &err), 0);
	CHECK_INT(moat_go_modinfo_parse(arena, ver, mod, &bi, &err), 0);
	if (err.code)
		printf("# %s: %s\n", path, err.msg);
	CHECK_STR(bi.go_version, o->go_version);
	CHECK_STR(bi.path, o->path);
	if (k < o->n && strcmp(o->mods[k].kind, "mod") == 0)
		check_module(&bi.main, &o->mods[k++]);
	else
		CHECK_STR(bi.main.path, "");
	CHECK_INT(bi.n_deps, o->n - k);
	for (size_t i = 0; k < o->n && i < bi.n_deps; i++, k++, deps++)
		check_module(&bi.deps[i], &o->mods[k]);
	printf("# %s: %s, path %s, main %s, %zu of %zu deps match go version -m\n", path,
	       bi.go_version, bi.path, *bi.main.path ? bi.main.path : "-", deps, bi.n_deps);
out:
	free(data);
	free(o);
	moat_arena_close(arena);
}

static void test_lang_go__system_binaries(void)
{
	if (!have_go()) {
		printf("# SKIP golang-go is not installed\n");
		return;
	}
	for (size_t i = 0; i < sizeof(system_bins) / sizeof(system_bins[0]); i++)
		check_go_binary(system_bins[i]);
}

/* The demo binaries, built once per Go version into the cache. */
static void find_fixtures(void)
{
	const char *src = getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".";
	const char *cache = getenv("MOAT_CACHE") ? getenv("MOAT_CACHE") : "/var/cache/moat";
	char cmd[3 * MAX_PATH], stamp[MAX_PATH + 16];
	struct moat_buf out;

	fixtures[0] = '\0';
	if (!have_go())
		return;
	moat_buf_init(&out, 0);
	if (test_run("go env GOVERSION", &out) != 0 || out.len < 3) {
		moat_buf_release(&out);
		return;
	}
	snprintf(fixtures, sizeof(fixtures), "%s/go-fixtures/%.*s", cache, (int)out.len - 1,
		 (const char *)out.data);
	snprintf(stamp, sizeof(stamp), "%s/.done", fixtures);
	if (access(stamp, F_OK) != 0) {
		snprintf(cmd, sizeof(cmd),
			 "sh '%s/tests/data/lang/go/build-fixtures.sh' '%s' >&2 && touch '%s'", src,
			 fixtures, stamp);
		if (test_run(cmd, &out) != 0) {
			printf("# building the Go fixtures failed: %s\n", cmd);
			fixtures[0] = '\0';
		}
	}
	moat_buf_release(&out);
}

static void test_lang_go__demo_binaries(void)
{
	char path[2 * MAX_PATH];

	if (!fixtures[0]) {
		printf("# SKIP no Go toolchain or fixtures\n");
		return;
	}
	for (size_t i = 0; i < sizeof(fixture_bins) / sizeof(fixture_bins[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fixtures, fixture_bins[i]);
		CHECK(access(path, R_OK) == 0);
		check_go_binary(path);
	}
}

static void test_lang_go__mini_binaries(void)
{
	const char *src = getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".";
	char path[2 * MAX_PATH];

	if (!have_go()) {
		printf("# SKIP golang-go is not installed\n");
		return;
	}
	for (size_t i = 0; i < sizeof(mini_bins) / sizeof(mini_bins[0]); i++) {
		snprintf(path, sizeof(path), "%s/tests/data/lang/go/mini/%s", src, mini_bins[i]);
		CHECK(access(path, R_OK) == 0);
		check_go_binary(path);
	}
}

static void test_lang_go__stdlib_version(void)
{
	/* Go's own tag-to-semver mapping (golang.org/x/vuln internal/semver). */
	static const struct { const char *tag, *want; } rows[] = {
		{ "go1.19.8", "v1.19.8" }, { "go1.21", "v1.21.0" },
		{ "go1.21rc2", "v1.21.0-rc.2" }, { "go1.9beta1", "v1.9.0-beta.1" },
		{ "go1.22.3 X:boringcrypto", "v1.22.3" }, { "devel go1.23-4c5d0e1", NULL },
		{ "go1", NULL }, { "go1.x", NULL }, { "", NULL },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool ok = moat_go_stdlib_version(rows[i].tag, buf, sizeof(buf));

		CHECK_INT(ok, rows[i].want != NULL);
		if (ok && rows[i].want)
			CHECK_STR(buf, rows[i].want);
	}
}

/* ---- go.mod / go.sum ---- */

/* `go mod edit -json` gives Require[] and Replace[]; moat must list the
 * same requires in order, with the replacements applied. */
static void check_gomod(const char *path)
{
	char cmd[MAX_PATH + 64];
	struct moat_buf out;
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_error err = { 0 };
	struct moat_go_module *mods = NULL;
	size_t n = 0, bad = 0, len = 0;
	uint8_t *data = slurp(path, &len);
	json_t *doc = NULL;
	const json_t *req, *rep;

	moat_buf_init(&out, 0);
	if (!data || test_run((snprintf(cmd, sizeof(cmd), "go mod edit -json '%s'", path), cmd), &out) != 0) {
		printf("# %s: not here or go mod edit failed, not checked\n", path);
		goto out;
	}
	CHECK_INT(moat_json_parse(out.data, out.len, 1u << 24, path, &doc, &err), 0);
	CHECK_INT(moat_go_mod_parse(arena, moat_slice_make(data, len), &mods, &n, &bad, &err), 0);
	CHECK_INT(bad, 0);
	req = json_object_get(doc, "Require");
	rep = json_object_get(doc, "Replace");
	CHECK_INT(n, json_array_size(req));
	for (size_t i = 0; i < n && i < json_array_size(req); i++) {
		const json_t *r = json_array_get(req, i);

		CHECK_STR(mods[i].path, moat_json_str(r, "Path"));
		CHECK_STR(mods[i].version, moat_json_str(r, "Version"));
		CHECK_INT(mods[i].indirect, json_is_true(json_object_get(r, "Indirect")));
		for (size_t j = 0; j < json_array_size(rep); j++) {
			const json_t *o = json_object_get(json_array_get(rep, j), "Old");
			const json_t *nw = json_object_get(json_array_get(rep, j), "New");
			const char *ov = moat_json_str(o, "Version");

			if (strcmp(moat_json_str(o, "Path"), mods[i].path) != 0 ||
			    (ov && strcmp(ov, mods[i].version) != 0))
				continue;
			CHECK_STR(mods[i].repl_path, moat_json_str(nw, "Path"));
			CHECK_STR(mods[i].repl_version, moat_json_str(nw, "Version") ?
				  moat_json_str(nw, "Version") : "");
		}
	}
	printf("# %s: %zu requires match go mod edit -json (%zu replaces)\n", path, n,
	       json_array_size(rep));
out:
	json_decref(doc);
	moat_buf_release(&out);
	free(data);
	moat_arena_close(arena);
}

static void test_lang_go__gomod(void)
{
	char path[MAX_PATH];
	const char *src = getenv("MOAT_SRC") ? getenv("MOAT_SRC") : ".";

	if (!have_go()) {
		printf("# SKIP golang-go is not installed\n");
		return;
	}
	check_gomod("/usr/share/go-1.19/src/go.mod");
	check_gomod("/usr/share/go-1.19/src/cmd/go.mod");
	snprintf(path, sizeof(path), "%s/tests/data/lang/go/demo/go.mod", src);
	check_gomod(path);
}

/* go.sum: the "path version hash" lines whose version has no "/go.mod". */
static void check_gosum(const char *path)
{
	char cmd[MAX_PATH + 128];
	struct moat_buf out;
	struct moat_arena *arena = moat_arena_open(0);
	struct moat_error err = { 0 };
	struct moat_go_module *mods = NULL;
	size_t n = 0, bad = 0, len = 0, i = 0;
	uint8_t *data = slurp(path, &len);
	struct moat_slice text, line;

	moat_buf_init(&out, 0);
	snprintf(cmd, sizeof(cmd), "awk '$2 !~ /\\/go.mod$/ {print $1 \" \" $2}' '%s'", path);
	if (!data || test_run(cmd, &out) != 0) {
		printf("# %s: not here, not checked\n", path);
		goto out;
	}
	CHECK_INT(moat_go_sum_parse(arena, moat_slice_make(data, len), &mods, &n, &bad, &err), 0);
	CHECK_INT(bad, 0);
	text = moat_slice_make(out.data, out.len);
	while (moat_slice_line(&text, &line)) {
		char want[1024], got[1024];

		CHECK(i < n);
		if (i >= n)
			break;
		copy_field(want, sizeof(want), line);
		snprintf(got, sizeof(got), "%s %s", mods[i].path, mods[i].version);
		CHECK_STR(got, want);
		i++;
	}
	CHECK_INT(i, n);
	printf("# %s: %zu modules\n", path, n);
out:
	moat_buf_release(&out);
	free(data);
	moat_arena_close(arena);
}

static void test_lang_go__gosum(void)
{
	check_gosum("/usr/share/go-1.19/src/go.sum");
	check_gosum("/usr/share/go-1.19/src/cmd/go.sum");
}

/* ---- the cataloger end to end, and its cost ---- */

static void test_lang_go__catalog_time(void)
{
	const char *path = "/usr/sbin/dockerd";
	struct moat_limits limits;
	struct moat_lang *lang = NULL;
	struct moat_error err = { 0 };
	struct moat_fd_reader fr;
	struct moat_reader rd;
	struct moat_file_visit fv = { 0 };
	struct timespec t0, t1;
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st) < 0) {
		printf("# SKIP %s is not here\n", path);
		if (fd >= 0)
			close(fd);
		return;
	}
	moat_limits_default(&limits);
	CHECK_INT(moat_lang_open(&limits, &lang, &err), 0);
	fv.path = path + 1;
	fv.path_len = strlen(fv.path);
	fv.mode = st.st_mode;
	fv.size = (uint64_t)st.st_size;
	moat_fd_reader_init(&fr, fd, 0, (uint64_t)st.st_size);
	rd = moat_fd_reader(&fr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(moat_lang_visit(lang, &fv, &rd, &err), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(moat_lang_warnings(lang)->count, 0);
	printf("# %s (%lld MB): catalogued in %.1f ms\n", path, (long long)st.st_size >> 20,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	moat_lang_close(lang);
	close(fd);
}

int main(void)
{
	find_fixtures();
	MOAT_RUN(test_lang_go__stdlib_version);
	MOAT_RUN(test_lang_go__mini_binaries);
	MOAT_RUN(test_lang_go__system_binaries);
	MOAT_RUN(test_lang_go__demo_binaries);
	MOAT_RUN(test_lang_go__gomod);
	MOAT_RUN(test_lang_go__gosum);
	MOAT_RUN(test_lang_go__catalog_time);
	return moat_test_done();
}
