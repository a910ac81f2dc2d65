/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zip.c - the zip reader: locate the end records, walk the central directory,
 * cross-check every local header, refuse overlaps, inflate with ISA-L.
 *
 * Layout references: APPNOTE.TXT 6.3.10 sections 4.3.6 (local header),
 * 4.3.12 (central header), 4.3.14-4.3.16 (ZIP64 end records), 4.5.3 (ZIP64
 * extra field). Every offset read from the archive is checked against the
 * buffer before use; sizes are uint64_t and additions are overflow-checked.
 */
#include <errno.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "zip.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define LOCAL_LEN 30u
#define CENTRAL_LEN 46u
#define EOCD_LEN 22u
#define EOCD64_LEN 56u
#define LOC64_LEN 20u
#define FLAG_ENCRYPTED 0x0001u
#define FLAG_DESCRIPTOR 0x0008u
/* Below this size the ratio says nothing: a 1 KiB file of spaces is 100x. */
#define RATIO_MIN_BYTES (1u << 20)

struct moat_zip {
	const uint8_t *data;
	size_t len;
	const char *what;
	struct moat_zip_entry *entries;
	size_t n_entries;
	uint64_t max_total;
	uint32_t max_ratio;
	uint64_t own_used;
	uint64_t *total_used;
	struct inflate_state *inflate; /* allocated at the first deflate extraction */
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* True when [off, off+n) lies inside [0, len). */
static bool in_bounds(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

/* Where the central directory is, as the end records say. */
struct cd_loc {
	uint64_t count;
	uint64_t size;
	uint64_t offset;   /* as written: relative to the archive's own start */
	uint64_t end_pos;  /* position of the first end record (EOCD64 or EOCD) */
};

/* The last EOCD whose comment runs exactly to the end of the buffer. Searching
 * from the end and demanding an exact fit keeps a comment that happens to
 * hold "PK\5\6" from being taken for the record. */
static long find_eocd(const uint8_t *data, size_t len)
{
	size_t lowest;

	if (len < EOCD_LEN)
		return -1;
	lowest = len - EOCD_LEN > 0xffffu ? len - EOCD_LEN - 0xffffu : 0;
	for (size_t pos = len - EOCD_LEN + 1; pos-- > lowest;) {
		if (get32(data + pos) == SIG_EOCD &&
		    (size_t)get16(data + pos + 20) == len - pos - EOCD_LEN)
			return (long)pos;
	}
	return -1;
}

static int read_zip64_end(struct moat_zip *zip, size_t eocd, struct cd_loc *loc,
			  struct moat_error *err)
{
	const uint8_t *d = zip->data;
	uint64_t rec;

	if (eocd < LOC64_LEN || get32(d + eocd - LOC64_LEN) != SIG_LOC64)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: end record needs ZIP64 but has no ZIP64 locator", zip->what);
	if (get32(d + eocd - LOC64_LEN + 16) > 1)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: multi-disk archive", zip->what);
	rec = get64(d + eocd - LOC64_LEN + 8);
	/* The record sits before the locator; with prepended data it is further
	 * on than it says, so look where the locator puts it and just before. */
	if (eocd - LOC64_LEN < EOCD64_LEN)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: ZIP64 end record out of bounds",
				      zip->what);
	if (!in_bounds(rec, EOCD64_LEN, eocd - LOC64_LEN) || get32(d + rec) != SIG_EOCD64)
		rec = eocd - LOC64_LEN - EOCD64_LEN;
	if (get32(d + rec) != SIG_EOCD64)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: no ZIP64 end record where the locator points",
				      zip->what);
	if (get32(d + rec + 16) != 0 || get32(d + rec + 20) != 0 ||
	    get64(d + rec + 24) != get64(d + rec + 32))
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: multi-disk ZIP64 archive",
				      zip->what);
	loc->count = get64(d + rec + 32);
	loc->size = get64(d + rec + 40);
	loc->offset = get64(d + rec + 48);
	loc->end_pos = rec;
	return 0;
}

static int read_end(struct moat_zip *zip, struct cd_loc *loc, struct moat_error *err)
{
	const uint8_t *d = zip->data;
	long found = find_eocd(d, zip->len);
	size_t eocd;

	if (found < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: no end of central directory record",
				      zip->what);
	eocd = (size_t)found;
	if (get16(d + eocd + 4) != 0 || get16(d + eocd + 6) != 0 ||
	    get16(d + eocd + 8) != get16(d + eocd + 10))
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: multi-disk archive", zip->what);
	loc->count = get16(d + eocd + 10);
	loc->size = get32(d + eocd + 12);
	loc->offset = get32(d + eocd + 16);
	loc->end_pos = eocd;
	if (loc->count == 0xffff || loc->size == 0xffffffffu || loc->offset == 0xffffffffu)
		return read_zip64_end(zip, eocd, loc, err);
	return 0;
}

/* Relative, no "." or ".." component, no backslash or NUL, not empty. */
static bool name_is_safe(struct moat_slice name)
{
	size_t start = 0;

	if (name.len == 0 || name.ptr[0] == '/')
		return false;
	for (size_t i = 0; i <= name.len; i++) {
		if (i < name.len && (name.ptr[i] == '\\' || name.ptr[i] == '\0'))
			return false;
		if (i == name.len || name.ptr[i] == '/') {
			size_t n = i - start;

			if ((n == 1 && name.ptr[start] == '.') ||
			    (n == 2 && name.ptr[start] == '.' && name.ptr[start + 1] == '.'))
				return false;
			start = i + 1;
		}
	}
	return true;
}

/* Sizes and offset that do not fit 32 bits come from the ZIP64 extra field,
 * in this order and only for the fields that hold 0xffffffff. */
static int apply_zip64_extra(struct moat_zip *zip, const uint8_t *extra, size_t len,
			     struct moat_zip_entry *e, uint64_t *lho, struct moat_error *err)
{
	uint64_t *fields[3] = { &e->usize, &e->csize, lho };

	while (len >= 4) {
		uint16_t id = get16(extra);
		size_t n = get16(extra + 2);
		size_t pos = 4;

		if (n > len - 4)
			break;
		if (id == 0x0001) {
			for (size_t i = 0; i < 3; i++) {
				if (*fields[i] != 0xffffffffu)
					continue;
				if (pos + 8 > 4 + n)
					return moat_error_set(err, MOAT_E_FORMAT,
							      "%s: %.*s: short ZIP64 extra field",
							      zip->what, (int)e->name.len,
							      (const char *)e->name.ptr);
				*fields[i] = get64(extra + pos);
				pos += 8;
			}
			return 0;
		}
		extra += 4 + n;
		len -= 4 + n;
	}
	if (e->usize == 0xffffffffu || e->csize == 0xffffffffu || *lho == 0xffffffffu)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %.*s: ZIP64 sizes without the field",
				      zip->what, (int)e->name.len, (const char *)e->name.ptr);
	return 0;
}

/* The local header must repeat the central one: same name and method, and,
 * unless sizes follow the data (flag bit 3), the same CRC and sizes. */
static int check_local(struct moat_zip *zip, uint64_t base, uint64_t lho, uint16_t flags,
		       struct moat_zip_entry *e, uint64_t cd_start, struct moat_error *err)
{
	const uint8_t *d = zip->data;
	uint64_t pos = base + lho;
	uint32_t lcs, lus;

	if (lho > UINT64_MAX - base || !in_bounds(pos, LOCAL_LEN, cd_start) ||
	    get32(d + pos) != SIG_LOCAL)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %.*s: no local header at %llu",
				      zip->what, (int)e->name.len, (const char *)e->name.ptr,
				      (unsigned long long)pos);
	if (!in_bounds(pos + LOCAL_LEN, (uint64_t)get16(d + pos + 26) + get16(d + pos + 28),
		       cd_start) ||
	    get16(d + pos + 26) != e->name.len ||
	    memcmp(d + pos + LOCAL_LEN, e->name.ptr, e->name.len) != 0 ||
	    get16(d + pos + 8) != e->method)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: %.*s: local header disagrees with the central directory",
				      zip->what, (int)e->name.len, (const char *)e->name.ptr);
	lcs = get32(d + pos + 18);
	lus = get32(d + pos + 22);
	if (!(flags & FLAG_DESCRIPTOR) &&
	    (get32(d + pos + 14) != e->crc32 ||
	     (lcs != 0xffffffffu && lcs != e->csize) || (lus != 0xffffffffu && lus != e->usize)))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: %.*s: local sizes or CRC disagree with the central directory",
				      zip->what, (int)e->name.len, (const char *)e->name.ptr);
	e->header_offset = pos;
	e->data_offset = pos + LOCAL_LEN + get16(d + pos + 26) + get16(d + pos + 28);
	if (!in_bounds(e->data_offset, e->csize, cd_start))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %.*s: data runs past the archive",
				      zip->what, (int)e->name.len, (const char *)e->name.ptr);
	return 0;
}

/* Parse the central header at *pos into e; advance *pos. */
static int read_central(struct moat_zip *zip, uint64_t *pos, uint64_t cd_end, uint64_t base,
			uint64_t cd_start, struct moat_zip_entry *e, struct moat_error *err)
{
	const uint8_t *d = zip->data;
	const uint8_t *h = d + *pos;
	uint64_t lho;
	size_t n_name, n_extra, n_comment;
	uint16_t flags;
	int r;

	if (!in_bounds(*pos, CENTRAL_LEN, cd_end) || get32(h) != SIG_CENTRAL)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: central directory entry at %llu is truncated or missing",
				      zip->what, (unsigned long long)*pos);
	n_name = get16(h + 28);
	n_extra = get16(h + 30);
	n_comment = get16(h + 32);
	if (!in_bounds(*pos + CENTRAL_LEN, (uint64_t)n_name + n_extra + n_comment, cd_end))
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: central directory entry at %llu runs past its end",
				      zip->what, (unsigned long long)*pos);
	flags = get16(h + 8);
	e->method = get16(h + 10);
	e->crc32 = get32(h + 16);
	e->csize = get32(h + 20);
	e->usize = get32(h + 24);
	e->encrypted = flags & FLAG_ENCRYPTED;
	e->name = moat_slice_make(h + CENTRAL_LEN, n_name);
	e->name_safe = name_is_safe(e->name);
	e->is_dir = n_name > 0 && e->name.ptr[n_name - 1] == '/';
	lho = get32(h + 42);
	r = apply_zip64_extra(zip, h + CENTRAL_LEN + n_name, n_extra, e, &lho, err);
	if (r < 0)
		return r;
	*pos += CENTRAL_LEN + n_name + n_extra + n_comment;
	return check_local(zip, base, lho, flags, e, cd_start, err);
}

/* Where one entry's bytes lie: from its local header to the end of its data. */
struct span {
	uint64_t start;
	uint64_t end;
	size_t index;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a;
	const struct span *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* No entry's data may overlap the next entry's local header or data: sorted
 * by offset, each entry must end before the next local header. */
static int check_overlaps(struct moat_zip *zip, struct moat_error *err)
{
	struct span *s;
	int r = 0;

	if (zip->n_entries < 2)
		return 0;
	s = calloc(zip->n_entries, sizeof(*s));
	if (!s)
		return moat_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < zip->n_entries; i++) {
		s[i].start = zip->entries[i].header_offset;
		s[i].end = zip->entries[i].data_offset + zip->entries[i].csize;
		s[i].index = i;
	}
	qsort(s, zip->n_entries, sizeof(*s), cmp_span);
	for (size_t i = 0; i + 1 < zip->n_entries && r == 0; i++) {
		const struct moat_zip_entry *a = &zip->entries[s[i].index];
		const struct moat_zip_entry *b = &zip->entries[s[i + 1].index];

		if (s[i].start == s[i + 1].start || s[i].end > s[i + 1].start)
			r = moat_error_set(err, MOAT_E_FORMAT, "%s: entries %.*s and %.*s overlap",
					   zip->what, (int)a->name.len, (const char *)a->name.ptr,
					   (int)b->name.len, (const char *)b->name.ptr);
	}
	free(s);
	return r;
}

static int read_directory(struct moat_zip *zip, uint32_t max_entries, struct moat_error *err)
{
	struct cd_loc loc = { 0 };
	uint64_t cd_start, base, pos, end;
	int r = read_end(zip, &loc, err);

	if (r < 0)
		return r;
	if (loc.size > loc.end_pos || loc.end_pos - loc.size < loc.offset)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: central directory (%llu bytes at %llu) does not fit before its end record",
				      zip->what, (unsigned long long)loc.size,
				      (unsigned long long)loc.offset);
	/* Bytes before the archive proper (a launcher script) shift every offset. */
	cd_start = loc.end_pos - loc.size;
	base = cd_start - loc.offset;
	if (loc.count > max_entries)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %llu entries, more than the limit of %u",
				      zip->what, (unsigned long long)loc.count, max_entries);
	if (loc.count > loc.size / CENTRAL_LEN)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: %llu entries cannot fit in a %llu-byte central directory",
				      zip->what, (unsigned long long)loc.count,
				      (unsigned long long)loc.size);
	zip->entries = calloc(loc.count ? (size_t)loc.count : 1, sizeof(*zip->entries));
	if (!zip->entries)
		return moat_error_set(err, -ENOMEM, "out of memory");
	pos = cd_start;
	end = cd_start + loc.size;
	for (uint64_t i = 0; i < loc.count; i++) {
		r = read_central(zip, &pos, end, base, cd_start, &zip->entries[i], err);
		if (r < 0)
			return r;
		zip->n_entries++;
	}
	if (pos != end)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "%s: central directory holds more than the %llu entries the end record counts",
				      zip->what, (unsigned long long)loc.count);
	return check_overlaps(zip, err);
}

int moat_zip_open(const void *data, size_t len, const struct moat_zip_limits *limits,
		  const char *what, struct moat_zip **ret_zip, struct moat_error *err)
{
	struct moat_zip *zip = calloc(1, sizeof(*zip));
	int r;

	if (!zip)
		return moat_error_set(err, -ENOMEM, "out of memory");
	zip->data = data;
	zip->len = len;
	zip->what = what ? what : "zip";
	zip->max_total = limits && limits->max_total ? limits->max_total : MOAT_LIMIT_CAPTURE_TOTAL;
	zip->max_ratio = limits && limits->max_ratio ? limits->max_ratio : MOAT_LIMIT_RATIO;
	zip->total_used = limits && limits->total_used ? limits->total_used : &zip->own_used;
	r = read_directory(zip, limits && limits->max_entries ? limits->max_entries
							     : MOAT_LIMIT_ZIP_ENTRIES,
			   err);
	if (r < 0) {
		moat_zip_close(zip);
		return r;
	}
	zip->what = NULL; /* borrowed only for open's messages */
	*ret_zip = zip;
	return 0;
}

void moat_zip_close(struct moat_zip *zip)
{
	if (!zip)
		return;
	free(zip->inflate);
	free(zip->entries);
	free(zip);
}

size_t moat_zip_count(const struct moat_zip *zip)
{
	return zip->n_entries;
}

const struct moat_zip_entry *moat_zip_entry(const struct moat_zip *zip, size_t index)
{
	return index < zip->n_entries ? &zip->entries[index] : NULL;
}

long moat_zip_find(const struct moat_zip *zip, struct moat_slice name)
{
	for (size_t i = 0; i < zip->n_entries; i++)
		if (zip->entries[i].name_safe && moat_slice_eq(zip->entries[i].name, name))
			return (long)i;
	return -1;
}

/* Raw deflate into out->data[0..usize]; one spare byte catches streams that
 * produce more than they declared. */
static int inflate_entry(struct moat_zip *zip, const struct moat_zip_entry *e,
			 struct moat_buf *out, struct moat_error *err)
{
	struct inflate_state *s = zip->inflate;
	int r;

	if (!s) {
		s = zip->inflate = malloc(sizeof(*s));
		if (!s)
			return moat_error_set(err, -ENOMEM, "out of memory");
	}
	if (e->csize > UINT32_MAX || e->usize >= UINT32_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "entry over 4 GiB");
	isal_inflate_init(s);
	s->crc_flag = ISAL_DEFLATE;
	s->next_in = (uint8_t *)(uintptr_t)(zip->data + e->data_offset);
	s->avail_in = (uint32_t)e->csize;
	s->next_out = out->data;
	s->avail_out = (uint32_t)e->usize + 1;
	r = isal_inflate(s);
	if (r != ISAL_DECOMP_OK)
		return moat_error_set(err, MOAT_E_FORMAT, "corrupt deflate data (isa-l error %d)", r);
	if (s->block_state != ISAL_BLOCK_FINISH)
		return moat_error_set(err, MOAT_E_FORMAT, "deflate data %s",
				      s->avail_out ? "ends early" : "longer than declared");
	if (s->total_out != e->usize)
		return moat_error_set(err, MOAT_E_FORMAT, "%u bytes inflated, %llu declared",
				      s->total_out, (unsigned long long)e->usize);
	return 0;
}

static int check_extract(struct moat_zip *zip, const struct moat_zip_entry *e, uint64_t max,
			 struct moat_error *err)
{
	if (e->encrypted)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "encrypted");
	if (e->method != 0 && e->method != 8)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "compression method %u", e->method);
	if (e->method == 0 && e->csize != e->usize)
		return moat_error_set(err, MOAT_E_FORMAT, "stored entry with two sizes");
	if (e->usize > max)
		return moat_error_set(err, MOAT_E_LIMIT, "%llu bytes, more than the limit of %llu",
				      (unsigned long long)e->usize, (unsigned long long)max);
	if (e->usize > RATIO_MIN_BYTES && e->usize / (e->csize ? e->csize : 1) > zip->max_ratio)
		return moat_error_set(err, MOAT_E_LIMIT,
				      "%llu bytes from %llu: ratio over %u, a zip bomb",
				      (unsigned long long)e->usize, (unsigned long long)e->csize,
				      zip->max_ratio);
	if (e->usize > zip->max_total - (*zip->total_used < zip->max_total ? *zip->total_used
									     : zip->max_total))
		return moat_error_set(err, MOAT_E_LIMIT,
				      "extracting %llu bytes would pass the %llu-byte budget",
				      (unsigned long long)e->usize,
				      (unsigned long long)zip->max_total);
	return 0;
}

int moat_zip_extract(struct moat_zip *zip, size_t index, uint64_t max, struct moat_buf *out,
		     struct moat_error *err)
{
	const struct moat_zip_entry *e = moat_zip_entry(zip, index);
	int r;

	if (!e)
		return moat_error_set(err, MOAT_E_USAGE, "no zip entry %zu", index);
	moat_buf_reset(out);
	r = check_extract(zip, e, max, err);
	if (r == 0 && (r = moat_buf_reserve(out, (size_t)e->usize + 1)) < 0)
		r = moat_error_set(err, r, "%llu bytes: %s", (unsigned long long)e->usize,
				   moat_strerror(r));
	if (r == 0 && e->method == 0)
		memcpy(out->data, zip->data + e->data_offset, (size_t)e->usize);
	else if (r == 0)
		r = inflate_entry(zip, e, out, err);
	if (r == 0 && crc32_gzip_refl(0, out->data, e->usize) != e->crc32)
		r = moat_error_set(err, MOAT_E_FORMAT, "CRC-32 mismatch");
	if (r < 0)
		return moat_error_prefix(err, "%.*s: ", (int)e->name.len, (const char *)e->name.ptr);
	*zip->total_used += e->usize;
	out->len = (size_t)e->usize;
	out->data[out->len] = '\0';
	return 0;
}
