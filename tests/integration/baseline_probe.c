/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline_probe.c - for tests/integration/baseline.sh: with no argument it
 * only prints (the workload runs it while the defender learns); with
 * "getpriority" it makes that one syscall, which the workload never makes,
 * and prints the result: under the learned seccomp profile it must fail
 * with EPERM; with "int80" it asks for getpid through the ia32 entry
 * (int $0x80, number 20: writev in the native table), as a 32-bit process
 * would. Built static and mounted into the containers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long r;

#if defined(__x86_64__)
	if (argc >= 2 && strcmp(argv[1], "int80") == 0) {
		long ret = 20;                    /* __NR_getpid in the ia32 table */

		__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
		printf("int80 getpid %ld (native %ld)\n", ret, (long)getpid());
		return ret == getpid() ? 0 : 3;
	}
#endif
	if (argc < 2 || strcmp(argv[1], "getpriority") != 0) {
		printf("probe idle\n");
		return 0;
	}
	errno = 0;
	r = syscall(SYS_getpriority, 0 /* PRIO_PROCESS */, 0);
	printf("getpriority %ld %s\n", r, r < 0 ? strerror(errno) : "ok");
	return r < 0 ? 3 : 0;
}
