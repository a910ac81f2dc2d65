/* SPDX-License-Identifier: Apache-2.0 */
/*
 * limits.h - every bound moat applies to untrusted input, in one place.
 *
 * Images, registries and peers are hostile: each field caps one resource an
 * attacker controls. Defaults are generous for real images; operators may
 * lower them (or raise them up to the hard ceilings) per scan.
 */
#ifndef MOAT_LIMITS_H
#define MOAT_LIMITS_H

#include <stdint.h>

/* Manifests, configs, index.json: real ones are a few KB; 4 MiB covers images
 * with thousands of history entries. Ceiling 64 MiB. */
#define MOAT_LIMIT_JSON_BYTES (4u << 20)
/* Docker caps images at 127 layers; OCI allows more. Ceiling 4096. */
#define MOAT_LIMIT_LAYERS 1024u
/* Files per layer: a fat Node image has ~300k. Ceiling 16M. */
#define MOAT_LIMIT_ENTRIES_PER_LAYER (4u << 20)
/* PATH_MAX on Linux; tar PAX headers can carry longer names. */
#define MOAT_LIMIT_PATH_BYTES 4096u
/* Uncompressed bytes per layer: 64 GiB. */
#define MOAT_LIMIT_LAYER_BYTES (64ull << 30)
/* Uncompressed/compressed ratio beyond which a layer is a bomb. Real layers
 * compress 3-10x; sparse zero files reach ~200x; deflate maxes at ~1032x. */
#define MOAT_LIMIT_RATIO 250u
/* A file an analyzer asked to read into memory (dpkg status, rpmdb): 256 MiB. */
#define MOAT_LIMIT_CAPTURE_BYTES (256ull << 20)
/* All captured files of one scan together: 1 GiB (spilled ones do not count). */
#define MOAT_LIMIT_CAPTURE_TOTAL (1ull << 30)
/* Nesting depth of JSON documents. */
#define MOAT_LIMIT_JSON_DEPTH 64u
/* Symlinks followed while resolving one path (Linux uses 40). */
#define MOAT_LIMIT_SYMLINK_HOPS 40u
/* Bytes of the per-scan arena (paths, packages, metadata). */
#define MOAT_LIMIT_ARENA_BYTES (2ull << 30)
/* Packages in one package database. */
#define MOAT_LIMIT_PACKAGES 1000000u
/* Entries in one zip central directory (jar, war, egg): the biggest real jars
 * hold ~100k. Each costs ~80 bytes while the archive is open. Ceiling 16M. */
#define MOAT_LIMIT_ZIP_ENTRIES (1u << 20)
/* Archives read inside archives (a war's WEB-INF/lib/x.jar, a Spring Boot
 * jar's BOOT-INF/lib): real ones nest 2-3 deep. Ceiling 8. */
#define MOAT_LIMIT_ZIP_DEPTH 4u

/* A Dockerfile (moat config, comply/dockerfile.c): the biggest real ones are
 * ~100 KB and ~2k lines, a few hundred instructions. Ceilings 64M, 1M, 100k. */
#define MOAT_LIMIT_DOCKERFILE_BYTES (4u << 20)
#define MOAT_LIMIT_DOCKERFILE_LINES 200000u
#define MOAT_LIMIT_DOCKERFILE_INSTRS 20000u

/* Entries the merge applies, a layer counting at every position a manifest
 * lists it (but twice for a run of it): each distinct blob is read once, yet
 * one listed at many scattered positions is applied at each. Real images
 * merge under 2M; a 30k-file layer listed 1000 times merges 30M, ~0.5 s.
 * Ceiling 1G. */
#define MOAT_LIMIT_MERGE_ENTRIES (32u << 20)
/* Path events (added, changed, removed in a layer) the merge records, ~32
 * bytes each: a layer whose own whiteouts cover its files removes and re-adds
 * them at every position it is listed at. Real images record under 1M.
 * Ceiling 256M. */
#define MOAT_LIMIT_HISTORY_EVENTS (4u << 20)

struct moat_limits {
	uint64_t json_bytes;
	uint32_t layers;
	uint32_t path_bytes;
	uint64_t entries_per_layer;
	uint64_t layer_bytes;
	uint32_t ratio;
	uint32_t symlink_hops;
	uint64_t capture_bytes;
	uint64_t capture_total;
	uint32_t json_depth;
	uint32_t packages;
	uint64_t arena_bytes;
	uint64_t merge_entries;
	uint64_t history_events;
};

/* Fill with the defaults above. */
void moat_limits_default(struct moat_limits *limits);
/* Replace zero fields with defaults. */
void moat_limits_fill(struct moat_limits *limits);

#endif
