/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-build.h - compile feeds into the DB file that vulndb.h reads.
 *
 * A builder is an advisory sink (advisory.h): feed parsers hand it
 * advisories, KEV and EPSS rows; it copies what it keeps into its own arena.
 * moat_dbb_write() then merges (one record per vulnerability id, NVD's CVSS
 * and KEV/EPSS carried over to records that alias the CVE, withdrawn records
 * dropped, duplicate (ecosystem, package, vuln) entries joined) and writes
 * the file atomically. moat_dbb_load() walks files, directories and tar
 * archives (plain, gzip, zstd) and zips, sniffs each document and runs its
 * parser.
 */
#ifndef MOAT_VULN_DB_BUILD_H
#define MOAT_VULN_DB_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "vuln/advisory.h"

struct moat_error;
struct moat_dbb;

/* Bounds on what one build reads (the inputs are downloaded feeds). */
/* One document (the Debian tracker JSON is ~80 MiB, an NVD page ~20 MiB). */
#define MOAT_DBB_MAX_DOC_BYTES (1ull << 30)
/* Decompressed bytes of one archive. */
#define MOAT_DBB_MAX_ARCHIVE_BYTES (64ull << 30)
/* Files visited under one --from path (OSV all.zip unpacked is ~600k). */
#define MOAT_DBB_MAX_FILES (8u << 20)
/* Directory depth when walking --from directories. */
#define MOAT_DBB_MAX_DEPTH 32u
/* References kept per vulnerability ("the builder keeps a few"). */
#define MOAT_DBB_MAX_REFS 8u
/* Bytes of a summary kept. */
#define MOAT_DBB_MAX_SUMMARY 1024u
/* Sources (feeds x origins) in one DB. */
#define MOAT_DBB_MAX_SOURCES 4096u

struct moat_dbb_stats {
	uint64_t advisories;    /* advisory() calls */
	uint64_t withdrawn;     /* of those, withdrawn */
	uint64_t affected;      /* affected[] items received */
	uint64_t kev;           /* KEV rows */
	uint64_t epss;          /* EPSS rows */
	uint64_t files;         /* documents parsed by moat_dbb_load */
	uint64_t ignored;       /* files moat_feed_sniff() did not recognise */
	/* Filled by moat_dbb_write()/serialize(): what went into the file. */
	uint64_t n_vulns;
	uint64_t n_entries;
	uint64_t n_packages;
	uint64_t kev_matched;   /* vulns marked KEV */
	uint64_t epss_matched;  /* vulns given an EPSS score */
};

/* New empty builder. Returns 0, or -ENOMEM. */
int moat_dbb_open(struct moat_dbb **ret_dbb, struct moat_error *err);
/* Free everything. NULL is a no-op. */
void moat_dbb_close(struct moat_dbb *dbb);

/* The sink that feeds this builder (ctx = dbb). */
struct moat_adv_sink moat_dbb_sink(struct moat_dbb *dbb);

/* Records that follow count towards source (name, origin), created on first
 * use. date may be NULL: the newest "modified" or "published" of its
 * advisories is used. */
int moat_dbb_source(struct moat_dbb *dbb, const char *name, const char *origin, const char *date,
		    struct moat_error *err);

/* Merge and serialise into out (appending). built = unix seconds stamped in
 * the header. The builder may be serialised again after more input. */
int moat_dbb_serialize(struct moat_dbb *dbb, int64_t built, struct moat_buf *out,
		       struct moat_error *err);
/* Serialise and write to path atomically: temp file in the same directory,
 * fsync, rename, fsync of the directory. */
int moat_dbb_write(struct moat_dbb *dbb, const char *path, int64_t built,
		   struct moat_error *err);

const struct moat_dbb_stats *moat_dbb_stats(const struct moat_dbb *dbb);

/* Walk path: a directory (recursively, sorted), a feed file, a .tar /
 * .tar.gz / .tgz / .tar.zst archive or a .zip. Each document is sniffed and parsed
 * into dbb; the source's origin is path. Unrecognised documents are counted
 * in stats.ignored; a parse error stops the load with the document's name
 * (e.g. "osv-go.tar.zst:data/osv/GO-2024-1.json: ..."). */
int moat_dbb_load(struct moat_dbb *dbb, const char *path, struct moat_error *err);

/* The walker under moat_dbb_load(), for any sink (tests count with it). */
struct moat_feed_walker {
	const struct moat_adv_sink *sink;
	/* Called before each recognised document with the feed name, the path
	 * given to moat_feed_load() and the feed's own date (KEV catalogVersion,
	 * EPSS score_date) or NULL. May be NULL. */
	int (*source)(void *ctx, const char *feed, const char *origin, const char *date,
		      struct moat_error *err);
	void *ctx;
	uint64_t files;         /* OUT, added to: documents parsed */
	uint64_t ignored;       /* OUT: documents no parser recognised */
	uint64_t records;       /* OUT: records the parsers reported */
	uint64_t skipped;       /* OUT: records the parsers skipped */
};
int moat_feed_load(const char *path, struct moat_feed_walker *w, struct moat_error *err);

/* Write buf to path atomically (temp in the same dir, fsync, rename). Shared
 * with `moat db` (downloads). */
int moat_dbb_write_file(const char *path, const void *data, size_t len, struct moat_error *err);

#endif
