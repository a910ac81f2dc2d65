/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmdb-ndb.c - read the header blobs of an rpm NDB `Packages.db` (SUSE).
 *
 * Layout, from rpm's lib/backend/ndb/rpmpkg.c; all integers little endian:
 *
 *   header    the first 32 bytes: magic 'RpmP', version 0, generation,
 *             number of slot pages, next package index, zero padding
 *   slots     slot pages of 4096 bytes fill the start of the file; each
 *             16-byte slot is {magic 'Slot', pkgidx, blkoff, blkcnt}; the
 *             first two slot positions of page 0 hold the header; blkoff 0
 *             marks a free slot
 *   blobs     in 16-byte blocks after the slot pages: head {magic 'BlbS',
 *             pkgidx, timestamp, length}, the header blob, zero padding,
 *             tail {adler32, length, magic 'BlbE'}; blkcnt covers exactly
 *             head + blob + tail rounded up to a block
 *
 * We check what rpm checks when it reads (file a whole number of blocks,
 * slot magics, slots pointing past the slot pages and inside the file, blob
 * head and tail matching the slot) and, like rpm on a plain read, do not
 * verify the adler32. Slots are walked in file order. Blobs emitted together
 * may not add up to more than the file, so overlapping slots cannot multiply
 * the work.
 */
#include <stdbool.h>

#include "rpmdb.h"

#define NDB_HEADER_BYTES 32u
#define NDB_PAGE 4096u
#define NDB_SLOT 16u
#define NDB_BLK 16u
#define NDB_SLOTS_PER_PAGE (NDB_PAGE / NDB_SLOT)
#define NDB_BLOB_HEAD 16u
#define NDB_BLOB_TAIL 12u
#define NDB_VERSION 0u

/* The magics as rpm stores them: four ASCII bytes read as a little-endian u32. */
#define MAGIC(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | \
			   (uint32_t)(d) << 24)
#define NDB_MAGIC MAGIC('R', 'p', 'm', 'P')
#define SLOT_MAGIC MAGIC('S', 'l', 'o', 't')
#define BLOB_HEAD_MAGIC MAGIC('B', 'l', 'b', 'S')
#define BLOB_TAIL_MAGIC MAGIC('B', 'l', 'b', 'E')

struct ndb {
	struct rpmdb_walk *walk;
	const uint8_t *data;
	size_t len;
	uint32_t slot_pages;
	uint64_t fileblks;   /* file size in blocks */
	uint64_t emitted;    /* blob bytes handed out so far, at most len */
};

struct ndb_slot {
	uint64_t no;         /* slot number, counting the header's two */
	uint32_t pkgidx;
	uint32_t blkoff;
	uint32_t blkcnt;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static int ndb_fail(const struct ndb *n, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ndb_fail(const struct ndb *n, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	moat_error_vset(n->walk->err, code, fmt, ap);
	va_end(ap);
	moat_error_prefix(n->walk->err, "rpmdb (ndb): ");
	return code;
}

static int ndb_header(struct ndb *n)
{
	uint32_t version;

	if (n->len < NDB_HEADER_BYTES)
		return ndb_fail(n, MOAT_E_TRUNCATED, "file has %zu bytes, header needs %u", n->len,
				NDB_HEADER_BYTES);
	if (le32(n->data) != NDB_MAGIC)
		return ndb_fail(n, MOAT_E_FORMAT, "no 'RpmP' magic");
	version = le32(n->data + 4);
	if (version != NDB_VERSION)
		return ndb_fail(n, MOAT_E_UNSUPPORTED, "version %u, want %u", version, NDB_VERSION);
	if (n->len % NDB_BLK)
		return ndb_fail(n, MOAT_E_TRUNCATED, "file has %zu bytes, not whole %u-byte blocks",
				n->len, NDB_BLK);
	n->fileblks = n->len / NDB_BLK;
	n->slot_pages = le32(n->data + 12);
	if (n->slot_pages == 0)
		return ndb_fail(n, MOAT_E_FORMAT, "no slot pages");
	if ((uint64_t)n->slot_pages * NDB_PAGE > n->len)
		return ndb_fail(n, MOAT_E_TRUNCATED, "file has %zu bytes, %u slot pages need %llu",
				n->len, n->slot_pages,
				(unsigned long long)n->slot_pages * NDB_PAGE);
	return 0;
}

/* Check a used slot against the file; blobs must start after the slot pages. */
static int slot_check(struct ndb *n, const struct ndb_slot *s)
{
	uint64_t first = (uint64_t)n->slot_pages * (NDB_PAGE / NDB_BLK);

	if (s->pkgidx == 0 || s->blkcnt == 0)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: package %u with %u blocks", (unsigned long long)s->no,
				s->pkgidx, s->blkcnt);
	if (s->blkoff < first)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: block %u inside the slot pages", (unsigned long long)s->no,
				s->blkoff);
	if ((uint64_t)s->blkoff + s->blkcnt > n->fileblks)
		return ndb_fail(n, MOAT_E_TRUNCATED, "slot %llu: blocks %u+%u past file end (%llu)",
				(unsigned long long)s->no, s->blkoff, s->blkcnt, (unsigned long long)n->fileblks);
	return 0;
}

/* Check the blob's head and tail against its slot and emit the header. */
static int blob(struct ndb *n, const struct ndb_slot *s)
{
	const uint8_t *head = n->data + (size_t)s->blkoff * NDB_BLK;
	const uint8_t *tail = head + (size_t)s->blkcnt * NDB_BLK - NDB_BLOB_TAIL;
	uint32_t len;
	uint64_t blks;

	if (le32(head) != BLOB_HEAD_MAGIC || le32(head + 4) != s->pkgidx)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: no blob of package %u at block %u",
				(unsigned long long)s->no, s->pkgidx, s->blkoff);
	len = le32(head + 12);
	blks = ((uint64_t)NDB_BLOB_HEAD + len + NDB_BLOB_TAIL + NDB_BLK - 1) / NDB_BLK;
	if (blks != s->blkcnt)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: blob of %u bytes needs %llu blocks, slot has %u",
				(unsigned long long)s->no, len, (unsigned long long)blks, s->blkcnt);
	if (le32(tail + 4) != len || le32(tail + 8) != BLOB_TAIL_MAGIC)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: blob tail at block %u does not match",
				(unsigned long long)s->no, s->blkoff);
	n->emitted += len;
	if (n->emitted > n->len)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: slots share blocks (%llu bytes emitted)",
				(unsigned long long)s->no, (unsigned long long)n->emitted);
	return rpmdb_emit(n->walk, head + NDB_BLOB_HEAD, len);
}

static int slot(struct ndb *n, uint64_t no)
{
	const uint8_t *p = n->data + (size_t)no * NDB_SLOT;
	struct ndb_slot s = { no, le32(p + 4), le32(p + 8), le32(p + 12) };
	int r;

	if (le32(p) != SLOT_MAGIC)
		return ndb_fail(n, MOAT_E_FORMAT, "slot %llu: no 'Slot' magic", (unsigned long long)no);
	if (s.blkoff == 0)
		return 0;
	r = slot_check(n, &s);
	if (r < 0)
		return r;
	return blob(n, &s);
}

int rpmdb_ndb_walk(struct rpmdb_walk *walk, const uint8_t *data, size_t len)
{
	struct ndb n = { .walk = walk, .data = data, .len = len };
	uint64_t nslots;
	int r;

	r = ndb_header(&n);
	if (r < 0)
		return r;
	nslots = (uint64_t)n.slot_pages * NDB_SLOTS_PER_PAGE;
	for (uint64_t no = NDB_HEADER_BYTES / NDB_SLOT; no < nslots; no++) {
		r = slot(&n, no);
		if (r != 0)
			return r;
	}
	return 0;
}
