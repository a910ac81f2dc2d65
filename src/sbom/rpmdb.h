/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rpmdb.h - read an RPM package database and its header blobs from memory.
 *
 * The image scanner captures /var/lib/rpm/{rpmdb.sqlite,Packages,Packages.db}
 * while streaming a layer, so everything here works on bytes already in
 * memory: nothing is opened, extracted or written to disk. All three rpm
 * backends are read by our own bounds-checked code (no librpm): SQLite
 * (RHEL 9, Fedora) through sqlite3_deserialize, BerkeleyDB hash (RHEL 7/8,
 * Amazon Linux 2, CentOS) and NDB (SUSE) parsed by hand. The input is
 * untrusted: every offset, length and page number is checked against the
 * data, and failures are negative codes with a message naming the place.
 */
#ifndef MOAT_SBOM_RPMDB_H
#define MOAT_SBOM_RPMDB_H

#include <stddef.h>
#include <stdint.h>

#include "moat/error.h"

struct moat_arena;

enum moat_rpmdb_kind {
	MOAT_RPMDB_UNKNOWN = 0,
	MOAT_RPMDB_SQLITE, /* rpmdb.sqlite */
	MOAT_RPMDB_BDB,    /* Packages, BerkeleyDB hash, either byte order */
	MOAT_RPMDB_NDB,    /* Packages.db */
};

/* Sniff the backend from the first bytes (not from the file name). Needs 16
 * bytes; shorter or unrecognised input is MOAT_RPMDB_UNKNOWN. */
enum moat_rpmdb_kind moat_rpmdb_sniff(const uint8_t *data, size_t len);

/*
 * One installed package, as far as the scanner needs it. All strings are
 * NUL-terminated copies in the arena given to moat_rpm_header_parse() and
 * live as long as it. name, version and release are never NULL; every other
 * string is NULL when the header lacks the tag.
 */
struct moat_rpm_header {
	const char *name;
	const char *version;
	const char *release;
	const char *arch;           /* NULL for gpg-pubkey pseudo packages */
	const char *license;
	const char *vendor;
	const char *sourcerpm;      /* "bash-5.1.8-6.el9.src.rpm" */
	const char *source_name;    /* "bash"; split from sourcerpm, NULL when absent */
	const char *source_version; /* "5.1.8-6.el9"; NULL when absent */
	int64_t epoch;              /* -1 when absent */
	const char **files;         /* owned paths without the leading '/'; NULL if none */
	size_t n_files;
	const char *modularitylabel; /* MODULARITYLABEL, NULL when absent */
	const char *requires;       /* REQUIRENAME entries, one per line; NULL when absent */
	const char *provides;       /* PROVIDENAME entries, one per line; NULL when absent */
};

/* Parse one header blob (the rpmdb form: il, dl, index, data; no lead and no
 * magic). Strings are copied into arena; blob is only borrowed for the call.
 * Returns 0 and fills *ret_hdr, or MOAT_E_FORMAT / MOAT_E_TRUNCATED /
 * MOAT_E_LIMIT (also when the arena is full) with err filled and *ret_hdr
 * untouched. */
int moat_rpm_header_parse(struct moat_arena *arena, const uint8_t *blob, size_t len,
			  struct moat_rpm_header *ret_hdr, struct moat_error *err);

/* Called once per package header blob; blob is valid only during the call.
 * Returning non-zero stops the walk. */
typedef int (*moat_rpmdb_blob_cb)(void *ctx, const uint8_t *blob, size_t len);

/* Call cb for each package header blob in the database (backend sniffed from
 * data). cb returning non-zero stops the walk and that value is returned
 * (err is left alone then). max_packages bounds the count (0 means
 * MOAT_LIMIT_PACKAGES); one more is MOAT_E_LIMIT. Otherwise returns 0, or
 * MOAT_E_FORMAT / MOAT_E_TRUNCATED / MOAT_E_LIMIT / MOAT_E_UNSUPPORTED /
 * -ENOMEM with err filled; blobs already passed to cb stay passed. An empty
 * database is not an error. */
int moat_rpmdb_foreach(const uint8_t *data, size_t len, uint32_t max_packages,
		       moat_rpmdb_blob_cb cb, void *ctx, struct moat_error *err);

/* "[EPOCH:]VERSION-RELEASE" as rpm -q --qf '%{EVR}' prints it; the epoch is
 * omitted when absent. In arena; NULL when the arena is full. */
const char *moat_rpm_evr(struct moat_arena *arena, const struct moat_rpm_header *hdr);

/*
 * Module-private: shared by rpmdb.c and the backends in rpmdb-*.c only.
 * (They live here rather than in an rpmdb-int.h to keep the module's files
 * to the ones it owns; other modules must not use them.)
 */
struct rpmdb_walk {
	moat_rpmdb_blob_cb cb;
	void *ctx;
	uint32_t max_packages; /* never 0 here */
	uint32_t count;        /* blobs passed to cb so far */
	struct moat_error *err;
};

/* Count the blob against max_packages and hand it to the callback. Returns
 * the callback's value, or MOAT_E_LIMIT with walk->err filled. */
int rpmdb_emit(struct rpmdb_walk *walk, const uint8_t *blob, size_t len);
int rpmdb_sqlite_walk(struct rpmdb_walk *walk, const uint8_t *data, size_t len);
int rpmdb_bdb_walk(struct rpmdb_walk *walk, const uint8_t *data, size_t len);
int rpmdb_ndb_walk(struct rpmdb_walk *walk, const uint8_t *data, size_t len);

/* Largest header blob rpm itself accepts: 0xffff index entries and 256 MiB
 * of data (lib/header.c hdrchkTags, hdrchkData), plus the 8-byte il/dl. */
#define RPMHDR_MAX_TAGS 0xffffu
#define RPMHDR_MAX_DATA 0x0fffffffu
#define RPMHDR_MAX_BLOB (8u + 16u * RPMHDR_MAX_TAGS + RPMHDR_MAX_DATA)

#endif
