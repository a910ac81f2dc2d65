/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vulndb.c - read the compiled DB (vulndb-format.h) straight from a
 * read-only mapping.
 *
 * Open checks the header and (unless the caller opts out: fuzzing, benches)
 * the checksum of the whole file, then what is cheap: that every section lies
 * inside the file with a whole number of records, the counts, and the string
 * table's terminators. Everything else is checked when it is read: each
 * string offset, each (first, count) list, each index into another table. So
 * a file that passes the checksum yet is damaged (a writer bug, or an
 * unverified open) fails with MOAT_E_FORMAT naming the file and the section
 * when a bad record is reached, never with a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/digest.h"
#include "moat/error.h"
#include "vuln/version.h"
#include "vuln/vulndb.h"
#include "vulndb-format.h"

#define VULNDB_MAGIC 0x76646275u       /* catches stale or foreign handles */
/* Sources a DB may list (the builder's own cap). */
#define VULNDB_MAX_SOURCES 4096u
/* Longest normalised package name looked up (the builder skips longer ones). */
#define VULNDB_MAX_NAME 512u

struct vsec {
	const uint8_t *p;
	uint64_t len;
	uint64_t n;     /* records */
};

struct moat_vulndb {
	unsigned magic;
	const uint8_t *base;
	size_t size;
	bool mapped;
	char *name;                     /* file name for messages, heap */
	struct vsec sec[VDB_SEC_COUNT_];
	struct moat_vulndb_source *sources;
	char checksum[MOAT_DIGEST_STR_MAX];
	struct moat_vulndb_info info;
};

static const char *const sec_name[VDB_SEC_COUNT_] = {
	"header", "strings", "sources", "packages", "entries", "ranges", "vulns", "lists",
};

static const uint32_t sec_rec[VDB_SEC_COUNT_] = {
	0, 1, VDB_SOURCE_BYTES, VDB_PACKAGE_BYTES, VDB_ENTRY_BYTES, VDB_RANGE_BYTES,
	VDB_VULN_BYTES, VDB_LIST_BYTES,
};

static int bad(const struct moat_vulndb *db, struct moat_error *err, unsigned sec,
	       const char *what, uint64_t idx)
{
	return moat_error_set(err, MOAT_E_FORMAT, "%s: section %s: record %llu: %s", db->name,
			      sec_name[sec], (unsigned long long)idx, what);
}

/* String at offset off: true and *ret (NULL for 0), or false when out of
 * range. The table ends in NUL (checked at open), so any in-range offset
 * starts a terminated string. */
static bool str_at(const struct moat_vulndb *db, uint32_t off, const char **ret)
{
	if (off == 0) {
		*ret = NULL;
		return true;
	}
	if (off >= db->sec[VDB_SEC_STRINGS].len)
		return false;
	*ret = (const char *)db->sec[VDB_SEC_STRINGS].p + off;
	return true;
}

static const uint8_t *rec_at(const struct moat_vulndb *db, unsigned sec, uint64_t i)
{
	return i < db->sec[sec].n ? db->sec[sec].p + i * sec_rec[sec] : NULL;
}

/* (first, count) at p names a run inside section sec. */
static bool run_ok(const struct moat_vulndb *db, unsigned sec, const uint8_t *p)
{
	uint64_t first = vdb_get32(p);
	uint64_t n = vdb_get32(p + 4);

	return first + n <= db->sec[sec].n;
}

static int read_sections(struct moat_vulndb *db, struct moat_error *err)
{
	const uint8_t *h = db->base;
	uint32_t ns = vdb_get32(h + VDB_H_N_SECTIONS);

	if (ns > VDB_MAX_SECTIONS)
		return bad(db, err, 0, "too many sections", ns);
	for (uint32_t i = 0; i < ns; i++) {
		const uint8_t *r = h + VDB_H_SECTIONS + (size_t)i * VDB_SECTION_BYTES;
		uint32_t id = vdb_get32(r);
		uint64_t off = vdb_get64(r + 8);
		uint64_t len = vdb_get64(r + 16);

		if (id == 0 || id >= VDB_SEC_COUNT_)
			continue; /* a newer writer's extra section */
		if (db->sec[id].p)
			return bad(db, err, id, "listed twice", i);
		if (vdb_get32(r + 4) != (id == VDB_SEC_STRINGS ? 0 : sec_rec[id]))
			return bad(db, err, id, "unexpected record size", i);
		if (off < VDB_HEADER_BYTES || off > db->size || len > db->size - off)
			return bad(db, err, id, "lies outside the file", i);
		if (len % sec_rec[id])
			return bad(db, err, id, "not a whole number of records", i);
		db->sec[id].p = db->base + off;
		db->sec[id].len = len;
		db->sec[id].n = len / sec_rec[id];
	}
	for (unsigned id = 1; id < VDB_SEC_COUNT_; id++)
		if (!db->sec[id].p)
			return bad(db, err, id, "missing", 0);
	return 0;
}

static int check_counts(struct moat_vulndb *db, struct moat_error *err)
{
	const uint8_t *h = db->base;
	const struct vsec *st = &db->sec[VDB_SEC_STRINGS];

	if (vdb_get64(h + VDB_H_N_VULNS) != db->sec[VDB_SEC_VULNS].n)
		return bad(db, err, VDB_SEC_VULNS, "count does not match the header", 0);
	if (vdb_get64(h + VDB_H_N_ENTRIES) != db->sec[VDB_SEC_ENTRIES].n)
		return bad(db, err, VDB_SEC_ENTRIES, "count does not match the header", 0);
	if (vdb_get64(h + VDB_H_N_PACKAGES) != db->sec[VDB_SEC_PACKAGES].n)
		return bad(db, err, VDB_SEC_PACKAGES, "count does not match the header", 0);
	if (vdb_get64(h + VDB_H_N_SOURCES) != db->sec[VDB_SEC_SOURCES].n ||
	    db->sec[VDB_SEC_SOURCES].n > VULNDB_MAX_SOURCES)
		return bad(db, err, VDB_SEC_SOURCES, "bad count", 0);
	if (st->len == 0 || st->p[0] != 0 || st->p[st->len - 1] != 0)
		return bad(db, err, VDB_SEC_STRINGS, "not NUL-delimited", 0);
	if (db->sec[VDB_SEC_ENTRIES].n > UINT32_MAX || db->sec[VDB_SEC_VULNS].n > UINT32_MAX)
		return bad(db, err, VDB_SEC_ENTRIES, "over 2^32 records", 0);
	return 0;
}

static int read_sources(struct moat_vulndb *db, struct moat_error *err)
{
	uint64_t n = db->sec[VDB_SEC_SOURCES].n;

	db->sources = calloc(n ? n : 1, sizeof(*db->sources));
	if (!db->sources)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", db->name);
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *r = rec_at(db, VDB_SEC_SOURCES, i);
		struct moat_vulndb_source *s = &db->sources[i];

		if (!r)
			return bad(db, err, VDB_SEC_SOURCES, "record out of range", i);
		if (!str_at(db, vdb_get32(r), &s->name) || !str_at(db, vdb_get32(r + 4), &s->origin) ||
		    !str_at(db, vdb_get32(r + 8), &s->date))
			return bad(db, err, VDB_SEC_SOURCES, "string offset out of range", i);
		s->records = vdb_get64(r + 16);
	}
	db->info.sources = db->sources;
	db->info.n_sources = n;
	return 0;
}

int vdb_checksum(const uint8_t *p, size_t len, char out[MOAT_DIGEST_STR_MAX])
{
	static const uint8_t zeros[32];
	struct moat_sha256 sha;

	if (len < VDB_HEADER_BYTES || moat_sha256_init(&sha) < 0)
		return -ENOMEM;
	moat_sha256_update(&sha, p, VDB_H_SHA256);
	moat_sha256_update(&sha, zeros, sizeof(zeros));
	moat_sha256_update(&sha, p + VDB_H_SHA256 + 32, len - VDB_H_SHA256 - 32);
	moat_sha256_final(&sha, out);
	return 0;
}

/* The stored checksum as a digest string; with check, also hash the file
 * (SHA-NI: 7-8 ms CPU for the 4.6 MB DB of all test feeds, ~1.3 % of a scan
 * of the Debian sample; docs/internals/vulndb-format.md) and refuse any
 * difference.
 * Runs before the section table is read, so an edited byte anywhere is
 * reported as what it is, not as whichever record it broke.
 * NEEDSWORK: linear in the file size; past 20-40 MB this is over 5 % of a
 * small scan. Then: per-chunk digests checked on first touch, with a sticky
 * error on the handle that scan checks before it reports. */
static int verify(struct moat_vulndb *db, bool check, struct moat_error *err)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *want = db->base + VDB_H_SHA256;
	char got[MOAT_DIGEST_STR_MAX];
	char *p = db->checksum;

	p += snprintf(db->checksum, sizeof(db->checksum), "sha256:");
	for (unsigned i = 0; i < 32; i++) {
		*p++ = hex[want[i] >> 4];
		*p++ = hex[want[i] & 15];
	}
	*p = '\0';
	if (!check)
		return 0;
	if (vdb_checksum(db->base, db->size, got) < 0)
		return moat_error_set(err, -ENOMEM, "%s: sha256 failed", db->name);
	/* 12 hex digits of each: enough to tell them apart, short enough for a message. */
	if (strcmp(got, db->checksum) != 0)
		return moat_error_set(err, MOAT_E_VERIFY, "%s: checksum mismatch (changed after it "
				      "was built): header has %.19s..., contents hash to %.19s...",
				      db->name, db->checksum, got);
	return 0;
}

static int check_header(struct moat_vulndb *db, struct moat_error *err)
{
	const uint8_t *h = db->base;

	if (db->size < VDB_HEADER_BYTES || memcmp(h, VDB_MAGIC, VDB_MAGIC_LEN) != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not a moat vulnerability DB", db->name);
	if (vdb_get32(h + VDB_H_VERSION) != VDB_VERSION)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: DB format version %u, expected %u",
				      db->name, vdb_get32(h + VDB_H_VERSION), VDB_VERSION);
	if (vdb_get32(h + VDB_H_HEADER_BYTES) != VDB_HEADER_BYTES)
		return bad(db, err, 0, "unexpected header size", 0);
	if (vdb_get64(h + VDB_H_FILE_SIZE) != db->size)
		return moat_error_set(err, MOAT_E_TRUNCATED, "%s: file is %zu bytes, header says %llu",
				      db->name, db->size,
				      (unsigned long long)vdb_get64(h + VDB_H_FILE_SIZE));
	return 0;
}

static int db_init(struct moat_vulndb *db, bool verify_sum, struct moat_error *err)
{
	int r = check_header(db, err);

	r = r ? r : verify(db, verify_sum, err);
	r = r ? r : read_sections(db, err);
	r = r ? r : check_counts(db, err);
	r = r ? r : read_sources(db, err);
	if (r)
		return r;
	db->info.format_version = VDB_VERSION;
	db->info.built = (int64_t)vdb_get64(db->base + VDB_H_BUILT);
	db->info.checksum = db->checksum;
	db->info.n_vulns = db->sec[VDB_SEC_VULNS].n;
	db->info.n_affected = db->sec[VDB_SEC_ENTRIES].n;
	db->info.n_packages = db->sec[VDB_SEC_PACKAGES].n;
	db->info.file_size = db->size;
	return 0;
}

static struct moat_vulndb *db_new(const char *name, struct moat_error *err)
{
	struct moat_vulndb *db = calloc(1, sizeof(*db));

	if (db)
		db->name = strdup(name ? name : "vulndb");
	if (!db || !db->name) {
		free(db);
		moat_error_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	db->magic = VULNDB_MAGIC;
	return db;
}

int moat_vulndb_open_mem(const void *data, size_t len, const char *name, bool verify_sum,
			 struct moat_vulndb **ret_db, struct moat_error *err)
{
	struct moat_vulndb *db = db_new(name, err);
	int r;

	if (!db)
		return -ENOMEM;
	db->base = data;
	db->size = len;
	r = db_init(db, verify_sum, err);
	if (r) {
		moat_vulndb_close(db);
		return r;
	}
	*ret_db = db;
	return 0;
}

int moat_vulndb_open(const char *path, bool verify_sum, struct moat_vulndb **ret_db,
		     struct moat_error *err)
{
	struct moat_vulndb *db;
	struct stat st;
	void *map;
	int fd;
	int r;

	/* O_NONBLOCK: a FIFO given as the DB is refused below, not waited on. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return moat_error_set(err, r, "%s: %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode) || st.st_size < VDB_HEADER_BYTES) {
		close(fd);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not a moat vulnerability DB (%s)",
				      path, S_ISREG(st.st_mode) ? "too short" : "not a regular file");
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	r = -errno;
	close(fd);
	if (map == MAP_FAILED)
		return moat_error_set(err, r, "%s: mmap: %s", path, strerror(-r));
	db = db_new(path, err);
	if (!db) {
		munmap(map, (size_t)st.st_size);
		return -ENOMEM;
	}
	db->base = map;
	db->size = (size_t)st.st_size;
	db->mapped = true;
	r = db_init(db, verify_sum, err);
	if (r) {
		moat_vulndb_close(db);
		return r;
	}
	*ret_db = db;
	return 0;
}

void moat_vulndb_close(struct moat_vulndb *db)
{
	if (!db)
		return;
	if (db->mapped)
		munmap((void *)(uintptr_t)db->base, db->size);
	free(db->sources);
	free(db->name);
	db->magic = 0;
	free(db);
}

const struct moat_vulndb_info *moat_vulndb_info(const struct moat_vulndb *db)
{
	return &db->info;
}

static void cur_fail(struct moat_vulndb_cursor *cur, unsigned sec, uint64_t idx)
{
	cur->error = MOAT_E_FORMAT;
	cur->error_section = sec_name[sec];
	cur->error_index = idx;
	cur->pos = cur->end;
}

int moat_vulndb_cursor_error(const struct moat_vulndb_cursor *cur, struct moat_error *err)
{
	if (!cur->error)
		return 0;
	return moat_error_set(err, cur->error, "%s: section %s: record %llu: damaged",
			      cur->db ? cur->db->name : "vulndb", cur->error_section,
			      (unsigned long long)cur->error_index);
}

/* Point cur at the entries of package record p (index i). */
static bool cur_set(struct moat_vulndb_cursor *cur, const uint8_t *p, uint64_t i)
{
	const struct moat_vulndb *db = cur->db;
	uint64_t first = vdb_get32(p + 8);
	uint64_t n = vdb_get32(p + 12);

	if (!str_at(db, vdb_get32(p), &cur->ecosystem) || !str_at(db, vdb_get32(p + 4), &cur->package)) {
		cur_fail(cur, VDB_SEC_PACKAGES, i);
		return false;
	}
	if (first + n > db->sec[VDB_SEC_ENTRIES].n) {
		cur_fail(cur, VDB_SEC_PACKAGES, i);
		return false;
	}
	cur->pos = first;
	cur->end = first + n;
	return true;
}

static void cur_reset(const struct moat_vulndb *db, struct moat_vulndb_cursor *cur)
{
	cur->db = db;
	cur->pos = cur->end = 0;
	cur->truncated = false;
	cur->ecosystem = cur->package = NULL;
	cur->error = 0;
	cur->error_section = NULL;
	cur->error_index = 0;
}

int moat_vulndb_find(const struct moat_vulndb *db, const char *ecosystem, const char *package,
		     struct moat_vulndb_cursor *cur)
{
	char name[VULNDB_MAX_NAME];
	uint64_t lo = 0;
	uint64_t hi;

	cur_reset(db, cur);
	if (!db || db->magic != VULNDB_MAGIC || !ecosystem || !package)
		return MOAT_E_USAGE;
	if (moat_pkgname_normalize(ecosystem, package, name, sizeof(name)) < 0)
		return 0;
	hi = db->sec[VDB_SEC_PACKAGES].n;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const uint8_t *p = rec_at(db, VDB_SEC_PACKAGES, mid);
		const char *eco;
		const char *pkg;
		int c;

		if (!p || !str_at(db, vdb_get32(p), &eco) || !str_at(db, vdb_get32(p + 4), &pkg) ||
		    !eco || !pkg) {
			cur_fail(cur, VDB_SEC_PACKAGES, mid);
			return MOAT_E_FORMAT;
		}
		c = strcmp(ecosystem, eco);
		if (c == 0)
			c = strcmp(name, pkg);
		if (c == 0)
			return cur_set(cur, p, mid) ? 0 : MOAT_E_FORMAT;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return 0;
}

int moat_vulndb_package_at(const struct moat_vulndb *db, uint64_t i,
			   struct moat_vulndb_cursor *cur, struct moat_error *err)
{
	const uint8_t *p;

	cur_reset(db, cur);
	p = rec_at(db, VDB_SEC_PACKAGES, i);
	if (!p)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no package %llu", db->name,
				      (unsigned long long)i);
	if (!cur_set(cur, p, i))
		return moat_vulndb_cursor_error(cur, err);
	return 0;
}

/* Ranges of entry e into the cursor. */
static bool load_ranges(struct moat_vulndb_cursor *cur, const uint8_t *e, size_t *ret_n)
{
	const struct moat_vulndb *db = cur->db;
	uint64_t first = vdb_get32(e + VDB_E_FIRST_RANGE);
	uint64_t n = vdb_get32(e + VDB_E_N_RANGES);
	size_t max = sizeof(cur->ranges) / sizeof(cur->ranges[0]);

	if (!run_ok(db, VDB_SEC_RANGES, e + VDB_E_FIRST_RANGE))
		return false;
	if (n > max) {
		cur->truncated = true;
		n = max;
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *r = rec_at(db, VDB_SEC_RANGES, first + i);
		struct moat_adv_range *x = &cur->ranges[i];

		if (!r || !str_at(db, vdb_get32(r), &x->introduced) ||
		    !str_at(db, vdb_get32(r + 4), &x->fixed) ||
		    !str_at(db, vdb_get32(r + 8), &x->last_affected) ||
		    !str_at(db, vdb_get32(r + 12), &x->limit))
			return false;
	}
	*ret_n = (size_t)n;
	return true;
}

static bool load_versions(struct moat_vulndb_cursor *cur, const uint8_t *e, size_t *ret_n)
{
	const struct moat_vulndb *db = cur->db;
	uint64_t first = vdb_get32(e + VDB_E_FIRST_VERSION);
	uint64_t n = vdb_get32(e + VDB_E_N_VERSIONS);
	size_t max = sizeof(cur->versions) / sizeof(cur->versions[0]);

	if (!run_ok(db, VDB_SEC_LISTS, e + VDB_E_FIRST_VERSION))
		return false;
	if (n > max) {
		cur->truncated = true;
		n = max;
	}
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *cell = rec_at(db, VDB_SEC_LISTS, first + i);

		if (!cell || !str_at(db, vdb_get32(cell), &cur->versions[i]))
			return false;
	}
	*ret_n = (size_t)n;
	return true;
}

bool moat_vulndb_next(struct moat_vulndb_cursor *cur, struct moat_vulndb_entry *out)
{
	const struct moat_vulndb *db = cur->db;
	const uint8_t *e;
	const uint8_t *v;
	uint64_t idx;

	if (!db || cur->error || cur->pos >= cur->end)
		return false;
	idx = cur->pos++;
	e = rec_at(db, VDB_SEC_ENTRIES, idx);
	v = e ? rec_at(db, VDB_SEC_VULNS, vdb_get32(e + VDB_E_VULN)) : NULL;
	memset(out, 0, sizeof(*out));
	if (!e || !v || e[VDB_E_STATUS] > MOAT_ADV_NOT_AFFECTED ||
	    e[VDB_E_RANGE_TYPE] > MOAT_RANGE_GIT || !str_at(db, vdb_get32(v + VDB_V_ID), &out->vuln_id) ||
	    !out->vuln_id || !str_at(db, vdb_get32(e + VDB_E_SEVERITY), &out->severity) ||
	    !str_at(db, vdb_get32(e + VDB_E_NOTE), &out->note)) {
		cur_fail(cur, VDB_SEC_ENTRIES, idx);
		return false;
	}
	if (!load_ranges(cur, e, &out->n_ranges)) {
		cur_fail(cur, VDB_SEC_RANGES, idx);
		return false;
	}
	if (!load_versions(cur, e, &out->n_versions)) {
		cur_fail(cur, VDB_SEC_LISTS, idx);
		return false;
	}
	out->ecosystem = cur->ecosystem;
	out->package = cur->package;
	out->status = (enum moat_adv_status)e[VDB_E_STATUS];
	out->range_type = (enum moat_adv_range_type)e[VDB_E_RANGE_TYPE];
	out->ranges = cur->ranges;
	out->versions = cur->versions;
	out->vuln_index = vdb_get32(e + VDB_E_VULN);
	return true;
}

static int vuln_fill(const struct moat_vulndb *db, uint64_t i, struct moat_vulndb_vuln *out,
		     struct moat_error *err)
{
	const uint8_t *v = rec_at(db, VDB_SEC_VULNS, i);
	struct moat_vulndb_vuln x = { 0 };
	uint32_t flags;

	if (!v)
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no vulnerability %llu", db->name,
				      (unsigned long long)i);
	if (!str_at(db, vdb_get32(v + VDB_V_ID), &x.id) || !x.id ||
	    !str_at(db, vdb_get32(v + VDB_V_SUMMARY), &x.summary) ||
	    !str_at(db, vdb_get32(v + VDB_V_PUBLISHED), &x.published) ||
	    !str_at(db, vdb_get32(v + VDB_V_MODIFIED), &x.modified) ||
	    !str_at(db, vdb_get32(v + VDB_V_SEVERITY), &x.severity) ||
	    !str_at(db, vdb_get32(v + VDB_V_CVSS3_VECTOR), &x.cvss3_vector) ||
	    !str_at(db, vdb_get32(v + VDB_V_CVSS4_VECTOR), &x.cvss4_vector) ||
	    !str_at(db, vdb_get32(v + VDB_V_CVSS_SOURCE), &x.cvss_source) ||
	    !str_at(db, vdb_get32(v + VDB_V_KEV_DATE), &x.kev_date_added))
		return bad(db, err, VDB_SEC_VULNS, "string offset out of range", i);
	if (!run_ok(db, VDB_SEC_LISTS, v + VDB_V_FIRST_ALIAS) ||
	    !run_ok(db, VDB_SEC_LISTS, v + VDB_V_FIRST_CWE) ||
	    !run_ok(db, VDB_SEC_LISTS, v + VDB_V_FIRST_REF))
		return bad(db, err, VDB_SEC_VULNS, "list out of range", i);
	flags = vdb_get32(v + VDB_V_FLAGS);
	x.kev = flags & VDB_VF_KEV;
	x.kev_ransomware = flags & VDB_VF_RANSOMWARE;
	x.cvss3_score = vdb_getf64(v + VDB_V_CVSS3_SCORE);
	x.cvss4_score = vdb_getf64(v + VDB_V_CVSS4_SCORE);
	x.epss = vdb_getf64(v + VDB_V_EPSS);
	x.epss_percentile = vdb_getf64(v + VDB_V_EPSS_PCT);
	x.n_aliases = vdb_get32(v + VDB_V_N_ALIASES);
	x.n_cwes = vdb_get32(v + VDB_V_N_CWES);
	x.n_references = vdb_get32(v + VDB_V_N_REFS);
	x.index = i;
	*out = x;
	return 0;
}

int moat_vulndb_vuln_at(const struct moat_vulndb *db, uint64_t index,
			struct moat_vulndb_vuln *out, struct moat_error *err)
{
	return vuln_fill(db, index, out, err);
}

int moat_vulndb_vuln(const struct moat_vulndb *db, const char *id, struct moat_vulndb_vuln *out,
		     struct moat_error *err)
{
	uint64_t lo = 0;
	uint64_t hi = db->sec[VDB_SEC_VULNS].n;

	while (id && lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		const uint8_t *rec = rec_at(db, VDB_SEC_VULNS, mid);
		const char *vid;
		int c;

		if (!rec || !str_at(db, vdb_get32(rec + VDB_V_ID), &vid) || !vid)
			return bad(db, err, VDB_SEC_VULNS, "string offset out of range", mid);
		c = strcmp(id, vid);
		if (c == 0)
			return vuln_fill(db, mid, out, err);
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no vulnerability %s", db->name,
			      id ? id : "(null)");
}

/* i-th string of the list whose (first, count) is at offset at of the record. */
static const char *vuln_list(const struct moat_vulndb *db, const struct moat_vulndb_vuln *vv,
			     size_t at, size_t i)
{
	const uint8_t *v = rec_at(db, VDB_SEC_VULNS, vv->index);
	const uint8_t *cell;
	const char *s;

	if (!v || !run_ok(db, VDB_SEC_LISTS, v + at) || i >= vdb_get32(v + at + 4))
		return NULL;
	cell = rec_at(db, VDB_SEC_LISTS, (uint64_t)vdb_get32(v + at) + i);
	return cell && str_at(db, vdb_get32(cell), &s) ? s : NULL;
}

const char *moat_vulndb_vuln_alias(const struct moat_vulndb *db, const struct moat_vulndb_vuln *v,
				   size_t i)
{
	return vuln_list(db, v, VDB_V_FIRST_ALIAS, i);
}

const char *moat_vulndb_vuln_cwe(const struct moat_vulndb *db, const struct moat_vulndb_vuln *v,
				 size_t i)
{
	return vuln_list(db, v, VDB_V_FIRST_CWE, i);
}

const char *moat_vulndb_vuln_reference(const struct moat_vulndb *db,
				       const struct moat_vulndb_vuln *v, size_t i)
{
	return vuln_list(db, v, VDB_V_FIRST_REF, i);
}

const char *moat_vulndb_default_path(char *buf, size_t len)
{
	const char *env = getenv("MOAT_DB");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	int n;

	if (env && *env)
		n = snprintf(buf, len, "%s", env);
	else if (xdg && *xdg == '/')
		n = snprintf(buf, len, "%s/moat/vuln.db", xdg);
	else if (home && *home)
		n = snprintf(buf, len, "%s/.local/share/moat/vuln.db", home);
	else
		return NULL;
	return n < 0 || (size_t)n >= len ? NULL : buf;
}
