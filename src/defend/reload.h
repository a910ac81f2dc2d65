/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.h - hot reload of a rule directory: an inotify watch on it and, on
 * a change to a rule file, a complete parse of the directory into a new
 * ruleset. The caller swaps the new set in only when it parsed; an invalid
 * file leaves the caller on its old set.
 */
#ifndef MOAT_DEFEND_RELOAD_H
#define MOAT_DEFEND_RELOAD_H

struct moat_error;
struct moat_ruleset;
struct moat_rules_watch;

/* Watch dir for rule files created, written, renamed or removed. */
int moat_rules_watch_open(const char *dir, struct moat_rules_watch **ret, struct moat_error *err);
void moat_rules_watch_close(struct moat_rules_watch *w);

/* The inotify descriptor (non-blocking), for a poll loop. */
int moat_rules_watch_fd(const struct moat_rules_watch *w);

/*
 * Without blocking: if rule files changed since the last call, wait until
 * they settle (no event for settle_ms, at most 2 s) and load the directory.
 * 1 and *ret = the new set (the caller owns it), 0 if nothing changed, or a
 * negative code with err naming the file (and line or rule) when the new set
 * does not parse.
 */
int moat_rules_watch_check(struct moat_rules_watch *w, int settle_ms, struct moat_ruleset **ret,
			   struct moat_error *err);

#endif
