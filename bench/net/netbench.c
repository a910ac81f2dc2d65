/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netbench.c - the two ends of bench/net/run.sh, built static so it runs in
 * any container:
 *   netbench server PORT              accept, drain each connection, close
 *   netbench connect HOST PORT N      N sequential connect + close; prints seconds
 *   netbench send HOST PORT MIB       one connection, MIB MiB written; prints seconds
 *   netbench syscalls N               N getppid() calls (the sensor's per-syscall
 *                                     fast path: no handler, bit already set); prints seconds
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *drain(void *arg)
{
	int fd = (int)(long)arg;
	static __thread char buf[1 << 16];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return NULL;
}

static int server(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4096) < 0) {
		perror("server");
		return 1;
	}
	for (;;) {
		int c = accept(s, NULL, NULL);
		pthread_t t;

		if (c < 0)
			continue;
		if (pthread_create(&t, NULL, drain, (void *)(long)c) == 0)
			pthread_detach(t);
		else
			close(c);
	}
}

static int dial(const char *host, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	/* RST on close: no TIME_WAIT, so thousands of connections do not run
	 * out of ephemeral ports */
	struct linger l = { 1, 0 };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, host, &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("connect");
		close(s);
		return -1;
	}
	return s;
}

int main(int argc, char **argv)
{
	double t0;

	if (argc == 3 && !strcmp(argv[1], "server"))
		return server(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "syscalls")) {
		long n = atol(argv[2]);

		t0 = now();
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		printf("%.6f\n", now() - t0);
		return 0;
	}
	if (argc != 5)
		return 2;
	t0 = now();
	if (!strcmp(argv[1], "connect")) {
		for (long i = 0, n = atol(argv[4]); i < n; i++) {
			int s = dial(argv[2], atoi(argv[3]));

			if (s < 0)
				return 1;
			close(s);
		}
	} else if (!strcmp(argv[1], "send")) {
		static char buf[1 << 16];
		long left = atol(argv[4]) << 20;
		int s = dial(argv[2], atoi(argv[3]));

		if (s < 0)
			return 1;
		while (left > 0) {
			ssize_t w = write(s, buf, sizeof(buf));

			if (w <= 0)
				return 1;
			left -= w;
		}
		shutdown(s, SHUT_WR);
		while (read(s, buf, sizeof(buf)) > 0)
			;
		close(s);
	} else {
		return 2;
	}
	printf("%.6f\n", now() - t0);
	return 0;
}
