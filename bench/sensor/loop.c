/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.c - the sensor benchmark's workloads, timed from inside so that the
 * shell around it does not count:
 *   loop exec N        fork + execve /bin/true, wait; N times
 *   loop open N PATH   open(PATH, O_RDONLY) + close; N times
 *   loop connect N     TCP connect + accept + close on 127.0.0.1; N times
 * Prints the elapsed seconds.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_exec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) < 0)
			return 1;
	}
	return 0;
}

static int run_open(long n, const char *path)
{
	for (long i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return 1;
		close(fd);
	}
	return 0;
}

static int run_connect(long n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int one = 1;
	int l = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 128) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		int s;

		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
			return 1;
		s = accept(l, NULL, NULL);
		if (s < 0)
			return 1;
		/* the client closes first: its TIME_WAIT, not the listener's */
		close(c);
		close(s);
	}
	close(l);
	return 0;
}

int main(int argc, char **argv)
{
	double t0;
	long n;
	int r;

	if (argc < 3)
		return 2;
	n = strtol(argv[2], NULL, 10);
	t0 = now();
	if (!strcmp(argv[1], "exec"))
		r = run_exec(n);
	else if (!strcmp(argv[1], "open") && argc > 3)
		r = run_open(n, argv[3]);
	else if (!strcmp(argv[1], "connect"))
		r = run_connect(n);
	else
		return 2;
	if (r)
		return 1;
	printf("%.4f\n", now() - t0);
	return 0;
}
