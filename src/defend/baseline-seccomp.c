/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-seccomp.c - a learned model's syscalls as a Docker/OCI seccomp
 * profile: everything else fails with EPERM.
 *
 * The container's own processes are learned from their first syscall, but
 * the runtime applies the filter inside its init process before it execs
 * the entrypoint, so the calls runc (with its Go runtime) makes between
 * loading the filter and that exec must be allowed too: runtime_calls,
 * with which runc 1.1.5 here starts /usr/bin/true and without any one of
 * faccessat2, fstatfs, chdir, getcwd, capget or capset it does not
 * (docs/baselines.md).
 */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "baseline-model.h"
#include "baseline-seccomp.h"
#include "moat/error.h"

static const char *const runtime_calls[] = {
	"arch_prctl", "brk", "capget", "capset", "chdir", "clone", "close", "epoll_pwait",
	"execve", "exit", "exit_group", "faccessat2", "fchdir", "fcntl", "fstat", "fstatfs",
	"futex", "getcwd", "getdents64", "getppid", "gettid", "madvise", "mmap", "munmap",
	"nanosleep", "newfstatat", "openat", "prctl", "read", "rt_sigaction", "rt_sigprocmask",
	"rt_sigreturn", "sched_yield", "setgid", "setgroups", "setuid", "sigaltstack", "tgkill",
	"write",
};

#define N_RUNTIME (sizeof(runtime_calls) / sizeof(runtime_calls[0]))

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int moat_bl_seccomp(const struct moat_bl_model *m, bool with_runtime, struct moat_buf *out,
		    struct moat_error *err)
{
	size_t n = 0;
	const char **learned = moat_bl_items(m, MOAT_BL_SYSCALL, &n);
	const char **all;
	size_t k = 0;
	struct moat_jw jw;
	int r;

	if (!learned)
		return moat_error_set(err, -12, "seccomp: out of memory");
	all = calloc(n + N_RUNTIME + 1, sizeof(*all));
	if (!all) {
		free(learned);
		return moat_error_set(err, -12, "seccomp: out of memory");
	}
	/* an ia32 call is allowed by its name: the profile lists x86, and the
	 * runtime's libseccomp resolves each name per architecture */
	for (size_t i = 0; i < n; i++)
		all[i] = strncmp(learned[i], "ia32:", 5) ? learned[i] : learned[i] + 5;
	k = n;
	for (size_t i = 0; with_runtime && i < N_RUNTIME; i++)
		if (moat_bl_syscall_number(runtime_calls[i]) >= 0)
			all[k++] = runtime_calls[i];
	qsort(all, k, sizeof(*all), cmp_str);
	moat_jw_init(&jw, out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "defaultAction", "SCMP_ACT_ERRNO");
	moat_jw_kuint(&jw, "defaultErrnoRet", 1);     /* EPERM */
	moat_jw_key(&jw, "architectures");
	moat_jw_arr_begin(&jw);
	moat_jw_str(&jw, "SCMP_ARCH_X86_64");
	moat_jw_str(&jw, "SCMP_ARCH_X86");
	moat_jw_str(&jw, "SCMP_ARCH_X32");
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "syscalls");
	moat_jw_arr_begin(&jw);
	moat_jw_obj_begin(&jw);
	moat_jw_key(&jw, "names");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || strcmp(all[i], all[i - 1]) != 0)
			moat_jw_str(&jw, all[i]);
	moat_jw_arr_end(&jw);
	moat_jw_kstr(&jw, "action", "SCMP_ACT_ALLOW");
	moat_jw_obj_end(&jw);
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_buf_putc(out, '\n');
	free(all);
	free(learned);
	return r < 0 ? moat_error_set(err, r, "seccomp: cannot write the profile") : 0;
}
