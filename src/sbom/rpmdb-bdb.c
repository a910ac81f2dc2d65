/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmdb-bdb.c - read the header blobs of a BerkeleyDB hash `Packages` file.
 *
 * rpm up to 4.15 (RHEL 7/8, Amazon Linux 2, CentOS) stored each header as
 * one value of a BerkeleyDB hash database keyed by its 4-byte header number.
 * We parse the file format ourselves (Berkeley DB dbinc/db_page.h):
 *
 *   page 0      hash metadata: magic 0x061561 at 12 (in the byte order of
 *               the host that wrote the file, so we try both), version,
 *               page size, encryption, flags, last page number
 *   hash pages  type P_HASH (13) or P_HASH_UNSORTED (2, before db 4.6): a
 *               26-byte header (32 with page checksums), then an array of
 *               2-byte item offsets, items packed down from the page end;
 *               items come in key/data pairs, each starting with its type:
 *               H_KEYDATA (1) inline bytes, H_OFFPAGE (3) {pgno, total
 *               length} of a chain of P_OVERFLOW (7) pages, H_DUPLICATE (2)
 *               and H_OFFDUP (4) which rpm never writes (rejected)
 *   overflow    header field hf_offset is the byte count on that page,
 *               next_pgno links the chain, 0 ends it
 *
 * Instead of following hash buckets we visit every page once and take the
 * hash pages, like other rpmdb readers; freed pages are typed P_INVALID.
 * Key 0 is rpm's old "next header number" record and is skipped. Every page
 * number, offset and length is checked against the file; overflow chains are
 * bounded by the page count (so cycles end) and all overflow bytes copied
 * together by the file size (so items cannot share pages to multiply work).
 */
#include <errno.h>
#include <stdbool.h>

#include "base/buf.h"
#include "rpmdb.h"

#define BDB_HASH_MAGIC 0x061561u
#define META_MIN_BYTES 512u       /* smallest page size, holds all of HMETA */
#define PAGE_HEADER 26u           /* SIZEOF_PAGE */
#define PAGE_HEADER_CHKSUM 32u    /* + 2 alignment + 4 checksum bytes */
#define META_FLAG_CHKSUM 0x01u    /* DBMETA_CHKSUM in metaflags */
#define HASH_FLAG_SUBDB 0x02u     /* DB_HASH_SUBDB in the meta flags */
#define HOFFPAGE_BYTES 12u        /* type, 3 unused, pgno, tlen */

enum bdb_page_type {
	P_HASH_UNSORTED = 2,
	P_OVERFLOW = 7,
	P_HASHMETA = 8,
	P_HASH = 13,
};

enum bdb_item_type {
	H_KEYDATA = 1,
	H_DUPLICATE = 2,
	H_OFFPAGE = 3,
	H_OFFDUP = 4,
};

struct bdb {
	struct rpmdb_walk *walk;
	const uint8_t *data;
	size_t len;
	bool be;               /* file written on a big-endian host */
	uint32_t psize;
	uint32_t overhead;     /* page header bytes before the item offsets */
	uint32_t last_pgno;
	uint64_t ovfl_bytes;   /* overflow bytes copied so far, at most len */
	struct moat_buf value; /* reassembled off-page value */
};

static uint16_t get16(const struct bdb *b, const uint8_t *p)
{
	return b->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t get32(const struct bdb *b, const uint8_t *p)
{
	if (b->be)
		return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* Only called with pgno <= last_pgno, which bdb_meta checked fits in len. */
static const uint8_t *page_at(const struct bdb *b, uint32_t pgno)
{
	return b->data + (size_t)pgno * b->psize;
}

static int bdb_fail(const struct bdb *b, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bdb_fail(const struct bdb *b, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	moat_error_vset(b->walk->err, code, fmt, ap);
	va_end(ap);
	moat_error_prefix(b->walk->err, "rpmdb (bdb): ");
	return code;
}

static int bdb_meta_sizes(struct bdb *b, const uint8_t *m)
{
	uint64_t need;

	b->psize = get32(b, m + 20);
	if (b->psize < 512 || b->psize > 65536 || (b->psize & (b->psize - 1)))
		return bdb_fail(b, MOAT_E_FORMAT, "page size %u is not a power of two in 512..65536",
				b->psize);
	b->overhead = (m[26] & META_FLAG_CHKSUM) ? PAGE_HEADER_CHKSUM : PAGE_HEADER;
	b->last_pgno = get32(b, m + 32);
	need = ((uint64_t)b->last_pgno + 1) * b->psize;
	if (need > b->len)
		return bdb_fail(b, MOAT_E_TRUNCATED, "file has %zu bytes, last page %u needs %llu",
				b->len, b->last_pgno, (unsigned long long)need);
	return 0;
}

/* Check the metadata page and fill byte order, page size and page count. */
static int bdb_meta(struct bdb *b)
{
	const uint8_t *m = b->data;
	uint32_t version;

	if (b->len < META_MIN_BYTES)
		return bdb_fail(b, MOAT_E_TRUNCATED, "file has %zu bytes, metadata page needs %u",
				b->len, META_MIN_BYTES);
	b->be = false;
	if (get32(b, m + 12) != BDB_HASH_MAGIC)
		b->be = true;
	if (get32(b, m + 12) != BDB_HASH_MAGIC)
		return bdb_fail(b, MOAT_E_FORMAT, "no hash magic at offset 12");
	if (m[25] != P_HASHMETA)
		return bdb_fail(b, MOAT_E_FORMAT, "page 0: type %u, want hash metadata (8)", m[25]);
	version = get32(b, m + 16);
	/* hash versions 6 (db 3.0) to 9 (db 4.6 to 5.3, sorted pages) */
	if (version < 6 || version > 10)
		return bdb_fail(b, MOAT_E_UNSUPPORTED, "hash version %u", version);
	if (m[24] != 0)
		return bdb_fail(b, MOAT_E_UNSUPPORTED, "encrypted database (algorithm %u)", m[24]);
	if (get32(b, m + 48) & HASH_FLAG_SUBDB)
		return bdb_fail(b, MOAT_E_UNSUPPORTED, "database with sub-databases");
	return bdb_meta_sizes(b, m);
}

/* Bounds of item i on a hash page: items are packed downwards from the page
 * end in index order, so item i ends where item i-1 starts. */
static int item_bounds(const struct bdb *b, const uint8_t *pg, uint32_t pgno, uint32_t idx_end,
		       uint32_t i, uint32_t *ret_off, uint32_t *ret_len)
{
	uint32_t off = get16(b, pg + b->overhead + (size_t)2 * i);
	uint32_t end = i == 0 ? b->psize : get16(b, pg + b->overhead + (size_t)2 * (i - 1));

	if (end > b->psize)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: item %u end %u past page end %u",
				pgno, i, end, b->psize);
	if (off < idx_end || off >= end)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: item %u offset %u outside %u..%u",
				pgno, i, off, idx_end, end - 1);
	*ret_off = off;
	*ret_len = end - off;
	return 0;
}

/* Append one overflow page of the chain to b->value. */
static int overflow_page(struct bdb *b, uint32_t from, uint32_t pgno, uint32_t tlen,
			 uint32_t *ret_next)
{
	const uint8_t *pg = page_at(b, pgno);
	uint32_t ovlen = get16(b, pg + 22);
	int r;

	if (pg[25] != P_OVERFLOW || get32(b, pg + 8) != pgno)
		return bdb_fail(b, MOAT_E_FORMAT,
				"page %u: overflow chain reaches page %u of type %u (page number %u)",
				from, pgno, pg[25], get32(b, pg + 8));
	if (ovlen > b->psize - b->overhead)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: overflow length %u past page end",
				pgno, ovlen);
	if (ovlen > tlen - b->value.len)
		return bdb_fail(b, MOAT_E_FORMAT,
				"page %u: overflow chain from page %u longer than its %u bytes",
				pgno, from, tlen);
	b->ovfl_bytes += ovlen;
	if (b->ovfl_bytes > b->len)
		return bdb_fail(b, MOAT_E_FORMAT,
				"page %u: overflow pages shared between items (%llu bytes read)",
				pgno, (unsigned long long)b->ovfl_bytes);
	r = moat_buf_append(&b->value, pg + b->overhead, ovlen);
	if (r < 0)
		return bdb_fail(b, r, "page %u: cannot buffer %u bytes", pgno, tlen);
	*ret_next = get32(b, pg + 16);
	return 0;
}

/* Reassemble an off-page item of tlen bytes starting at page pgno. */
static int overflow_read(struct bdb *b, uint32_t from, uint32_t pgno, uint32_t tlen)
{
	uint32_t visited = 0;
	int r;

	moat_buf_reset(&b->value);
	if (tlen == 0 || tlen > RPMHDR_MAX_BLOB)
		return bdb_fail(b, tlen ? MOAT_E_LIMIT : MOAT_E_FORMAT,
				"page %u: off-page item of %u bytes outside 1..%u", from, tlen,
				RPMHDR_MAX_BLOB);
	if (tlen > b->len)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: off-page item of %u bytes, file has %zu",
				from, tlen, b->len);
	r = moat_buf_reserve(&b->value, tlen);
	if (r < 0)
		return bdb_fail(b, r, "page %u: cannot buffer %u bytes", from, tlen);
	while (b->value.len < tlen) {
		if (pgno == 0)
			return bdb_fail(b, MOAT_E_FORMAT,
					"page %u: overflow chain ends after %zu of %u bytes", from,
					b->value.len, tlen);
		if (pgno > b->last_pgno)
			return bdb_fail(b, MOAT_E_FORMAT, "page %u: overflow page %u past last page %u",
					from, pgno, b->last_pgno);
		if (++visited > b->last_pgno)
			return bdb_fail(b, MOAT_E_FORMAT,
					"page %u: overflow chain loops (more than %u pages)", from,
					b->last_pgno);
		r = overflow_page(b, from, pgno, tlen, &pgno);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Hand the data item of a pair to the callback. */
static int data_item(struct bdb *b, const uint8_t *pg, uint32_t pgno, uint32_t i, uint32_t off,
		     uint32_t len)
{
	const uint8_t *item = pg + off;
	int r;

	switch (item[0]) {
	case H_KEYDATA:
		return rpmdb_emit(b->walk, item + 1, len - 1);
	case H_OFFPAGE:
		if (len < HOFFPAGE_BYTES)
			return bdb_fail(b, MOAT_E_FORMAT, "page %u: item %u: off-page item of %u bytes",
					pgno, i, len);
		r = overflow_read(b, pgno, get32(b, item + 4), get32(b, item + 8));
		if (r < 0)
			return r;
		return rpmdb_emit(b->walk, b->value.data, b->value.len);
	case H_DUPLICATE:
	case H_OFFDUP:
		return bdb_fail(b, MOAT_E_FORMAT,
				"page %u: item %u: duplicate data items (type %u) are not used by rpm",
				pgno, i, item[0]);
	}
	return bdb_fail(b, MOAT_E_FORMAT, "page %u: item %u: unknown item type %u", pgno, i,
			item[0]);
}

/* One key/data pair: the key must be a 4-byte header number; 0 is skipped. */
static int pair(struct bdb *b, const uint8_t *pg, uint32_t pgno, uint32_t idx_end, uint32_t i)
{
	uint32_t off = 0;
	uint32_t len = 0;
	int r;

	r = item_bounds(b, pg, pgno, idx_end, i, &off, &len);
	if (r < 0)
		return r;
	if (pg[off] != H_KEYDATA || len != 5)
		return bdb_fail(b, MOAT_E_FORMAT,
				"page %u: item %u: key of type %u and %u bytes is not a header number",
				pgno, i, pg[off], len - 1);
	if (get32(b, pg + off + 1) == 0)
		return 0;
	r = item_bounds(b, pg, pgno, idx_end, i + 1, &off, &len);
	if (r < 0)
		return r;
	return data_item(b, pg, pgno, i + 1, off, len);
}

static int hash_page(struct bdb *b, uint32_t pgno)
{
	const uint8_t *pg = page_at(b, pgno);
	uint32_t entries = get16(b, pg + 20);
	uint32_t idx_end = b->overhead + 2 * entries;

	if (get32(b, pg + 8) != pgno)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: header says page %u", pgno,
				get32(b, pg + 8));
	if (idx_end > b->psize)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: %u item offsets past page end", pgno,
				entries);
	if (entries % 2)
		return bdb_fail(b, MOAT_E_FORMAT, "page %u: odd item count %u", pgno, entries);
	for (uint32_t i = 0; i < entries; i += 2) {
		int r = pair(b, pg, pgno, idx_end, i);

		if (r != 0)
			return r;
	}
	return 0;
}

int rpmdb_bdb_walk(struct rpmdb_walk *walk, const uint8_t *data, size_t len)
{
	struct bdb b = { .walk = walk, .data = data, .len = len };
	int r;

	moat_buf_init(&b.value, RPMHDR_MAX_BLOB);
	r = bdb_meta(&b);
	for (uint32_t pgno = 1; r == 0 && pgno <= b.last_pgno; pgno++) {
		uint8_t type = page_at(&b, pgno)[25];

		if (type == P_HASH || type == P_HASH_UNSORTED)
			r = hash_page(&b, pgno);
	}
	moat_buf_release(&b.value);
	return r;
}
