/* SPDX-License-Identifier: Apache-2.0 */
/* scan-child.c - one `moat scan` child process, run to its end or stopped (scan-child.h). */
#include "scan-child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

/* How often the child and the stop flag are looked at. */
#define POLL_NS (50L * 1000 * 1000)

static int spawn(const struct cli_scan_child *c, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, c->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	/* a daemon blocks SIGINT/SIGTERM for sigwait; the scan must not inherit that */
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	r = posix_spawn(pid, c->exe, &fa, &attr, c->argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (r == 0 && c->nice > 0)      /* the node's workloads come first */
		setpriority(PRIO_PROCESS, (id_t)*pid, c->nice);
	return -r;
}

int cli_scan_child(const struct cli_scan_child *c, int *status)
{
	struct timespec start, now;
	pid_t pid, got;
	int r;

	if (c->stop && c->stop(c->ctx))
		return -ECANCELED;
	if ((r = spawn(c, &pid)) < 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		got = waitpid(pid, status, WNOHANG);
		if (got == pid)
			return 0;
		if (got < 0 && errno != EINTR) {
			r = -errno;
			kill(pid, SIGKILL);
			return r;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (c->stop && c->stop(c->ctx))
			r = -ECANCELED;
		else if (c->timeout_sec && now.tv_sec - start.tv_sec > (time_t)c->timeout_sec)
			r = -ETIMEDOUT;
		if (r < 0) {
			kill(pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			return r;
		}
		nanosleep(&(struct timespec){ .tv_nsec = POLL_NS }, NULL);
	}
}
