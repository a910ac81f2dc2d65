/* SPDX-License-Identifier: Apache-2.0 */
/*
 * time.h - RFC 3339 times as int64 microseconds since the epoch: the one
 * parser and formatter for alerts, the console and container start times.
 */
#ifndef MOAT_TIME_H
#define MOAT_TIME_H

#include <stdint.h>

/* "2026-12-06T10:46:01.123456Z" plus NUL, with room to spare. */
#define MOAT_TIME_MAX 40

/* Wall clock. */
int64_t moat_time_now_us(void);
/* RFC 3339 UTC with microseconds. */
void moat_time_format(int64_t us, char out[MOAT_TIME_MAX]);
/* RFC 3339 ("T" or "t" or " ", fraction optional and cut to microseconds,
 * "Z" or "+hh:mm") -> us. 0 or MOAT_E_FORMAT; nothing may follow. */
int moat_time_parse(const char *s, int64_t *ret_us);

#endif
