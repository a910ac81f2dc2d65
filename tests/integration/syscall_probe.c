/* SPDX-License-Identifier: Apache-2.0 */
/*
 * syscall_probe.c - makes the syscalls the defender's kernel-level rules
 * watch, inside a test container: a module load, a ptrace attach (of a pid
 * that does not exist), a bpf() call and a mount of a host block device. None needs to succeed
 * (the container has no privileges); the sensor sees each at syscall entry.
 * Built static by tests/integration/defender.sh and mounted into the
 * container, so it needs nothing from the image.
 */
#include <stdio.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long r;

	r = syscall(SYS_finit_module, -1, "", 0);
	printf("finit_module %ld\n", r);
	r = ptrace(PTRACE_ATTACH, 0x7ffffff0, NULL, NULL);   /* no such pid: nothing stops */
	printf("ptrace %ld\n", r);
	r = syscall(SYS_bpf, 5 /* BPF_PROG_LOAD */, NULL, 0);
	printf("bpf %ld\n", r);
	r = mount("/dev/vda", "/mnt", "ext4", MS_RDONLY, NULL);
	printf("mount %ld\n", r);
	return 0;
}
