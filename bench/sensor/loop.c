/* SPDX-License-Identifier: Apache-2.0 */
/*
 * loop.c - the sensor benchmark's workloads, timed from inside so that the
 * shell around it does not count:
 *   loop exec N        fork + execve /bin/true, wait; N times
 *   loop open N PATH   open(PATH, O_RDONLY) + close; N times
 *   loop connect N     TCP connect + accept + close on 127.0.0.1; N times
 *   loop rate N RATE PATH   N opens of PATH paced at RATE per second
 *   loop syscall N     getppid(); N times (the raw sys_enter probe's cost)
 *   loop write N PATH  open(PATH, O_WRONLY | O_CREAT) + close; N times
 * Prints seconds: for exec, open and connect the fastest of 200 equal chunks
 * scaled to N (see timed()); for rate the elapsed time.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

static int listener = -1;
static struct sockaddr_in listen_addr;

static int connect_setup(void)
{
	socklen_t alen = sizeof(listen_addr);
	int one = 1;

	listen_addr.sin_family = AF_INET;
	listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0)
		return 1;
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(listener, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) < 0 ||
	    listen(listener, 128) < 0 ||
	    getsockname(listener, (struct sockaddr *)&listen_addr, &alen) < 0)
		return 1;
	return 0;
}

static int unit_connect(void)
{
	int c = socket(AF_INET, SOCK_STREAM, 0);
	int s;

	if (c < 0 || connect(c, (struct sockaddr *)&listen_addr, sizeof(listen_addr)) < 0)
		return 1;
	s = accept(listener, NULL, NULL);
	if (s < 0)
		return 1;
	/* the client closes first: its TIME_WAIT, not the listener's */
	close(c);
	close(s);
	return 0;
}

/* Paced in 1 ms slices so the rate holds over any window a reader picks. */
static int run_rate(long n, long rate, const char *path)
{
	double t0 = now();
	long per_ms = rate / 1000 > 0 ? rate / 1000 : 1;

	for (long done = 0, slice = 1; done < n; slice++) {
		for (long i = 0; i < per_ms && done < n; i++, done++) {
			int fd = open(path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return 1;
			close(fd);
		}
		while (now() - t0 < slice / 1000.0)
			;
	}
	return 0;
}

/* One unit of each workload. */
static const char *open_path;
static long rate;

static int unit_exec(void)
{
	return run_exec(1);
}

static int unit_open(void)
{
	return run_open(1, open_path);
}

static int unit_syscall(void)
{
	/* through syscall(): libc may not cache it, the kernel sees each one */
	return syscall(SYS_getppid) < 0;
}

static int unit_write(void)
{
	int fd = open(open_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0)
		return 1;
	close(fd);
	return 0;
}

/* Times n units in CHUNKS equal chunks and reports the fastest chunk scaled
 * to n: on a shared machine noise only ever adds time, so the minimum is
 * the figure that repeats. */
#define CHUNKS 200

static int timed(long n, int (*unit)(void), double *ret_best)
{
	long per = n / CHUNKS > 0 ? n / CHUNKS : 1;
	double best = 0;

	for (long c = 0; c < CHUNKS && c * per < n; c++) {
		double t0 = now();

		for (long i = 0; i < per; i++)
			if (unit())
				return 1;
		if (c == 0 || now() - t0 < best)
			best = now() - t0;
	}
	*ret_best = best * (double)n / (double)per;
	return 0;
}

int main(int argc, char **argv)
{
	double t0, best = 0;
	long n;
	int r;

	if (argc < 3)
		return 2;
	n = strtol(argv[2], NULL, 10);
	t0 = now();
	if (!strcmp(argv[1], "exec")) {
		r = timed(n, unit_exec, &best);
	} else if (!strcmp(argv[1], "open") && argc > 3) {
		open_path = argv[3];
		r = timed(n, unit_open, &best);
	} else if (!strcmp(argv[1], "syscall")) {
		r = timed(n, unit_syscall, &best);
	} else if (!strcmp(argv[1], "write") && argc > 3) {
		open_path = argv[3];
		r = timed(n, unit_write, &best);
	} else if (!strcmp(argv[1], "connect")) {
		r = connect_setup() || timed(n, unit_connect, &best);
	} else if (!strcmp(argv[1], "rate") && argc > 4) {
		rate = strtol(argv[3], NULL, 10);
		r = run_rate(n, rate, argv[4]);
	} else {
		return 2;
	}
	if (r)
		return 1;
	printf("%.4f\n", best > 0 ? best : now() - t0);
	return 0;
}
