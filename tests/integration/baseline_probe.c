/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline_probe.c - for tests/integration/baseline.sh: with no argument it
 * only prints (the workload runs it while the defender learns); with
 * "getpriority" it makes that one syscall, which the workload never makes,
 * and prints the result: under the learned seccomp profile it must fail
 * with EPERM. Built static and mounted into the containers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long r;

	if (argc < 2 || strcmp(argv[1], "getpriority") != 0) {
		printf("probe idle\n");
		return 0;
	}
	errno = 0;
	r = syscall(SYS_getpriority, 0 /* PRIO_PROCESS */, 0);
	printf("getpriority %ld %s\n", r, r < 0 ? strerror(errno) : "ok");
	return r < 0 ? 3 : 0;
}
