/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang-go.c - Go module build info from ELF binaries, and the cataloger that
 * reads every ELF executable or shared object (Go build info, then Rust's
 * cargo-auditable data, see lang-rust.c).
 *
 * The build info layout is the one Go's debug/buildinfo reads: a 32-byte
 * header starting "\xff Go buildinf:", pointer size at [14], flags at [15]
 * (bit 0 big endian, bit 1 inline strings). Go >= 1.18 writes the version and
 * the modinfo as uvarint-length strings right after the header; older
 * toolchains write two pointers to Go string headers {data, len}.
 *
 * What becomes a package (type golang, evidence "installed"):
 * - the toolchain as "stdlib", versioned as Go's vulnerability database and
 *   Trivy spell it ("go1.19.8" -> "v1.19.8", purl pkg:golang/stdlib@v1.19.8);
 *   Syft writes its version as "go1.19.8" with purl version "1.19.8", but the
 *   "v" form is what module versions use, so one version scheme covers all;
 * - the main module, unless its version is "(devel)" or empty (a plain
 *   `go build`), which says nothing a scanner can match;
 * - every dep. A replaced dep is reported as its replacement (the code that
 *   was linked), with the original path and version in source_name and
 *   source_version; a directory replacement keeps the original path with an
 *   empty version, since the local code has none.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/elf.h"
#include "base/reader.h"
#include "moat/error.h"
#include "lang-go.h"
#include "lang-rust.h"
#include "lang.h"

/* A Go binary is 10-100 MB, a static Kubernetes one ~200; beyond 512 MiB the
 * file is skipped with a warning rather than held in memory. */
#define LANG_ELF_MAX_BYTES (512ull << 20)
/* Executables smaller than this are scripts or stubs, never Go or Rust. */
#define LANG_ELF_MIN_BYTES 1024u
#define GO_MAGIC "\xff Go buildinf:"
#define GO_MAGIC_LEN 14u
#define GO_HEADER_LEN 32u
#define GO_ALIGN 16u
/* The toolchain version string: "go1.22.3 X:boringcrypto" at most. */
#define GO_VERSION_MAX 1024u

/* ---- locating the build info ---- */

/* The first 16-byte aligned (by address) magic in data[0..len) loaded at
 * vaddr, or NULL. */
static const uint8_t *find_magic(const uint8_t *data, size_t len, uint64_t vaddr)
{
	size_t i = (size_t)((GO_ALIGN - (vaddr % GO_ALIGN)) % GO_ALIGN);

	while (i < len && len - i >= GO_HEADER_LEN) {
		const uint8_t *hit = memmem(data + i, len - i, GO_MAGIC, GO_MAGIC_LEN);
		size_t at;

		if (!hit)
			return NULL;
		at = (size_t)(hit - data);
		if ((vaddr + at) % GO_ALIGN == 0)
			return len - at >= GO_HEADER_LEN ? hit : NULL;
		i = at + 1;
		i += (size_t)((GO_ALIGN - ((vaddr + i) % GO_ALIGN)) % GO_ALIGN);
	}
	return NULL;
}

/* The header, from the section or else from the writable data segments. */
static const uint8_t *find_header(const struct moat_elf *elf, const uint8_t **ret_end)
{
	struct moat_elf_section sec;
	struct moat_elf_segment seg;
	const uint8_t *hit;

	if (moat_elf_find_section(elf, ".go.buildinfo", &sec) == 0) {
		const uint8_t *d = moat_elf_section_data(elf, &sec);

		hit = d ? find_magic(d, (size_t)sec.size, sec.addr) : NULL;
		*ret_end = d ? d + sec.size : NULL;
		return hit;
	}
	for (uint32_t i = 0; i < elf->phnum; i++) {
		if (moat_elf_segment(elf, i, &seg, NULL) < 0 || seg.type != MOAT_ELF_PT_LOAD ||
		    (seg.flags & (MOAT_ELF_PF_W | MOAT_ELF_PF_X)) != MOAT_ELF_PF_W)
			continue;
		hit = find_magic(elf->data + seg.offset, (size_t)seg.filesz, seg.vaddr);
		if (hit) {
			*ret_end = elf->data + seg.offset + seg.filesz;
			return hit;
		}
	}
	return NULL;
}

/* Go's binary.Uvarint over in; consumes it. False on overflow or truncation. */
static bool read_uvarint(struct moat_slice *in, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0, i = 0; i < in->len && shift < 64; i++, shift += 7) {
		uint8_t b = in->ptr[i];

		if (shift == 63 && b > 1)
			return false;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			in->ptr += i + 1;
			in->len -= i + 1;
			*ret = v;
			return true;
		}
	}
	return false;
}

static bool read_inline(struct moat_slice *in, uint64_t max, struct moat_slice *ret)
{
	uint64_t n;

	if (!read_uvarint(in, &n) || n > in->len || n > max)
		return false;
	*ret = moat_slice_make(in->ptr, (size_t)n);
	in->ptr += n;
	in->len -= (size_t)n;
	return true;
}

static uint64_t load_ptr(const uint8_t *p, unsigned ptr_size, bool big_endian)
{
	return ptr_size == 8 ? moat_load_u64(p, big_endian) : moat_load_u32(p, big_endian);
}

/* A Go string whose header {data, len} is at vaddr (pre-1.18 layout). */
static bool read_pointed(const struct moat_elf *elf, uint64_t vaddr, unsigned ptr_size,
			 bool big_endian, uint64_t max, struct moat_slice *ret)
{
	uint64_t off, data, len;

	if (moat_elf_vaddr_to_offset(elf, vaddr, 2ull * ptr_size, &off) < 0)
		return false;
	data = load_ptr(elf->data + off, ptr_size, big_endian);
	len = load_ptr(elf->data + off + ptr_size, ptr_size, big_endian);
	if (len > max)
		return false;
	if (len == 0) {
		*ret = moat_slice_make(NULL, 0);
		return true;
	}
	if (moat_elf_vaddr_to_offset(elf, data, len, &off) < 0)
		return false;
	*ret = moat_slice_make(elf->data + off, (size_t)len);
	return true;
}

/* runtime/debug.modinfo is wrapped in two 16-byte sentinels; Go's reader
 * drops them only when the byte before the trailing one is a newline. */
static struct moat_slice strip_sentinels(struct moat_slice mod)
{
	if (mod.len >= 33 && mod.ptr[mod.len - 17] == '\n')
		return moat_slice_make(mod.ptr + 16, mod.len - 32);
	return moat_slice_make(NULL, 0);
}

int moat_go_buildinfo_find(const struct moat_elf *elf, struct moat_slice *ret_version,
			   struct moat_slice *ret_modinfo, struct moat_error *err)
{
	const uint8_t *end = NULL;
	const uint8_t *hdr = find_header(elf, &end);
	struct moat_slice ver, mod;
	unsigned ptr_size;
	bool big;

	if (!hdr)
		return 1;
	ptr_size = hdr[14];
	big = hdr[15] & 1;
	if (hdr[15] & 2) {
		struct moat_slice in = moat_slice_make(hdr + GO_HEADER_LEN,
						       (size_t)(end - hdr) - GO_HEADER_LEN);

		if (!read_inline(&in, GO_VERSION_MAX, &ver) ||
		    !read_inline(&in, MOAT_GO_MODINFO_MAX, &mod))
			return moat_error_set(err, MOAT_E_FORMAT,
					      "Go build info: inline strings run past the data");
	} else {
		if (ptr_size != 4 && ptr_size != 8)
			return moat_error_set(err, MOAT_E_FORMAT,
					      "Go build info: pointer size %u", ptr_size);
		if (!read_pointed(elf, load_ptr(hdr + 16, ptr_size, big), ptr_size, big,
				  GO_VERSION_MAX, &ver) ||
		    !read_pointed(elf, load_ptr(hdr + 16 + ptr_size, ptr_size, big), ptr_size,
				  big, MOAT_GO_MODINFO_MAX, &mod))
			return moat_error_set(err, MOAT_E_FORMAT,
					      "Go build info: string pointers outside the loaded segments");
	}
	*ret_version = ver;
	*ret_modinfo = strip_sentinels(mod);
	return 0;
}

/* ---- modinfo text ---- */

static const char *dup(struct moat_arena *arena, struct moat_slice s)
{
	return moat_arena_strndup(arena, s.len ? (const char *)s.ptr : "", s.len);
}

/* "(devel)" is what Go writes for a module built from its own tree. */
static const char *dup_version(struct moat_arena *arena, struct moat_slice s)
{
	return moat_slice_eq_str(s, "(devel)") ? dup(arena, moat_slice_make(NULL, 0)) :
						 dup(arena, s);
}

/* Fill path, version and sum from "path\tversion[\tsum]". */
static int parse_module(struct moat_arena *arena, struct moat_slice rest,
			struct moat_go_module *mod)
{
	struct moat_slice path, version = { NULL, 0 }, sum = { NULL, 0 };

	if (!moat_slice_split(&rest, '\t', &path) || path.len == 0)
		return MOAT_E_FORMAT;
	moat_slice_split(&rest, '\t', &version);
	moat_slice_split(&rest, '\t', &sum);
	mod->path = dup(arena, path);
	mod->version = dup_version(arena, version);
	mod->sum = dup(arena, sum);
	return mod->path && mod->version && mod->sum ? 0 : MOAT_E_LIMIT;
}

static int add_dep(struct moat_arena *arena, struct moat_go_buildinfo *out, size_t *cap,
		   struct moat_go_module **ret_mod)
{
	if (out->n_deps >= MOAT_GO_MAX_MODULES)
		return MOAT_E_LIMIT;
	if (out->n_deps == *cap) {
		size_t new_cap = *cap ? *cap * 2 : 32;
		struct moat_go_module *grown = moat_arena_grow(arena, out->deps, out->n_deps,
							       new_cap, sizeof(*grown));

		if (!grown)
			return MOAT_E_LIMIT;
		out->deps = grown;
		*cap = new_cap;
	}
	*ret_mod = &out->deps[out->n_deps++];
	memset(*ret_mod, 0, sizeof(**ret_mod));
	return 0;
}

/* A "=>" line replaces the module of the line before it. */
static int parse_replace(struct moat_arena *arena, struct moat_slice rest,
			 struct moat_go_module *last)
{
	struct moat_go_module repl = { 0 };
	int r;

	if (!last || last->repl_path)
		return MOAT_E_FORMAT;
	if ((r = parse_module(arena, rest, &repl)) < 0)
		return r;
	last->repl_path = repl.path;
	last->repl_version = repl.version;
	last->sum = repl.sum;
	return 0;
}

static int parse_line(struct moat_arena *arena, struct moat_slice line,
		      struct moat_go_buildinfo *out, size_t *cap, struct moat_go_module **last)
{
	struct moat_slice word;
	struct moat_go_module *mod;
	int r;

	if (!moat_slice_split(&line, '\t', &word))
		return 0;
	if (moat_slice_eq_str(word, "path")) {
		out->path = dup(arena, line);
		return out->path ? 0 : MOAT_E_LIMIT;
	}
	if (moat_slice_eq_str(word, "go")) {
		if (!out->go_version || !*out->go_version)
			out->go_version = dup(arena, line);
		return out->go_version ? 0 : MOAT_E_LIMIT;
	}
	if (moat_slice_eq_str(word, "build")) {
		out->n_settings++;
		return 0;
	}
	if (moat_slice_eq_str(word, "=>"))
		return parse_replace(arena, line, *last);
	if (moat_slice_eq_str(word, "mod")) {
		*last = &out->main;
		return parse_module(arena, line, &out->main);
	}
	if (!moat_slice_eq_str(word, "dep"))
		return 0;
	if ((r = add_dep(arena, out, cap, &mod)) < 0)
		return r;
	*last = mod;
	return parse_module(arena, line, mod);
}

int moat_go_modinfo_parse(struct moat_arena *arena, struct moat_slice go_version,
			  struct moat_slice modinfo, struct moat_go_buildinfo *out,
			  struct moat_error *err)
{
	struct moat_go_buildinfo bi = { 0 };
	struct moat_go_module *last = NULL;
	struct moat_slice line;
	size_t cap = 0, lineno = 0;
	int r;

	if (modinfo.len > MOAT_GO_MODINFO_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "Go modinfo of %zu bytes", modinfo.len);
	bi.go_version = dup(arena, go_version);
	bi.path = dup(arena, moat_slice_make(NULL, 0));
	bi.main.path = bi.path;
	bi.main.version = bi.path;
	bi.main.sum = bi.path;
	if (!bi.go_version || !bi.path)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	while (moat_slice_line(&modinfo, &line)) {
		lineno++;
		if ((r = parse_line(arena, line, &bi, &cap, &last)) == MOAT_E_LIMIT)
			return moat_error_set(err, r, "Go modinfo: more than %u modules or out of memory",
					      MOAT_GO_MAX_MODULES);
		if (r < 0)
			return moat_error_set(err, r, "Go modinfo: line %zu: malformed module line",
					      lineno);
	}
	*out = bi;
	return 0;
}

/* ---- stdlib version ---- */

static size_t digits(const char *s)
{
	size_t n = 0;

	while (s[n] >= '0' && s[n] <= '9')
		n++;
	return n;
}

bool moat_go_stdlib_version(const char *tag, char *buf, size_t size)
{
	const char *major = tag + 2, *minor, *patch = "0", *pre = "", *pre_num = "", *q;
	size_t n_major, n_minor, n_patch = 1, n_pre = 0, n_pre_num = 0;
	int n;

	if (strncmp(tag, "go", 2) != 0 || !(n_major = digits(major)) || major[n_major] != '.')
		return false;
	minor = major + n_major + 1;
	if (!(n_minor = digits(minor)))
		return false;
	q = minor + n_minor;
	if (*q == '.') {
		patch = q + 1;
		if (!(n_patch = digits(patch)))
			return false;
		q = patch + n_patch;
	}
	if (strncmp(q, "rc", 2) == 0 || strncmp(q, "beta", 4) == 0) {
		pre = q;
		n_pre = q[0] == 'r' ? 2 : 4;
		pre_num = q + n_pre;
		if (!(n_pre_num = digits(pre_num)))
			return false;
		q = pre_num + n_pre_num;
	}
	if (*q != '\0' && *q != ' ')
		return false;
	/* "rc2" in a Go tag is "-rc.2" in semver */
	n = snprintf(buf, size, "v%.*s.%.*s.%.*s%s%.*s%s%.*s", (int)n_major, major, (int)n_minor,
		     minor, (int)n_patch, patch, n_pre ? "-" : "", (int)n_pre, pre,
		     n_pre ? "." : "", (int)n_pre_num, pre_num);
	return n > 0 && (size_t)n < size;
}

/* ---- packages ---- */

/* A golang purl: every path element but the last is the namespace. */
static const char *go_purl(struct moat_arena *arena, const char *path, const char *version)
{
	const char *slash = strrchr(path, '/');
	const char *ns = slash ? moat_arena_strndup(arena, path, (size_t)(slash - path)) : NULL;

	if (slash && !ns)
		return NULL;
	return moat_purl_make(arena, "golang", ns, slash ? slash + 1 : path, version, NULL, NULL,
			      NULL);
}

static int add_go(struct moat_lang *lang, const struct moat_file_visit *file, const char *path,
		  const char *version, const struct moat_go_module *orig, const char *evidence,
		  struct moat_pkg **ret_pkg, struct moat_error *err)
{
	struct moat_arena *arena = moat_lang_arena(lang);
	struct moat_pkg *pkg = moat_lang_pkg_new(lang, "golang", path, version, evidence);

	if (!pkg || !(pkg->purl = go_purl(arena, path, version)))
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (orig) {
		pkg->source_name = orig->path;
		pkg->source_version = orig->version;
	}
	if (ret_pkg)
		*ret_pkg = pkg;
	return moat_lang_add(lang, file, pkg, err);
}

/* go.sum's and the build info's "h1:" is Go's own module digest: SHA-256
 * (base64) of the module's file list with each file's SHA-256 (dirhash
 * Hash1), which the go command checks every download against. */
static int add_h1(struct moat_lang *lang, struct moat_pkg *pkg, const char *sum,
		  struct moat_error *err)
{
	char hex[2 * 64 + 1];

	if (!sum || strncmp(sum, "h1:", 3) != 0 ||
	    moat_hash_hex_from_b64(MOAT_HASH_SHA256, sum + 3, strlen(sum + 3), hex) != 0)
		return 0;
	if (moat_pkg_add_hash(moat_lang_arena(lang), pkg, MOAT_HASH_SHA256, hex, 64) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return 0;
}

/* A module line as a package; see the head of this file for replacements. */
int lang_go_add_module(struct moat_lang *lang, const struct moat_file_visit *file,
		       const struct moat_go_module *mod, const char *evidence,
		       struct moat_pkg **ret_pkg, struct moat_error *err)
{
	struct moat_pkg *pkg = NULL;
	int r;

	if (!mod->repl_path)
		r = add_go(lang, file, mod->path, mod->version, NULL, evidence, &pkg, err);
	else if (*mod->repl_version)
		r = add_go(lang, file, mod->repl_path, mod->repl_version, mod, evidence, &pkg, err);
	else
		r = add_go(lang, file, mod->path, "", mod, evidence, &pkg, err);
	if (r == 0 && pkg && *pkg->version)
		r = add_h1(lang, pkg, mod->sum, err);
	if (ret_pkg)
		*ret_pkg = pkg;
	return r;
}

static int go_add_all(struct moat_lang *lang, const struct moat_file_visit *file,
		      const struct moat_go_buildinfo *bi, struct moat_error *err)
{
	struct moat_arena *arena = moat_lang_arena(lang);
	struct moat_pkg *main_pkg = NULL;
	struct moat_pkg *dep = NULL;
	char stdlib[64];
	int r = 0;

	/* The graph a binary records: its main module needs every module
	 * linked in, and the toolchain's standard library. */
	if (moat_go_stdlib_version(bi->go_version, stdlib, sizeof(stdlib)))
		r = add_go(lang, file, "stdlib", stdlib, NULL, "installed", &dep, err);
	if (r == 0 && *bi->main.path && (*bi->main.version || bi->main.repl_path))
		r = lang_go_add_module(lang, file, &bi->main, "installed", &main_pkg, err);
	if (r == 0 && main_pkg && dep && moat_pkg_add_dep(arena, main_pkg, dep) < 0)
		r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	for (size_t i = 0; r == 0 && i < bi->n_deps; i++) {
		r = lang_go_add_module(lang, file, &bi->deps[i], "installed", &dep, err);
		if (r == 0 && main_pkg && moat_pkg_add_dep(arena, main_pkg, dep) < 0)
			r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	}
	return r;
}

static int go_scan(struct moat_lang *lang, const struct moat_file_visit *file,
		   const struct moat_elf *elf, struct moat_error *err)
{
	struct moat_slice ver, mod;
	struct moat_go_buildinfo bi;
	struct moat_error why = { 0 };
	int r = moat_go_buildinfo_find(elf, &ver, &mod, &why);

	if (r == 0)
		r = moat_go_modinfo_parse(moat_lang_arena(lang), ver, mod, &bi, &why);
	if (r == 0)
		return go_add_all(lang, file, &bi, err);
	if (r == MOAT_E_FORMAT)
		moat_lang_warn(lang, file, moat_lang_code(why.code), "%s", why.msg);
	if (r == MOAT_E_LIMIT)
		return moat_error_set(err, r, "%.*s: %s", (int)file->path_len, file->path,
				      why.msg);
	return 0;
}

/* ---- the ELF cataloger ---- */

static bool elf_match(const char *path, size_t len, uint32_t mode, uint64_t size)
{
	size_t i = len;

	if ((mode & 0111) && size >= LANG_ELF_MIN_BYTES)
		return true;
	/* "*.so" and versioned "*.so.1.2" */
	while (i > 0 && ((path[i - 1] >= '0' && path[i - 1] <= '9') || path[i - 1] == '.'))
		i--;
	if (i < len && path[i] != '.')
		return false;
	return i >= 3 && memcmp(path + i - 3, ".so", 3) == 0 && size >= 4;
}

/* Replays the already read header, then the rest of the stream. */
struct prefix_reader {
	const uint8_t *head;
	size_t len;
	size_t pos;
	struct moat_reader *rest;
};

static ssize_t prefix_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct prefix_reader *pr = ctx;
	size_t n = pr->len - pr->pos;

	if (n == 0)
		return moat_read(pr->rest, buf, len, err);
	if (n > len)
		n = len;
	memcpy(buf, pr->head + pr->pos, n);
	pr->pos += n;
	return (ssize_t)n;
}

static int elf_scan(struct moat_lang *lang, const struct moat_file_visit *file,
		    const struct moat_buf *buf, struct moat_error *err)
{
	struct moat_elf elf;
	struct moat_error why = { 0 };
	int r;

	if (moat_elf_parse(buf->data, buf->len, "ELF", &elf, &why) < 0) {
		moat_lang_warn(lang, file, moat_lang_code(why.code), "%s", why.msg);
		return 0;
	}
	if ((r = go_scan(lang, file, &elf, err)) < 0)
		return r;
	return lang_rust_scan_elf(lang, file, &elf, err);
}

/* Only files that start with the ELF magic are read whole; for the rest the
 * stream stops after the header and the tar reader skips what is left. */
static int elf_read(struct moat_lang *lang, const struct moat_file_visit *file,
		    struct moat_reader *content, struct moat_error *err)
{
	uint8_t head[MOAT_ELF_HEADER_MAX];
	size_t n = file->size < sizeof(head) ? (size_t)file->size : sizeof(head);
	struct prefix_reader pr = { head, n, 0, content };
	struct moat_reader rd = { prefix_read, &pr, NULL };
	struct moat_buf *buf;
	int r;

	if (file->held && file->held_len == file->size && file->size <= LANG_ELF_MAX_BYTES) {
		/* Held whole by the content scanners: parse it there (a view,
		 * read only: elf_scan takes it const). */
		const struct moat_buf view = { (uint8_t *)(uintptr_t)file->held, file->held_len,
					       file->held_len, file->held_len };

		if (!moat_elf_is_magic(file->held, n))
			return 0;
		r = elf_scan(lang, file, &view, err);
		return r < 0 ? r : 0;
	}
	if ((r = moat_read_full(content, head, n, err)) < 0)
		return r;
	if (!moat_elf_is_magic(head, n))
		return 0;
	buf = moat_lang_scratch(lang, LANG_ELF_MAX_BYTES + 1);
	r = moat_lang_read_all(lang, file, &rd, LANG_ELF_MAX_BYTES, buf, err);
	if (r == 0)
		r = elf_scan(lang, file, buf, err);
	return r < 0 ? r : 0;
}

/* Every ELF executable and shared object: Go build info and Rust
 * cargo-auditable data. It claims files by mode, so it must stay the last
 * entry of moat_lang_catalogers[] (lang.c): the others claim by name first. */
const struct moat_lang_cataloger moat_lang_elf = {
	.name = "elf-binary",
	.match = elf_match,
	.read = elf_read,
};
