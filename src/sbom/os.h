/* SPDX-License-Identifier: Apache-2.0 */
/*
 * os.h - the distribution an image is built on (os-release and friends).
 */
#ifndef MOAT_OS_H
#define MOAT_OS_H

struct moat_fs;
struct moat_arena;
struct moat_error;

struct moat_os {
	const char *id;          /* "debian", "alpine", "rhel", ...; NULL if unknown */
	const char *version_id;  /* "12", "3.19.1", "9.3" */
	const char *codename;    /* "bookworm"; NULL if none */
	const char *name;
	const char *pretty_name;
	const char *id_like;
	const char *source;      /* file it came from, e.g. "etc/os-release" */
};

/* Detect from the merged filesystem. Unknown OS is not an error (all NULL). */
int moat_os_detect(struct moat_fs *fs, struct moat_arena *arena, struct moat_os *ret_os,
		   struct moat_error *err);

#endif
