/* SPDX-License-Identifier: Apache-2.0 */
/* alert.c - the common head of a moat.alert/v1 object. */
#include <stdio.h>
#include <time.h>

#include "alert.h"
#include "base/jsonw.h"

void moat_alert_time(int64_t ns, char *out, size_t cap)
{
	time_t sec = (time_t)(ns / 1000000000LL);
	struct tm tm;

	gmtime_r(&sec, &tm);
	/* Microseconds are 0..999999: six digits; the year fits four until 9999. */
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", (tm.tm_year + 1900) % 10000,
		 (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100, (unsigned)((ns % 1000000000LL) / 1000) % 1000000u);
}

static void container(struct moat_jw *jw, const struct moat_alert_head *h)
{
	moat_jw_key(jw, "container");
	if (!h->c_id) {
		moat_jw_null(jw);
		return;
	}
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", h->c_id);
	moat_jw_kstr(jw, "name", h->c_name ? h->c_name : "");
	moat_jw_kstr(jw, "image", h->c_image ? h->c_image : "");
	moat_jw_kstr(jw, "image_id", h->c_image_id ? h->c_image_id : "");
	if (h->c_pod && h->c_pod[0])
		moat_jw_kstr(jw, "pod", h->c_pod);
	if (h->c_ns && h->c_ns[0])
		moat_jw_kstr(jw, "namespace", h->c_ns);
	moat_jw_obj_end(jw);
}

void moat_alert_head(struct moat_jw *jw, const struct moat_alert_head *h)
{
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "schema", "moat.alert/v1");
	moat_jw_kstr(jw, "time", h->time);
	moat_jw_kstr(jw, "node", h->node ? h->node : "");
	moat_jw_kstr(jw, "rule", h->rule);
	moat_jw_kstr(jw, "description", h->description);
	moat_jw_kstr(jw, "severity", h->severity);
	moat_jw_key(jw, "mitre");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < h->n_mitre; i++)
		moat_jw_str(jw, h->mitre[i]);
	moat_jw_arr_end(jw);
	moat_jw_kstr(jw, "action", h->action);
	container(jw, h);
	moat_jw_key(jw, "process");
	if (h->no_process) {
		moat_jw_null(jw);
		return;
	}
	moat_jw_obj_begin(jw);
	moat_jw_kuint(jw, "pid", h->pid);
	moat_jw_kuint(jw, "ppid", h->ppid);
	moat_jw_kuint(jw, "uid", h->uid);
	moat_jw_kstr(jw, "exe", h->exe ? h->exe : "");
	moat_jw_kstr(jw, "cmdline", h->cmdline ? h->cmdline : "");
	moat_jw_obj_end(jw);
}
