/* SPDX-License-Identifier: Apache-2.0 */
/* time.c - RFC 3339 times as microseconds since the epoch (time.h). */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "moat/error.h"
#include "time.h"

int64_t moat_time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void moat_time_format(int64_t us, char out[MOAT_TIME_MAX])
{
	time_t sec = (time_t)(us / 1000000);
	long frac = (long)(us % 1000000);
	struct tm tm;

	if (frac < 0) {
		frac += 1000000;
		sec--;
	}
	/* years past 9999 do not fit: say so rather than cut digits */
	if (!gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0 ||
	    strftime(out, MOAT_TIME_MAX, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
		snprintf(out, MOAT_TIME_MAX, "0000-00-00T00:00:00.000000Z");
		return;
	}
	snprintf(out + 19, MOAT_TIME_MAX - 19, ".%06ldZ", frac);
}

/* n decimal digits at *p into *v; advances p. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

int moat_time_parse(const char *s, int64_t *ret)
{
	const char *p = s;
	struct tm tm = { 0 };
	int Y, M, D, h, m, sec, oh = 0, om = 0;
	int64_t frac = 0, scale = 1000000;
	int sign = 0;

	if (!digits(&p, 4, &Y) || *p++ != '-' || !digits(&p, 2, &M) || *p++ != '-' ||
	    !digits(&p, 2, &D) || (*p != 'T' && *p != 't' && *p != ' ') || !*p++ ||
	    !digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &m) || *p++ != ':' ||
	    !digits(&p, 2, &sec))
		return MOAT_E_FORMAT;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
		return MOAT_E_FORMAT;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return MOAT_E_FORMAT;
		for (; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return MOAT_E_FORMAT;
	} else {
		return MOAT_E_FORMAT;
	}
	if (*p)
		return MOAT_E_FORMAT;
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	*ret = ((int64_t)timegm(&tm) - (int64_t)sign * (oh * 3600 + om * 60)) * 1000000 + frac;
	return 0;
}
