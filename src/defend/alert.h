/* SPDX-License-Identifier: Apache-2.0 */
/*
 * alert.h - the common head of a moat.alert/v1 object (docs/defender.md),
 * written by the rule engine (defend.c) and the firewall (netfw.c) alike:
 * schema, time, node, rule, description, severity, mitre, action,
 * container and process. The caller adds "details" and closes the object.
 */
#ifndef MOAT_DEFEND_ALERT_H
#define MOAT_DEFEND_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_jw;

struct moat_alert_head {
	const char *time;               /* moat_alert_time() */
	const char *node;
	const char *rule, *description, *severity;
	const char *const *mitre;
	size_t n_mitre;
	const char *action;
	/* the container: id NULL = a host process ("container": null) */
	const char *c_id, *c_name, *c_image, *c_image_id, *c_pod, *c_ns;
	uint32_t pid, ppid, uid;
	const char *exe, *cmdline;
	bool no_process;               /* "process": null (a container-wide finding) */
};

/* Opens the object and writes the head. */
void moat_alert_head(struct moat_jw *jw, const struct moat_alert_head *h);
/* RFC 3339 UTC with microseconds of real_ns (ns since the epoch). */
void moat_alert_time(int64_t real_ns, char *out, size_t cap);

#endif
