/* SPDX-License-Identifier: Apache-2.0 */
/*
 * error.h - moat's error codes and the caller-owned error buffer.
 *
 * Functions return 0 or a negative code: system failures pass through as
 * -errno, moat's own codes start at -1000 so they never collide with errno.
 * Details go into a struct moat_error the caller passes in (may be NULL).
 */
#ifndef MOAT_ERROR_H
#define MOAT_ERROR_H

#include <stdarg.h>

enum moat_errcode {
	MOAT_E_FORMAT = -1000,      /* input is not what it claims to be */
	MOAT_E_LIMIT = -1001,       /* a limit from limits.h was hit */
	MOAT_E_VERIFY = -1002,      /* digest or size mismatch */
	MOAT_E_UNSUPPORTED = -1003, /* valid input we do not handle */
	MOAT_E_NOTFOUND = -1004,    /* image, blob, path or package not found */
	MOAT_E_UNSAFE_PATH = -1005, /* path escapes the root or contains ".." */
	MOAT_E_USAGE = -1006,       /* bad arguments from the caller */
	MOAT_E_TRUNCATED = -1007,   /* input ended early */
	MOAT_E_LOOP = -1008,        /* symlink loop or too many hops */
	MOAT_E_RUNTIME = -1009,     /* container runtime answered with an error */
	MOAT_E_INTERNAL = -1010,    /* a bug in moat */
};

#define MOAT_ERRMSG_MAX 256

struct moat_error {
	int code;
	char msg[MOAT_ERRMSG_MAX]; /* always NUL-terminated */
};

/* Static name for a moat code or an -errno value. Never NULL. */
const char *moat_strerror(int code);

/* Fill err (if not NULL) and return code, so callers can write
 * `return moat_error_set(err, MOAT_E_FORMAT, "...")`. */
int moat_error_set(struct moat_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int moat_error_vset(struct moat_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* Put context in front of an existing message ("layer 2: " + msg). Returns err->code. */
int moat_error_prefix(struct moat_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* True for codes that mean "the input is bad" (CLI exit 2) rather than an internal failure. */
int moat_error_is_input(int code);

#endif
