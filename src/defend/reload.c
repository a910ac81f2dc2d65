/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reload.c - inotify on the rule directory; parse the whole directory into
 * a fresh ruleset when a rule file changes (see reload.h).
 *
 * Editors save in bursts (write a temporary file, rename it over, chmod):
 * events are drained until the directory is quiet for a moment so one save
 * gives one reload, and the set is only ever built from complete files.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "moat/error.h"
#include "reload.h"
#include "rules.h"

#define WATCH_MASK (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | \
		    IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF)
#define SETTLE_MAX_MS 2000

struct moat_rules_watch {
	int fd;
	char *dir;
};

int moat_rules_watch_open(const char *dir, struct moat_rules_watch **ret, struct moat_error *err)
{
	struct moat_rules_watch *w = calloc(1, sizeof(*w));

	if (!w || !(w->dir = strdup(dir))) {
		free(w);
		return moat_error_set(err, -ENOMEM, "%s: out of memory", dir);
	}
	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0 || inotify_add_watch(w->fd, dir, WATCH_MASK) < 0) {
		int e = errno;

		moat_rules_watch_close(w);
		return moat_error_set(err, -e, "%s: inotify: %s", dir, strerror(e));
	}
	*ret = w;
	return 0;
}

void moat_rules_watch_close(struct moat_rules_watch *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	free(w->dir);
	free(w);
}

int moat_rules_watch_fd(const struct moat_rules_watch *w)
{
	return w->fd;
}

/* Same test as the loader's: dot files and other suffixes are not rules. */
static bool rule_name(const char *name, size_t len)
{
	if (len == 0 || name[0] == '.')
		return false;
	return (len > 5 && !memcmp(name + len - 5, ".yaml", 5)) ||
	       (len > 4 && !memcmp(name + len - 4, ".yml", 4)) ||
	       (len > 5 && !memcmp(name + len - 5, ".json", 5));
}

/* Read what is queued; true if any event concerned a rule file or the directory itself. */
static bool drain(struct moat_rules_watch *w)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool relevant = false;
	ssize_t n;

	while ((n = read(w->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= n;) {
			const struct inotify_event *ev = (const void *)(buf + off);

			/* ..data: the symlink a Kubernetes ConfigMap volume swaps */
			if ((ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_Q_OVERFLOW)) ||
			    (ev->len && !strcmp(ev->name, "..data")) ||
			    (ev->len && rule_name(ev->name, strnlen(ev->name, ev->len))))
				relevant = true;
			off += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
	return relevant;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int moat_rules_watch_check(struct moat_rules_watch *w, int settle_ms, struct moat_ruleset **ret,
			   struct moat_error *err)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLIN };
	struct moat_ruleset *rs = NULL;
	long until = now_ms() + SETTLE_MAX_MS;
	int r;

	if (!drain(w))
		return 0;
	while (now_ms() < until && poll(&pfd, 1, settle_ms) > 0)
		drain(w);
	r = moat_rules_open(&rs, err);
	if (r == 0)
		r = moat_rules_load_dir(rs, w->dir, err);
	if (r < 0) {
		moat_rules_close(rs);
		return r;
	}
	*ret = rs;
	return 1;
}
