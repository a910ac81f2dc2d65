// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * sensor.bpf.c - moat's runtime sensor: process, file, network and privilege
 * events into one ring buffer, on tracepoints only (fentry and BPF-LSM do not
 * load on every kernel we meet).
 *
 * Records are built in a per-CPU scratch slot and copied out with
 * bpf_ringbuf_output, so a filtered-out event never touches the ring. When
 * the ring is full the record is dropped and counted in `lost` (per CPU, per
 * kind). Opens are filtered in the kernel against a prefix table that user
 * space fills from the rules. At exec, two maps let the kernel kill before
 * the first user instruction: `deny` (exe paths) and `drift` (per mount
 * namespace: exe changed after the container started).
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "events.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_TRUNC 01000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SIGKILL 9

/* Set by user space before load. */
const volatile __u32 self_tgid = 0;
const volatile __u32 all_writes = 0;    /* report every open with write intent */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, MOAT_EV_KIND_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MOAT_EV_PREFIX_MAX);
	__type(key, __u32);
	__type(value, struct moat_ev_prefix);
} prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct moat_ev_drift);
} drift SEC(".maps");

struct deny_key {
	char path[MOAT_EV_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct deny_key);
	__type(value, struct moat_ev_deny);
} deny SEC(".maps");

/* accept: the user's sockaddr pointer between sys_enter and sys_exit. */
struct accept_args {
	__u64 addr;
	__s32 fd;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct accept_args);
} accepts SEC(".maps");

/* Syscall number -> event kind, for the kinds whose own tracepoint could not
 * attach (some kernels deny perf events on particular syscall tracepoints);
 * user space fills it and then attaches handle_raw_enter. 0 = not wanted. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 512);
	__type(key, __u32);
	__type(value, __u32);
} raw_kinds SEC(".maps");

union scratch_rec {
	struct moat_ev_exec exec;
	struct moat_ev_file file;
	struct moat_ev_net net;
	struct moat_ev_generic gen;
	struct deny_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);                 /* 0: record, 1: deny key */
	__type(key, __u32);
	__type(value, union scratch_rec);
} scratch SEC(".maps");

/* Kernel 6.6-6.10 and older spell the inode ctime differently. */
struct inode___v66 {
	struct timespec64 __i_ctime;
} __attribute__((preserve_access_index));

struct inode___old {
	struct timespec64 i_ctime;
} __attribute__((preserve_access_index));

static __always_inline void *scratch_slot(__u32 idx)
{
	return bpf_map_lookup_elem(&scratch, &idx);
}

static __always_inline int skip_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

static __always_inline void fill_hdr(struct moat_ev_hdr *h, __u16 kind, __u32 size)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->abi = MOAT_EVENT_ABI;
	h->size = size;
	h->time_ns = bpf_ktime_get_ns();
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = BPF_CORE_READ(task, cred, uid.val);
	h->euid = BPF_CORE_READ(task, cred, euid.val);
	h->gid = BPF_CORE_READ(task, cred, gid.val);
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->mnt_ns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	h->pid_ns = BPF_CORE_READ(task, nsproxy, pid_ns_for_children, ns.inum);
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void submit(void *rec, __u32 size, __u32 kind)
{
	if (bpf_ringbuf_output(&events, rec, size, 0) < 0) {
		__u64 *n = bpf_map_lookup_elem(&lost, &kind);

		if (n)
			*n += 1;
	}
}

/* Does path start with a table prefix whose mode allows this access? */
static __always_inline int prefix_match(const char *path, __u32 want)
{
	for (__u32 i = 0; i < MOAT_EV_PREFIX_MAX; i++) {
		__u32 key = i;
		struct moat_ev_prefix *p = bpf_map_lookup_elem(&prefixes, &key);
		int same = 1;

		if (!p || p->len == 0)
			return 0;
		if (!(p->mode & want))
			continue;
		for (__u32 j = 0; j < MOAT_EV_PREFIX_LEN; j++) {
			if (j >= p->len)
				break;
			if (path[j] != p->p[j]) {
				same = 0;
				break;
			}
		}
		if (same)
			return 1;
	}
	return 0;
}

/* --- process lifecycle --------------------------------------------------- */

static __always_inline __u64 inode_ctime(struct inode *ino)
{
	if (bpf_core_field_exists(ino->i_ctime_sec))
		return BPF_CORE_READ(ino, i_ctime_sec);
	if (bpf_core_field_exists(((struct inode___v66 *)ino)->__i_ctime))
		return BPF_CORE_READ((struct inode___v66 *)ino, __i_ctime.tv_sec);
	return BPF_CORE_READ((struct inode___old *)ino, i_ctime.tv_sec);
}

static __always_inline int fd_is_socket(struct file **fds, __u32 max_fds, __u32 i)
{
	struct file *f = NULL;
	__u16 mode;

	if (i >= max_fds)
		return 0;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[i]);
	if (!f)
		return 0;
	mode = BPF_CORE_READ(f, f_inode, i_mode);
	return (mode & S_IFMT) == S_IFSOCK;
}

static __always_inline void exec_args(struct moat_ev_exec *e, struct task_struct *task)
{
	__u64 start = BPF_CORE_READ(task, mm, arg_start);
	__u64 end = BPF_CORE_READ(task, mm, arg_end);
	__u64 len = end > start ? end - start : 0;

	if (len > MOAT_EV_ARGS_LEN - 1) {
		len = MOAT_EV_ARGS_LEN - 1;
		e->flags |= MOAT_EXEC_ARGS_TRUNC;
	}
	e->args_len = 0;
	e->argc = 0;
	if (len && bpf_probe_read_user(e->args, len & (MOAT_EV_ARGS_LEN - 1), (void *)start) == 0)
		e->args_len = len & (MOAT_EV_ARGS_LEN - 1);
	e->args[e->args_len & (MOAT_EV_ARGS_LEN - 1)] = 0;
	for (__u32 i = 0; i < MOAT_EV_ARGS_LEN; i++) {
		if (i >= e->args_len)
			break;
		if (e->args[i] == 0)
			e->argc++;
	}
}

/* Kill at exec: the signal is pending before the new image runs a single instruction. */
static __always_inline void exec_verdict(struct moat_ev_exec *e)
{
	struct moat_ev_drift *d;
	struct moat_ev_deny *deny_v;
	struct deny_key *k = scratch_slot(1);
	__u32 ns = e->hdr.mnt_ns;

	d = bpf_map_lookup_elem(&drift, &ns);
	if (d && (!d->cgroup_id || d->cgroup_id == e->hdr.cgroup_id) &&
	    e->exe_ctime_sec >= d->start_sec) {
		e->flags |= MOAT_EXEC_DRIFT;
		if (d->kill) {
			bpf_send_signal(SIGKILL);
			e->flags |= MOAT_EXEC_KILLED;
		}
	}
	if (!k)
		return;
	__builtin_memset(k->path, 0, sizeof(k->path));
	bpf_probe_read_kernel_str(k->path, sizeof(k->path), e->filename);
	deny_v = bpf_map_lookup_elem(&deny, k);
	if (deny_v && deny_v->action == 1) {
		bpf_send_signal(SIGKILL);
		e->flags |= MOAT_EXEC_KILLED;
	}
}

/* Leaf name of the v2 cgroup; on a v1-only task (v2 root, empty name) the memory controller's. */
static __always_inline void exec_cgroup(struct moat_ev_exec *e, struct task_struct *task)
{
	const char *name = BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, name);
	int mem = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	e->cgroup[0] = 0;
	if (name)
		bpf_probe_read_kernel_str(e->cgroup, sizeof(e->cgroup), name);
	if (e->cgroup[0] == 0 && mem >= 0 && mem < 16) {
		struct css_set *cset = BPF_CORE_READ(task, cgroups);
		struct cgroup_subsys_state *css = NULL;

		/* address arithmetic only; the read goes through the helper */
		bpf_probe_read_kernel(&css, sizeof(css), &cset->subsys[mem & 15]);
		name = BPF_CORE_READ(css, cgroup, kn, name);
		if (name)
			bpf_probe_read_kernel_str(e->cgroup, sizeof(e->cgroup), name);
	}
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(handle_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct moat_ev_exec *e = scratch_slot(0);
	struct inode *ino;
	struct file **fds;
	__u32 max_fds;

	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, MOAT_EV_EXEC, sizeof(*e));
	e->flags = 0;
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	ino = BPF_CORE_READ(bprm, file, f_inode);
	e->exe_ino = BPF_CORE_READ(ino, i_ino);
	e->exe_dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->exe_ctime_sec = inode_ctime(ino);
	fds = BPF_CORE_READ(task, files, fdt, fd);
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if (fd_is_socket(fds, max_fds, 0))
		e->flags |= MOAT_EXEC_STDIN_SOCK;
	if (fd_is_socket(fds, max_fds, 1))
		e->flags |= MOAT_EXEC_STDOUT_SOCK;
	exec_args(e, task);
	exec_cgroup(e, task);
	exec_verdict(e);
	submit(e, sizeof(*e), MOAT_EV_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct moat_ev_generic *e = scratch_slot(0);
	__u32 tgid = BPF_CORE_READ(child, tgid);

	if (!e || skip_self() || BPF_CORE_READ(child, pid) != tgid)
		return 0;                       /* a new thread, not a process */
	fill_hdr(&e->hdr, MOAT_EV_FORK, sizeof(struct moat_ev_fork));
	((struct moat_ev_fork *)e)->child_tgid = tgid;
	((struct moat_ev_fork *)e)->pad = 0;
	submit(e, sizeof(struct moat_ev_fork), MOAT_EV_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct moat_ev_exit *e = scratch_slot(0);
	__u64 id = bpf_get_current_pid_tgid();

	if (!e || skip_self() || (__u32)id != (id >> 32))
		return 0;                       /* only the thread-group leader */
	fill_hdr(&e->hdr, MOAT_EV_EXIT, sizeof(*e));
	e->code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	submit(e, sizeof(*e), MOAT_EV_EXIT);
	return 0;
}

/* --- files ---------------------------------------------------------------- */

static __always_inline int file_event(__u16 kind, __s64 arg0, const char *upath, __u64 flags,
				      __u64 mode, const char *upath2, int write)
{
	struct moat_ev_file *e = scratch_slot(0);
	__u32 want = write ? MOAT_PREFIX_WRITE : MOAT_PREFIX_READ;
	int hit;

	if (!e || skip_self())
		return 0;
	e->path[0] = 0;
	e->path2[0] = 0;
	if (upath)
		bpf_probe_read_user_str(e->path, sizeof(e->path), upath);
	if (upath2)
		bpf_probe_read_user_str(e->path2, sizeof(e->path2), upath2);
	hit = prefix_match(e->path, want);
	if (!hit && upath2)
		hit = prefix_match(e->path2, want);
	if (!hit && !(write && all_writes && kind == MOAT_EV_OPEN))
		return 0;
	fill_hdr(&e->hdr, kind, sizeof(*e));
	e->arg0 = arg0;
	e->flags = flags;
	e->mode = mode;
	submit(e, sizeof(*e), kind);
	return 0;
}

static __always_inline int open_event(__s64 dfd, const char *path, __u64 flags, __u64 mode)
{
	int write = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;

	return file_event(MOAT_EV_OPEN, dfd, path, flags, mode, NULL, write);
}

SEC("tp/syscalls/sys_enter_openat")
int handle_openat(struct trace_event_raw_sys_enter *ctx)
{
	return open_event(ctx->args[0], (const char *)ctx->args[1], ctx->args[2], ctx->args[3]);
}

SEC("tp/syscalls/sys_enter_open")
int handle_open(struct trace_event_raw_sys_enter *ctx)
{
	return open_event(-100, (const char *)ctx->args[0], ctx->args[1], ctx->args[2]);
}

SEC("tp/syscalls/sys_enter_openat2")
int handle_openat2(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return open_event(ctx->args[0], (const char *)ctx->args[1], how.flags, how.mode);
}

SEC("tp/syscalls/sys_enter_unlinkat")
int handle_unlinkat(struct trace_event_raw_sys_enter *ctx)
{
	return file_event(MOAT_EV_UNLINK, ctx->args[0], (const char *)ctx->args[1], ctx->args[2],
			  0, NULL, 1);
}

SEC("tp/syscalls/sys_enter_renameat2")
int handle_renameat2(struct trace_event_raw_sys_enter *ctx)
{
	return file_event(MOAT_EV_RENAME, ctx->args[0], (const char *)ctx->args[1], ctx->args[4],
			  0, (const char *)ctx->args[3], 1);
}

SEC("tp/syscalls/sys_enter_rename")
int handle_rename(struct trace_event_raw_sys_enter *ctx)
{
	return file_event(MOAT_EV_RENAME, -100, (const char *)ctx->args[0], 0, 0,
			  (const char *)ctx->args[1], 1);
}

SEC("tp/syscalls/sys_enter_fchmodat")
int handle_fchmodat(struct trace_event_raw_sys_enter *ctx)
{
	return file_event(MOAT_EV_CHMOD, ctx->args[0], (const char *)ctx->args[1], 0,
			  ctx->args[2], NULL, 1);
}

SEC("tp/syscalls/sys_enter_fchownat")
int handle_fchownat(struct trace_event_raw_sys_enter *ctx)
{
	__u64 owner = (ctx->args[2] << 32) | (__u32)ctx->args[3];

	return file_event(MOAT_EV_CHOWN, ctx->args[0], (const char *)ctx->args[1], ctx->args[4],
			  owner, NULL, 1);
}

/* --- network -------------------------------------------------------------- */

static __always_inline void read_sockaddr(struct moat_ev_net *e, const void *uaddr)
{
	__u16 family = 0;

	e->family = 0;
	e->port = 0;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	e->unix_path[0] = 0;
	if (!uaddr || bpf_probe_read_user(&family, sizeof(family), uaddr) < 0)
		return;
	e->family = family;
	if (family == AF_INET) {
		struct sockaddr_in in = {};

		bpf_probe_read_user(&in, sizeof(in), uaddr);
		e->port = __builtin_bswap16(in.sin_port);
		__builtin_memcpy(e->addr, &in.sin_addr, 4);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 in6 = {};

		bpf_probe_read_user(&in6, sizeof(in6), uaddr);
		e->port = __builtin_bswap16(in6.sin6_port);
		__builtin_memcpy(e->addr, &in6.sin6_addr, 16);
	} else if (family == AF_UNIX) {
		bpf_probe_read_user_str(e->unix_path, sizeof(e->unix_path), (const char *)uaddr + 2);
	}
}

static __always_inline int net_event(__u16 kind, __s32 fd, const void *uaddr, __s32 ret,
				     __u32 backlog)
{
	struct moat_ev_net *e = scratch_slot(0);

	if (!e || skip_self())
		return 0;
	read_sockaddr(e, uaddr);
	/* netlink, packet and friends are not what rules ask about */
	if (uaddr && e->family != AF_INET && e->family != AF_INET6 && e->family != AF_UNIX)
		return 0;
	fill_hdr(&e->hdr, kind, sizeof(*e));
	e->fd = fd;
	e->ret = ret;
	e->backlog = backlog;
	e->pad = 0;
	submit(e, sizeof(*e), kind);
	return 0;
}

SEC("tp/syscalls/sys_enter_connect")
int handle_connect(struct trace_event_raw_sys_enter *ctx)
{
	return net_event(MOAT_EV_CONNECT, ctx->args[0], (const void *)ctx->args[1], 0, 0);
}

SEC("tp/syscalls/sys_enter_bind")
int handle_bind(struct trace_event_raw_sys_enter *ctx)
{
	return net_event(MOAT_EV_BIND, ctx->args[0], (const void *)ctx->args[1], 0, 0);
}

SEC("tp/syscalls/sys_enter_listen")
int handle_listen(struct trace_event_raw_sys_enter *ctx)
{
	return net_event(MOAT_EV_LISTEN, ctx->args[0], NULL, 0, ctx->args[1]);
}

static __always_inline int accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct accept_args a = { .addr = ctx->args[1], .fd = ctx->args[0] };

	if (skip_self())
		return 0;
	bpf_map_update_elem(&accepts, &tid, &a, BPF_ANY);
	return 0;
}

static __always_inline int accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct accept_args *a = bpf_map_lookup_elem(&accepts, &tid);
	struct accept_args copy;

	if (!a)
		return 0;
	copy = *a;
	bpf_map_delete_elem(&accepts, &tid);
	if (ctx->ret < 0)
		return 0;
	return net_event(MOAT_EV_ACCEPT, copy.fd, (const void *)copy.addr, ctx->ret, 0);
}

SEC("tp/syscalls/sys_enter_accept4")
int handle_accept4_enter(struct trace_event_raw_sys_enter *ctx)
{
	return accept_enter(ctx);
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx);
}

SEC("tp/syscalls/sys_enter_accept")
int handle_accept_enter(struct trace_event_raw_sys_enter *ctx)
{
	return accept_enter(ctx);
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx);
}

/* --- privileges, namespaces, kernel --------------------------------------- */

static __always_inline int generic_event(__u16 kind, struct trace_event_raw_sys_enter *ctx)
{
	struct moat_ev_generic *e = scratch_slot(0);

	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, kind, sizeof(*e));
	e->arg[0] = ctx->args[0];
	e->arg[1] = ctx->args[1];
	e->arg[2] = ctx->args[2];
	e->arg[3] = ctx->args[3];
	submit(e, sizeof(*e), kind);
	return 0;
}

#define GENERIC(name, kind) \
	SEC("tp/syscalls/sys_enter_" #name) \
	int handle_##name(struct trace_event_raw_sys_enter *ctx) \
	{ \
		return generic_event(kind, ctx); \
	}

GENERIC(setuid, MOAT_EV_SETUID)
GENERIC(setreuid, MOAT_EV_SETUID)
GENERIC(setresuid, MOAT_EV_SETUID)
GENERIC(setgid, MOAT_EV_SETGID)
GENERIC(setresgid, MOAT_EV_SETGID)
GENERIC(capset, MOAT_EV_CAPSET)
GENERIC(ptrace, MOAT_EV_PTRACE)
GENERIC(unshare, MOAT_EV_UNSHARE)
GENERIC(setns, MOAT_EV_SETNS)
GENERIC(init_module, MOAT_EV_MODULE)
GENERIC(finit_module, MOAT_EV_MODULE)
GENERIC(bpf, MOAT_EV_BPF)

SEC("tp/syscalls/sys_enter_mount")
int handle_mount(struct trace_event_raw_sys_enter *ctx)
{
	/* path = target, path2 = source; every mount is reported (prefix "/" is not required) */
	struct moat_ev_file *e = scratch_slot(0);

	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, MOAT_EV_MOUNT, sizeof(*e));
	bpf_probe_read_user_str(e->path, sizeof(e->path), (const char *)ctx->args[1]);
	bpf_probe_read_user_str(e->path2, sizeof(e->path2), (const char *)ctx->args[0]);
	e->arg0 = -1;
	e->flags = ctx->args[3];
	e->mode = 0;
	submit(e, sizeof(*e), MOAT_EV_MOUNT);
	return 0;
}

SEC("tp/syscalls/sys_enter_umount")
int handle_umount(struct trace_event_raw_sys_enter *ctx)
{
	struct moat_ev_file *e = scratch_slot(0);

	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, MOAT_EV_UMOUNT, sizeof(*e));
	bpf_probe_read_user_str(e->path, sizeof(e->path), (const char *)ctx->args[0]);
	e->path2[0] = 0;
	e->arg0 = -1;
	e->flags = ctx->args[1];
	e->mode = 0;
	submit(e, sizeof(*e), MOAT_EV_UMOUNT);
	return 0;
}

SEC("tp/syscalls/sys_enter_memfd_create")
int handle_memfd_create(struct trace_event_raw_sys_enter *ctx)
{
	struct moat_ev_file *e = scratch_slot(0);

	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, MOAT_EV_MEMFD, sizeof(*e));
	bpf_probe_read_user_str(e->path, sizeof(e->path), (const char *)ctx->args[0]);
	e->path2[0] = 0;
	e->arg0 = -1;
	e->flags = ctx->args[1];
	e->mode = 0;
	submit(e, sizeof(*e), MOAT_EV_MEMFD);
	return 0;
}

/* Every syscall passes here once attached, so it is attached only when some
 * per-syscall tracepoint failed; one array lookup drops the rest. */
SEC("raw_tp/sys_enter")
int handle_raw_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	__u32 nr = (__u32)ctx->args[1];
	struct moat_ev_generic *e;
	__u32 *kind = bpf_map_lookup_elem(&raw_kinds, &nr);

	if (!kind || *kind == 0 || skip_self())
		return 0;
	e = scratch_slot(0);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, (__u16)*kind, sizeof(*e));
	e->arg[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	e->arg[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	e->arg[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	e->arg[3] = PT_REGS_PARM4_CORE_SYSCALL(regs);
	submit(e, sizeof(*e), *kind);
	return 0;
}
