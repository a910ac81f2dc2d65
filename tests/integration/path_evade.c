/* SPDX-License-Identifier: Apache-2.0 */
/*
 * path_evade.c - one open per run, in the forms that hide a watched file
 * from a path-string filter (defender_path.sh). Built static by the test,
 * so the same binary runs on the host and in a container.
 *
 *   path_evade open PATH [w]            open(PATH)
 *   path_evade at DIR NAME [w]          openat(open(DIR), NAME)
 *   path_evade renameat DIR1 OLD DIR2 NEW   renameat through two dirfds
 *
 * w opens for writing (O_WRONLY | O_CREAT | O_APPEND), else O_RDONLY.
 * Exit 0 if the call succeeded; else 1 with the error on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int flags_of(int argc, char **argv, int i)
{
	return argc > i && !strcmp(argv[i], "w") ? O_WRONLY | O_CREAT | O_APPEND : O_RDONLY;
}

static int done(int fd, const char *what)
{
	if (fd < 0) {
		fprintf(stderr, "path_evade: %s: %s\n", what, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int d;
	int d2;

	if (argc >= 3 && !strcmp(argv[1], "open"))
		return done(open(argv[2], flags_of(argc, argv, 3), 0600), argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "at")) {
		d = open(argv[2], O_RDONLY | O_DIRECTORY);
		if (done(d, argv[2]))
			return 1;
		return done(openat(d, argv[3], flags_of(argc, argv, 4), 0600), argv[3]);
	}
	if (argc == 6 && !strcmp(argv[1], "renameat")) {
		d = open(argv[2], O_RDONLY | O_DIRECTORY);
		d2 = open(argv[4], O_RDONLY | O_DIRECTORY);
		if (done(d, argv[2]) || done(d2, argv[4]))
			return 1;
		return done(renameat(d, argv[3], d2, argv[5]), argv[5]);
	}
	fprintf(stderr, "usage: path_evade open PATH [w] | at DIR NAME [w] | "
			"renameat DIR1 OLD DIR2 NEW\n");
	return 2;
}
