/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-child.h - one `moat scan` child process, run to its end or stopped.
 *
 * The daemons that scan images (the admission verdicts, the defender's
 * node scans) never parse an image in their own process: a hostile image
 * that crashes or exhausts a parser costs the child only. The child gets
 * /dev/null as stdin and stdout (its report goes to a file named in argv),
 * its stderr in err_path (for the last line as the reason), an empty
 * signal mask whatever the caller blocks for sigwait, and is killed
 * (SIGKILL) past its deadline or when the caller's stop flag goes up.
 */
#ifndef MOAT_CLI_SCAN_CHILD_H
#define MOAT_CLI_SCAN_CHILD_H

#include <stdbool.h>

struct cli_scan_child {
	const char *exe;                /* the program (the moat binary) */
	char *const *argv;              /* NULL-terminated, argv[0] included */
	const char *err_path;           /* the child's stderr, created 0600 */
	unsigned timeout_sec;           /* 0: no deadline */
	int nice;                       /* > 0: run at this lower priority */
	bool (*stop)(void *ctx);        /* NULL, or polled: true kills the child */
	void *ctx;
};

/*
 * Run it and wait. 0 with *status (as waitpid gives it) once it exited;
 * -ETIMEDOUT when it was killed at its deadline; -ECANCELED when stop said
 * so (before the start: nothing runs); -errno when it could not be started
 * or waited for.
 */
int cli_scan_child(const struct cli_scan_child *c, int *status);

#endif
