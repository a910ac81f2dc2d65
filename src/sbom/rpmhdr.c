/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmhdr.c - parse one rpm header blob as stored in an rpmdb.
 *
 * Layout (rpm lib/header.c, all integers big endian): int32 il (index
 * entries), int32 dl (data bytes), il entries of {tag, type, offset, count},
 * then dl bytes of data. The blob is untrusted: il and dl are bounded like rpm
 * bounds them, every entry's type, offset, alignment and fixed-size extent is
 * checked against dl once, and the few tags we read have their strings (and
 * string arrays, element by element) checked to end with a NUL inside the
 * data. Each wanted tag is located in one pass over the index so hostile
 * duplicates cannot make the work quadratic.
 */
#include <errno.h>
#include <string.h>

#include "base/arena.h"
#include "base/slice.h"
#include "moat/limits.h"
#include "rpmdb.h"

/* Data types (rpm rpm_tagtype_e). */
enum hdr_type {
	HT_NULL = 0,
	HT_CHAR = 1,
	HT_INT8 = 2,
	HT_INT16 = 3,
	HT_INT32 = 4,
	HT_INT64 = 5,
	HT_STRING = 6,
	HT_BIN = 7,
	HT_STRING_ARRAY = 8,
	HT_I18NSTRING = 9,
	HT_MAX = HT_I18NSTRING,
};

/* The tags we extract (rpm rpmtag.h), in the order of enum want. */
enum want {
	W_NAME,
	W_VERSION,
	W_RELEASE,
	W_EPOCH,
	W_VENDOR,
	W_LICENSE,
	W_ARCH,
	W_OLDFILENAMES,
	W_SOURCERPM,
	W_DIRINDEXES,
	W_BASENAMES,
	W_DIRNAMES,
	W_MODULARITYLABEL,
	W_PROVIDENAME,
	W_REQUIRENAME,
	W_COUNT,
};

static const struct {
	uint32_t tag;
	const char *name;
} wanted[W_COUNT] = {
	[W_NAME] = { 1000, "NAME" },
	[W_VERSION] = { 1001, "VERSION" },
	[W_RELEASE] = { 1002, "RELEASE" },
	[W_EPOCH] = { 1003, "EPOCH" },
	[W_VENDOR] = { 1011, "VENDOR" },
	[W_LICENSE] = { 1014, "LICENSE" },
	[W_ARCH] = { 1022, "ARCH" },
	[W_OLDFILENAMES] = { 1027, "OLDFILENAMES" },
	[W_SOURCERPM] = { 1044, "SOURCERPM" },
	[W_DIRINDEXES] = { 1116, "DIRINDEXES" },
	[W_BASENAMES] = { 1117, "BASENAMES" },
	[W_DIRNAMES] = { 1118, "DIRNAMES" },
	[W_MODULARITYLABEL] = { 5096, "MODULARITYLABEL" },
	[W_PROVIDENAME] = { 1047, "PROVIDENAME" },
	[W_REQUIRENAME] = { 1049, "REQUIRENAME" },
};

#define ENTRY_BYTES 16u

struct hdr_entry {
	uint32_t tag;
	uint32_t type;
	uint32_t offset; /* into data, < dl or == dl for empty NULL/BIN items */
	uint32_t count;
};

struct hdr {
	const uint8_t *index; /* il * ENTRY_BYTES */
	uint32_t il;
	const uint8_t *data;
	uint32_t dl;
	int32_t want[W_COUNT]; /* index entry of each wanted tag, -1 if absent */
	struct moat_arena *arena;
	struct moat_error *err;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static struct hdr_entry entry_at(const struct hdr *h, uint32_t i)
{
	const uint8_t *p = h->index + (size_t)i * ENTRY_BYTES;

	return (struct hdr_entry){ be32(p), be32(p + 4), be32(p + 8), be32(p + 12) };
}

/* Size of one element of a fixed-size type; 0 for strings (variable). */
static uint32_t type_size(uint32_t type)
{
	switch (type) {
	case HT_NULL:
		return 0;
	case HT_INT16:
		return 2;
	case HT_INT32:
		return 4;
	case HT_INT64:
		return 8;
	case HT_CHAR:
	case HT_INT8:
	case HT_BIN:
		return 1;
	}
	return 0;
}

static int fail(const struct hdr *h, int code, uint32_t i, const struct hdr_entry *e,
		const char *what)
{
	return moat_error_set(h->err, code, "rpm header: entry %u (tag %u type %u offset %u count %u): %s",
			      i, e->tag, e->type, e->offset, e->count, what);
}

/* Check what can be checked of any entry without walking its strings: known
 * type, offset inside the data, alignment (as rpm requires), and for
 * fixed-size types that count elements fit. Strings are checked on use. */
static int entry_check(const struct hdr *h, uint32_t i, const struct hdr_entry *e)
{
	uint32_t size = type_size(e->type);

	if (e->type > HT_MAX)
		return fail(h, MOAT_E_FORMAT, i, e, "unknown type");
	if (e->offset > h->dl)
		return fail(h, MOAT_E_FORMAT, i, e, "offset past data end");
	if (size > 1 && e->offset % size != 0)
		return fail(h, MOAT_E_FORMAT, i, e, "misaligned offset");
	if (size && e->count > (h->dl - e->offset) / size)
		return fail(h, MOAT_E_FORMAT, i, e, "data runs past data end");
	if (!size && e->type >= HT_STRING && e->offset >= h->dl)
		return fail(h, MOAT_E_FORMAT, i, e, "string starts at data end");
	if ((e->type == HT_STRING_ARRAY || e->type == HT_I18NSTRING) && e->count == 0)
		return fail(h, MOAT_E_FORMAT, i, e, "empty string array");
	return 0;
}

/* Bound il and dl, check the blob size, check every entry and note where the
 * wanted tags are (first occurrence wins). */
static int hdr_load(struct hdr *h, const uint8_t *blob, size_t len)
{
	uint64_t need;

	if (len < 8)
		return moat_error_set(h->err, MOAT_E_TRUNCATED,
				      "rpm header: %zu bytes, need 8 for il and dl", len);
	h->il = be32(blob);
	h->dl = be32(blob + 4);
	if (h->il == 0 || h->il > RPMHDR_MAX_TAGS)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: index count il %u outside 1..%u", h->il,
				      RPMHDR_MAX_TAGS);
	if (h->dl > RPMHDR_MAX_DATA)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: data length dl %u above %u", h->dl,
				      RPMHDR_MAX_DATA);
	need = 8 + (uint64_t)h->il * ENTRY_BYTES + h->dl;
	if (len < need)
		return moat_error_set(h->err, MOAT_E_TRUNCATED,
				      "rpm header: %zu bytes, il %u and dl %u need %llu", len,
				      h->il, h->dl, (unsigned long long)need);
	if (len > need)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: %zu bytes, il %u and dl %u need only %llu",
				      len, h->il, h->dl, (unsigned long long)need);
	h->index = blob + 8;
	h->data = h->index + (size_t)h->il * ENTRY_BYTES;
	for (int w = 0; w < W_COUNT; w++)
		h->want[w] = -1;
	for (uint32_t i = 0; i < h->il; i++) {
		struct hdr_entry e = entry_at(h, i);
		int r = entry_check(h, i, &e);

		if (r < 0)
			return r;
		for (int w = 0; w < W_COUNT; w++)
			if (wanted[w].tag == e.tag && h->want[w] < 0)
				h->want[w] = (int32_t)i;
	}
	return 0;
}

/* The string at offset: its bytes up to (not including) the NUL, which must
 * lie inside the data. */
static bool string_at(const struct hdr *h, uint32_t offset, struct moat_slice *ret)
{
	const uint8_t *nul;

	if (offset >= h->dl)
		return false;
	nul = memchr(h->data + offset, 0, h->dl - offset);
	if (!nul)
		return false;
	*ret = moat_slice_make(h->data + offset, (size_t)(nul - (h->data + offset)));
	return true;
}

/* A single string tag; I18N strings and string arrays give their first
 * element (the "C" locale for I18N). *ret stays NULL when the tag is absent. */
static int get_string(struct hdr *h, enum want w, const char **ret)
{
	struct hdr_entry e;
	struct moat_slice s;
	char *copy;

	if (h->want[w] < 0)
		return 0;
	e = entry_at(h, (uint32_t)h->want[w]);
	if (e.type != HT_STRING && e.type != HT_I18NSTRING && e.type != HT_STRING_ARRAY)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: tag %u (%s): type %u is not a string", e.tag,
				      wanted[w].name, e.type);
	if (!string_at(h, e.offset, &s))
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: tag %u (%s): string at offset %u has no NUL before data end %u",
				      e.tag, wanted[w].name, e.offset, h->dl);
	copy = moat_arena_strndup(h->arena, (const char *)s.ptr, s.len);
	if (!copy)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	*ret = copy;
	return 0;
}

/* Split a string array into e.count slices (in the arena). Each element must
 * end with a NUL inside the data; count is bounded by the bytes left first
 * (every element takes at least its NUL), so the allocation is bounded too. */
static int get_string_array(struct hdr *h, enum want w, struct hdr_entry *ret_e,
			    struct moat_slice **ret)
{
	struct hdr_entry e = entry_at(h, (uint32_t)h->want[w]);
	struct moat_slice *v;
	uint32_t off;

	if (e.type != HT_STRING_ARRAY)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: tag %u (%s): type %u is not a string array",
				      e.tag, wanted[w].name, e.type);
	if (e.count > h->dl - e.offset)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: tag %u (%s): %u strings cannot fit in %u bytes",
				      e.tag, wanted[w].name, e.count, h->dl - e.offset);
	v = moat_arena_newarray(h->arena, struct moat_slice, e.count);
	if (!v)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	off = e.offset;
	for (uint32_t i = 0; i < e.count; i++) {
		if (!string_at(h, off, &v[i]))
			return moat_error_set(h->err, MOAT_E_FORMAT,
					      "rpm header: tag %u (%s): string %u of %u at offset %u has no NUL before data end %u",
					      e.tag, wanted[w].name, i, e.count, off, h->dl);
		off += (uint32_t)v[i].len + 1;
	}
	*ret_e = e;
	*ret = v;
	return 0;
}

/* A string array as one string, entries separated by '\n' (the arrays are
 * stored back to back, so this is one copy). Absent or empty: NULL. */
static int get_joined(struct hdr *h, enum want w, const char **ret)
{
	struct hdr_entry e;
	struct moat_slice *v;
	size_t total;
	char *out;
	int r;

	if (h->want[w] < 0)
		return 0;
	r = get_string_array(h, w, &e, &v);
	if (r < 0 || !e.count)
		return r;
	total = (size_t)(v[e.count - 1].ptr + v[e.count - 1].len - (h->data + e.offset));
	out = moat_arena_alloc(h->arena, total + 1);
	if (!out)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	memcpy(out, h->data + e.offset, total);
	for (size_t i = 0; i < total; i++)
		if (out[i] == '\0')
			out[i] = '\n';
	out[total] = '\0';
	*ret = out;
	return 0;
}

static int get_epoch(struct hdr *h, int64_t *ret)
{
	struct hdr_entry e;

	*ret = -1;
	if (h->want[W_EPOCH] < 0)
		return 0;
	e = entry_at(h, (uint32_t)h->want[W_EPOCH]);
	if (e.type != HT_INT32 || e.count < 1)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: tag %u (EPOCH): type %u count %u, want one int32",
				      e.tag, e.type, e.count);
	/* rpm keeps epochs as uint32 (rpmds uses %u), so no sign here */
	*ret = be32(h->data + e.offset);
	return 0;
}

/* dir + base as one path without the leading '/', in the arena. */
static int join_path(struct hdr *h, struct moat_slice dir, struct moat_slice base, uint32_t i,
		     const char **ret)
{
	size_t n;
	char *p;

	if (dir.len > MOAT_LIMIT_PATH_BYTES || base.len > MOAT_LIMIT_PATH_BYTES - dir.len)
		return moat_error_set(h->err, MOAT_E_LIMIT,
				      "rpm header: file %u: path of %zu bytes above %u", i,
				      dir.len + base.len, MOAT_LIMIT_PATH_BYTES);
	while (dir.len && dir.ptr[0] == '/') {
		dir.ptr++;
		dir.len--;
	}
	while (!dir.len && base.len && base.ptr[0] == '/') {
		base.ptr++;
		base.len--;
	}
	n = dir.len + base.len;
	p = moat_arena_alloc(h->arena, n + 1);
	if (!p)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	if (dir.len)
		memcpy(p, dir.ptr, dir.len);
	if (base.len)
		memcpy(p + dir.len, base.ptr, base.len);
	p[n] = '\0';
	*ret = p;
	return 0;
}

/* Old-style headers (before rpm 4.0 compressed file lists) carry full paths
 * in OLDFILENAMES; rpm converts on install but old databases may keep them. */
static int get_old_files(struct hdr *h, struct moat_rpm_header *hdr)
{
	static const struct moat_slice none = { NULL, 0 };
	struct hdr_entry e;
	struct moat_slice *paths;
	const char **files;
	int r = get_string_array(h, W_OLDFILENAMES, &e, &paths);

	if (r < 0)
		return r;
	files = moat_arena_newarray(h->arena, const char *, e.count);
	if (!files)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	for (uint32_t i = 0; i < e.count; i++) {
		r = join_path(h, none, paths[i], i, &files[i]);
		if (r < 0)
			return r;
	}
	hdr->files = files;
	hdr->n_files = e.count;
	return 0;
}

/* The file list: BASENAMES[i] in directory DIRNAMES[DIRINDEXES[i]]. */
static int get_files(struct hdr *h, struct moat_rpm_header *hdr)
{
	struct hdr_entry be, de, ie;
	struct moat_slice *bases;
	struct moat_slice *dirs;
	const char **files;
	int r;

	if (h->want[W_BASENAMES] < 0)
		return h->want[W_OLDFILENAMES] < 0 ? 0 : get_old_files(h, hdr);
	if (h->want[W_DIRNAMES] < 0 || h->want[W_DIRINDEXES] < 0)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: BASENAMES without DIRNAMES and DIRINDEXES");
	r = get_string_array(h, W_BASENAMES, &be, &bases);
	if (r == 0)
		r = get_string_array(h, W_DIRNAMES, &de, &dirs);
	if (r < 0)
		return r;
	ie = entry_at(h, (uint32_t)h->want[W_DIRINDEXES]);
	if (ie.type != HT_INT32 || ie.count != be.count)
		return moat_error_set(h->err, MOAT_E_FORMAT,
				      "rpm header: DIRINDEXES type %u count %u, want %u int32",
				      ie.type, ie.count, be.count);
	files = moat_arena_newarray(h->arena, const char *, be.count);
	if (!files)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	for (uint32_t i = 0; i < be.count; i++) {
		uint32_t d = be32(h->data + ie.offset + (size_t)i * 4);

		if (d >= de.count)
			return moat_error_set(h->err, MOAT_E_FORMAT,
					      "rpm header: file %u: dir index %u past %u DIRNAMES",
					      i, d, de.count);
		r = join_path(h, dirs[d], bases[i], i, &files[i]);
		if (r < 0)
			return r;
	}
	hdr->files = files;
	hdr->n_files = be.count;
	return 0;
}

/* "bash-5.1.8-6.el9.src.rpm" -> "bash", "5.1.8-6.el9". Parsed from the right
 * because names may contain '-' but version and release may not. Leaves both
 * NULL when the name does not have that shape. */
static int split_sourcerpm(struct hdr *h, struct moat_rpm_header *hdr)
{
	struct moat_slice s = moat_slice_str(hdr->sourcerpm);
	long dash1 = -1;
	long dash2 = -1;

	if (moat_slice_endswith(s, ".src.rpm"))
		s.len -= strlen(".src.rpm");
	else if (moat_slice_endswith(s, ".nosrc.rpm"))
		s.len -= strlen(".nosrc.rpm");
	else
		return 0;
	for (size_t i = s.len; i-- > 0;) {
		if (s.ptr[i] != '-')
			continue;
		if (dash1 < 0) {
			dash1 = (long)i;
			continue;
		}
		dash2 = (long)i;
		break;
	}
	/* name, version and release must all be non-empty */
	if (dash2 <= 0 || dash1 - dash2 < 2 || (size_t)dash1 + 1 >= s.len)
		return 0;
	hdr->source_name = moat_arena_strndup(h->arena, (const char *)s.ptr, (size_t)dash2);
	hdr->source_version = moat_arena_strndup(h->arena, (const char *)s.ptr + dash2 + 1,
						 s.len - (size_t)dash2 - 1);
	if (!hdr->source_name || !hdr->source_version)
		return moat_error_set(h->err, MOAT_E_LIMIT, "rpm header: arena full");
	return 0;
}

static int get_strings(struct hdr *h, struct moat_rpm_header *hdr)
{
	const struct {
		enum want w;
		const char **dst;
	} strs[] = {
		{ W_NAME, &hdr->name },
		{ W_VERSION, &hdr->version },
		{ W_RELEASE, &hdr->release },
		{ W_ARCH, &hdr->arch },
		{ W_LICENSE, &hdr->license },
		{ W_VENDOR, &hdr->vendor },
		{ W_SOURCERPM, &hdr->sourcerpm },
		{ W_MODULARITYLABEL, &hdr->modularitylabel },
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		int r = get_string(h, strs[i].w, strs[i].dst);

		if (r < 0)
			return r;
	}
	if (!hdr->name || !hdr->version || !hdr->release)
		return moat_error_set(h->err, MOAT_E_FORMAT, "rpm header: no %s tag",
				      !hdr->name ? "NAME" : !hdr->version ? "VERSION" : "RELEASE");
	return 0;
}

int moat_rpm_header_parse(struct moat_arena *arena, const uint8_t *blob, size_t len,
			  struct moat_rpm_header *ret_hdr, struct moat_error *err)
{
	struct hdr h = { .arena = arena, .err = err };
	struct moat_rpm_header hdr = { .epoch = -1 };
	int r;

	if (!arena || (!blob && len) || !ret_hdr)
		return moat_error_set(err, MOAT_E_USAGE, "rpm header: NULL argument");
	r = hdr_load(&h, blob, len);
	if (r == 0)
		r = get_strings(&h, &hdr);
	if (r == 0)
		r = get_epoch(&h, &hdr.epoch);
	if (r == 0 && hdr.sourcerpm)
		r = split_sourcerpm(&h, &hdr);
	if (r == 0)
		r = get_files(&h, &hdr);
	if (r == 0)
		r = get_joined(&h, W_REQUIRENAME, &hdr.requires);
	if (r == 0)
		r = get_joined(&h, W_PROVIDENAME, &hdr.provides);
	if (r < 0)
		return r;
	*ret_hdr = hdr;
	return 0;
}

const char *moat_rpm_evr(struct moat_arena *arena, const struct moat_rpm_header *hdr)
{
	const char *rel = hdr->release;

	if (!hdr->version)
		return NULL;
	if (!rel || !*rel) {
		if (hdr->epoch >= 0)
			return moat_arena_printf(arena, "%lld:%s", (long long)hdr->epoch,
						 hdr->version);
		return moat_arena_strdup(arena, hdr->version);
	}
	if (hdr->epoch >= 0)
		return moat_arena_printf(arena, "%lld:%s-%s", (long long)hdr->epoch, hdr->version,
					 rel);
	return moat_arena_printf(arena, "%s-%s", hdr->version, rel);
}
