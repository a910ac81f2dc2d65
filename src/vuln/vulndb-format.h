/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vulndb-format.h - byte layout of the compiled vulnerability DB file, shared
 * by the writer (db-build.c) and the reader (vulndb.c). Private to src/vuln/.
 *
 * Everything is little-endian and fixed width, with no pointers: a file is a
 * 512-byte header followed by sections located through the header's section
 * table. Strings are u32 offsets into the STRINGS section (0 = absent), lists
 * are (first, count) pairs into the LISTS section of u32 string offsets.
 * docs/internals/vulndb-format.md is the prose version of this file.
 */
#ifndef MOAT_VULN_VULNDB_FORMAT_H
#define MOAT_VULN_VULNDB_FORMAT_H

#include <stdint.h>
#include <string.h>

#include "base/digest.h"

#define VDB_MAGIC "MOATVDB\0"
#define VDB_MAGIC_LEN 8u
/* 2: the checksum covers the header too (1 covered only the body, so an
 * edited section table or build time went unnoticed). */
#define VDB_VERSION 2u
#define VDB_HEADER_BYTES 512u
#define VDB_MAX_SECTIONS 16u
/* Sections start at multiples of this (the reader copies, alignment is a courtesy). */
#define VDB_ALIGN 8u

/* Header field offsets. */
enum {
	VDB_H_MAGIC = 0,
	VDB_H_VERSION = 8,      /* u32 */
	VDB_H_HEADER_BYTES = 12, /* u32 */
	VDB_H_BUILT = 16,       /* i64 unix seconds */
	VDB_H_FILE_SIZE = 24,   /* u64 */
	VDB_H_N_VULNS = 32,     /* u64 */
	VDB_H_N_ENTRIES = 40,   /* u64 */
	VDB_H_N_PACKAGES = 48,  /* u64 */
	VDB_H_N_SOURCES = 56,   /* u64 */
	VDB_H_SHA256 = 64,      /* 32 bytes: SHA-256 of the file with these 32 bytes as zeros */
	VDB_H_N_SECTIONS = 96,  /* u32 */
	VDB_H_FLAGS = 100,      /* u32, 0 */
	VDB_H_SECTIONS = 104,   /* VDB_MAX_SECTIONS x section record */
};

/* Section record: u32 id, u32 record size (0 = bytes), u64 offset, u64 length. */
#define VDB_SECTION_BYTES 24u

enum vdb_section_id {
	VDB_SEC_STRINGS = 1,
	VDB_SEC_SOURCES = 2,
	VDB_SEC_PACKAGES = 3,
	VDB_SEC_ENTRIES = 4,
	VDB_SEC_RANGES = 5,
	VDB_SEC_VULNS = 6,
	VDB_SEC_LISTS = 7,
	VDB_SEC_COUNT_ = 8,     /* one past the last known id */
};

/* Record sizes and field offsets. */
#define VDB_SOURCE_BYTES 24u    /* u32 name, origin, date, reserved; u64 records */
#define VDB_PACKAGE_BYTES 16u   /* u32 ecosystem, name, first_entry, n_entries */
#define VDB_RANGE_BYTES 16u     /* u32 introduced, fixed, last_affected, limit */
#define VDB_LIST_BYTES 4u       /* u32 string */

#define VDB_ENTRY_BYTES 32u
enum {
	VDB_E_VULN = 0,         /* u32 index into VULNS */
	VDB_E_STATUS = 4,       /* u8 enum moat_adv_status */
	VDB_E_RANGE_TYPE = 5,   /* u8 enum moat_adv_range_type */
	VDB_E_FIRST_RANGE = 8,  /* u32 index into RANGES */
	VDB_E_N_RANGES = 12,
	VDB_E_FIRST_VERSION = 16, /* u32 index into LISTS */
	VDB_E_N_VERSIONS = 20,
	VDB_E_SEVERITY = 24,    /* string */
	VDB_E_NOTE = 28,        /* string */
};

#define VDB_VULN_BYTES 96u
enum {
	VDB_V_ID = 0,           /* strings ... */
	VDB_V_SUMMARY = 4,
	VDB_V_PUBLISHED = 8,
	VDB_V_MODIFIED = 12,
	VDB_V_SEVERITY = 16,
	VDB_V_CVSS3_VECTOR = 20,
	VDB_V_CVSS4_VECTOR = 24,
	VDB_V_CVSS_SOURCE = 28,
	VDB_V_KEV_DATE = 32,
	VDB_V_FLAGS = 36,       /* u32 VDB_VF_* */
	VDB_V_CVSS3_SCORE = 40, /* f64 (IEEE 754 binary64 bits, LE); <0 = none */
	VDB_V_CVSS4_SCORE = 48,
	VDB_V_EPSS = 56,
	VDB_V_EPSS_PCT = 64,
	VDB_V_FIRST_ALIAS = 72, /* u32 index into LISTS, then u32 count; same for CWEs, refs */
	VDB_V_N_ALIASES = 76,
	VDB_V_FIRST_CWE = 80,
	VDB_V_N_CWES = 84,
	VDB_V_FIRST_REF = 88,
	VDB_V_N_REFS = 92,
};
enum {
	VDB_VF_KEV = 1u << 0,
	VDB_VF_RANSOMWARE = 1u << 1,
};

/* Memory-order independent accessors; the caller has checked bounds. */
static inline uint32_t vdb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t vdb_get64(const uint8_t *p)
{
	return (uint64_t)vdb_get32(p) | (uint64_t)vdb_get32(p + 4) << 32;
}

static inline double vdb_getf64(const uint8_t *p)
{
	uint64_t bits = vdb_get64(p);
	double d;

	memcpy(&d, &bits, sizeof(d));
	return d;
}

static inline void vdb_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void vdb_put64(uint8_t *p, uint64_t v)
{
	vdb_put32(p, (uint32_t)v);
	vdb_put32(p + 4, (uint32_t)(v >> 32));
}

static inline void vdb_putf64(uint8_t *p, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	vdb_put64(p, bits);
}

/* SHA-256 of the len-byte file at p with its checksum field read as zeros:
 * "sha256:<hex>" into out. The writer stores it, the reader compares. */
int vdb_checksum(const uint8_t *p, size_t len, char out[MOAT_DIGEST_STR_MAX]);

#endif
