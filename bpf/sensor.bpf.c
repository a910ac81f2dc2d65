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

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define TCP_CLOSE 7
#define TCP_LISTEN 10
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

/* Sensitive-path prefixes -> access modes (the union over every table
 * prefix that covers the key, so the longest match alone decides). Twice
 * the table, so a reload can add the new set before dropping the old. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 2 * MOAT_EV_PREFIX_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct moat_ev_prefix_key);
	__type(value, __u32);
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
	__uint(max_entries, MOAT_EV_DENY_MAX);
	__type(key, struct deny_key);
	__type(value, struct moat_ev_deny);
} deny SEC(".maps");

/* Syscall number -> event kind for sys_generic; user space fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MOAT_EV_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} generic_kinds SEC(".maps");

/* A thread's working directory, cached in task storage (freed with the
 * task) and checked against the dentry and mount it was computed from, so
 * a chdir is noticed. */
struct cwd_entry {
	__u64 dentry;
	__u64 mnt;
	__u32 len;                              /* bytes in path, without the NUL */
	__u32 trunc;                            /* leading components dropped */
	char path[MOAT_EV_PATH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cwd_entry);
} cwds SEC(".maps");

struct cwd_scratch {
	char buf[MOAT_EV_PATH_LEN];             /* assembled right to left */
};

/* Room past each member matters: a relative path is joined to the cwd at a
 * variable offset, so writes may run up to twice a buffer's size (the
 * union is larger than any member). */
union scratch_rec {
	struct moat_ev_exec exec;
	struct moat_ev_file file;
	struct moat_ev_net net;
	struct moat_ev_generic gen;
	struct deny_key key;
	struct moat_ev_prefix_key prefix;
	struct cwd_scratch cwd;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 3);                 /* 0: record, 1: deny or prefix key, 2: cwd */
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

/* The cgroup v2 id of the current task, as bpf_get_current_cgroup_id()
 * computes it (task's css_set -> default-hierarchy cgroup -> kernfs id), in
 * three plain loads: the helper measured about 90 ns a call here, which
 * the sys_enter probe would pay at every syscall. */
static __always_inline __u64 current_cgroup_id(void)
{
	struct task_struct *task = bpf_get_current_task_btf();

	return task->cgroups->dfl_cgrp->kn->id;
}

static __always_inline int skip_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == self_tgid;
}

/* Task fields through the BTF-typed current task: plain loads the JIT turns
 * into fault-safe reads, where BPF_CORE_READ would cost a helper call each. */
static __always_inline void fill_hdr(struct moat_ev_hdr *h, __u16 kind, __u32 size)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const struct cred *cred = task->cred;
	struct nsproxy *ns = task->nsproxy;
	__u64 id = bpf_get_current_pid_tgid();

	h->kind = kind;
	h->abi = MOAT_EVENT_ABI;
	h->size = size;
	h->time_ns = bpf_ktime_get_ns();
	h->pid = (__u32)id;
	h->tgid = id >> 32;
	h->ppid = task->real_parent->tgid;
	h->uid = cred->uid.val;
	h->euid = cred->euid.val;
	h->gid = cred->gid.val;
	h->cgroup_id = current_cgroup_id();
	h->mnt_ns = ns ? ns->mnt_ns->ns.inum : 0;
	h->pid_ns = ns ? ns->pid_ns_for_children->ns.inum : 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* A ring-buffer wakeup is an irq_work, i.e. a self-IPI: in a VM that is an
 * exit per event and it dominated the sensor's cost. Records are committed
 * without a wakeup; user space drains the ring every MOAT_EV_DRAIN_MS, and
 * a ring filling past MOAT_EV_WAKE_BYTES wakes it early. */
static __always_inline void submit(void *rec, __u32 size, __u32 kind)
{
	__u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= MOAT_EV_WAKE_BYTES
			      ? BPF_RB_FORCE_WAKEUP
			      : BPF_RB_NO_WAKEUP;

	if (bpf_ringbuf_output(&events, rec, size, flags) < 0) {
		__u64 *n = bpf_map_lookup_elem(&lost, &kind);

		if (n)
			*n += 1;
	}
}

#include "cwd.bpf.h"
#include "baseline.bpf.h"

/* Does the user path start with a table prefix whose mode allows this
 * access? Only the head of the path is read for the test; bytes after its
 * NUL are stale but never compared, since a prefix longer than the path
 * would have to match that NUL. A relative path is joined first to the
 * working directory or to the directory open as dfd. */
static __always_inline int prefix_match(const char *upath, __u32 want, __s64 dfd)
{
	struct moat_ev_prefix_key *k = scratch_slot(1);
	struct cwd_entry *c;
	__u32 *mode;

	if (!k || !upath)
		return 0;
	k->bits = MOAT_EV_PREFIX_LEN * 8;
	if (bpf_probe_read_user_str(k->p, sizeof(k->p), upath) <= 0)
		return 0;
	if (k->p[0] != '/') {
		if (!(c = base_dir(dfd)))
			return 0;
		join_cwd(k->p, MOAT_EV_PREFIX_LEN - 1, c, upath);
	}
	mode = bpf_map_lookup_elem(&prefixes, k);
	return mode && (*mode & want);
}

/* The path for the record: relative ones joined to the cwd or dirfd. */
static __always_inline void read_path(char *dst, const char *upath, __s64 dfd)
{
	struct cwd_entry *c;

	dst[0] = 0;
	if (!upath)
		return;
	bpf_probe_read_user_str(dst, MOAT_EV_PATH_LEN, upath);
	if (dst[0] && dst[0] != '/' && (c = base_dir(dfd)))
		join_cwd(dst, PATH_MASK, c, upath);
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

/* An AF_INET/6 socket: a peer unless it listens or is closed (never
 * connected, or disconnected). UDP reads TCP_ESTABLISHED once connected. */
static __always_inline __u8 inet_type(struct socket *sock, struct sock *sk)
{
	__u8 state = BPF_CORE_READ(sk, __sk_common.skc_state);
	short type = BPF_CORE_READ(sock, type);

	if (state == TCP_LISTEN)
		return MOAT_FD_LISTEN;
	if (state == TCP_CLOSE)
		return MOAT_FD_UNCONNECTED;
	if (type == SOCK_STREAM)
		return MOAT_FD_TCP;
	return type == SOCK_DGRAM ? MOAT_FD_UDP : MOAT_FD_SOCKET;
}

/* What fd i is: the file's inode type, and for a socket its family and
 * state (file->private_data is the struct socket of a socket file). */
static __always_inline __u8 fd_type(struct file **fds, __u32 max_fds, __u32 i)
{
	struct file *f = NULL;
	struct socket *sock;
	struct sock *sk;
	__u16 family;
	__u8 t;

	if (i >= max_fds)
		return MOAT_FD_NONE;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[i]);
	if (!f)
		return MOAT_FD_NONE;
	t = moat_fd_type_of_mode(BPF_CORE_READ(f, f_inode, i_mode));
	if (t != MOAT_FD_SOCKET)
		return t;
	sock = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return MOAT_FD_SOCKET;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_UNIX)
		return MOAT_FD_UNIX;
	if (family == AF_INET || family == AF_INET6)
		return inet_type(sock, sk);
	return MOAT_FD_SOCKET;
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
	bl_exec_verdict(e);
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

/* The working directory at exec, as the process sees it. */
static __always_inline void exec_cwd(struct moat_ev_exec *e)
{
	struct cwd_entry *c = task_cwd();

	e->cwd[0] = 0;
	if (!c)
		return;
	bpf_probe_read_kernel(e->cwd, sizeof(e->cwd), c->path);
	if (c->trunc)
		e->flags |= MOAT_EXEC_CWD_TRUNC;
}

/* The exe as resolved from the file the kernel opened (a symlink's target, a
 * relative name made absolute), as path.bpf.h names an opened file. */
static __always_inline void exec_exe(struct moat_ev_exec *e, struct linux_binprm *bprm)
{
	struct file *f = BPF_CORE_READ(bprm, file);
	__u32 trunc = 0;

	e->exe[0] = 0;
	if (!f)
		return;
	walk_path(BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt), e->exe, &trunc);
	if (trunc)
		e->exe[0] = 0;
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
	e->stdio[0] = fd_type(fds, max_fds, 0);
	e->stdio[1] = fd_type(fds, max_fds, 1);
	e->stdio[2] = fd_type(fds, max_fds, 2);
	e->stdio[3] = 0;
	e->pad = 0;
	if (e->stdio[0] >= MOAT_FD_UNIX && e->stdio[0] <= MOAT_FD_SOCKET)
		e->flags |= MOAT_EXEC_STDIN_SOCK;
	if (e->stdio[1] >= MOAT_FD_UNIX && e->stdio[1] <= MOAT_FD_SOCKET)
		e->flags |= MOAT_EXEC_STDOUT_SOCK;
	exec_args(e, task);
	exec_cgroup(e, task);
	exec_cwd(e);
	exec_exe(e, bprm);
	exec_verdict(e);
	submit(e, sizeof(*e), MOAT_EV_EXEC);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	struct moat_ev_generic *e;
	__u32 tgid = child->tgid;

	/* a new thread, not a process: most forks of a threaded server, so
	 * the test is two plain loads before anything else */
	if (child->pid != tgid)
		return 0;
	e = scratch_slot(0);
	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, MOAT_EV_FORK, sizeof(struct moat_ev_fork));
	((struct moat_ev_fork *)e)->child_tgid = tgid;
	((struct moat_ev_fork *)e)->pad = 0;
	submit(e, sizeof(struct moat_ev_fork), MOAT_EV_FORK);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *p)
{
	struct moat_ev_exit *e;

	if (p->pid != p->tgid)
		return 0;                       /* only the thread-group leader */
	e = scratch_slot(0);
	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, MOAT_EV_EXIT, sizeof(*e));
	e->code = BPF_CORE_READ(p, exit_code);
	e->pad = 0;
	submit(e, sizeof(*e), MOAT_EV_EXIT);
	return 0;
}

/* --- files ---------------------------------------------------------------- */

/* unlink, rename, chmod, chown: matched by the path as given (joined to
 * the cwd or dirfd) before the call; dfd2 is a rename target's dirfd. */
static __always_inline int file_event(__u16 kind, __s64 arg0, const char *upath, __u64 flags,
				      __u64 mode, const char *upath2, __s64 dfd2)
{
	struct moat_ev_file *e = scratch_slot(0);
	__u32 want = MOAT_PREFIX_WRITE;

	if (!e || skip_self())
		return 0;
	if (!prefix_match(upath, want, arg0) && !(upath2 && prefix_match(upath2, want, dfd2)))
		return 0;
	/* path first: joining it to the cwd may write past its end into path2 */
	read_path(e->path, upath, arg0);
	read_path(e->path2, upath2, dfd2);
	fill_hdr(&e->hdr, kind, sizeof(*e));
	e->arg0 = arg0;
	e->flags = flags;
	e->mode = mode;
	e->watch = 0;
	e->resolve = 0;
	e->ino = 0;
	e->dev = 0;
	e->pad = 0;
	submit(e, sizeof(*e), kind);
	return 0;
}

/* Syscall handlers are tp_btf/sys_enter programs reached by tail call from
 * the one attached sys_enter probe (see the end of this file). The kernel
 * lets a tail call go only between programs of the same hook, so they carry
 * its section but are never attached themselves; their typed pt_regs reads
 * are plain loads, not helper calls. */
#define SYSCALL(name) \
	static __always_inline int name##_body(__u32 nr, struct pt_regs *regs); \
	SEC("tp_btf/sys_enter") \
	int BPF_PROG(name, struct pt_regs *regs, long id) \
	{ \
		return name##_body((__u32)id, regs); \
	} \
	static __always_inline int name##_body(__u32 nr, struct pt_regs *regs)

/* The syscall's arguments, from the user registers. */
#define A0 PT_REGS_PARM1_SYSCALL(regs)
#define A1 PT_REGS_PARM2_SYSCALL(regs)
#define A2 PT_REGS_PARM3_SYSCALL(regs)
#define A3 PT_REGS_PARM4_SYSCALL(regs)
#define A4 PT_REGS_PARM5_SYSCALL(regs)

/* Opens are matched at exit, on the file actually opened: path.bpf.h. */
#include "path.bpf.h"

SYSCALL(sys_unlinkat)
{
	return file_event(MOAT_EV_UNLINK, A0, (const char *)A1, A2, 0, NULL, 0);
}

SYSCALL(sys_unlink)
{
	return file_event(MOAT_EV_UNLINK, -100, (const char *)A0, 0, 0, NULL, 0);
}

SYSCALL(sys_renameat2)
{
	return file_event(MOAT_EV_RENAME, A0, (const char *)A1, A4, 0, (const char *)A3, A2);
}

SYSCALL(sys_renameat)
{
	return file_event(MOAT_EV_RENAME, A0, (const char *)A1, 0, 0, (const char *)A3, A2);
}

SYSCALL(sys_rename)
{
	return file_event(MOAT_EV_RENAME, -100, (const char *)A0, 0, 0, (const char *)A1, -100);
}

SYSCALL(sys_fchmodat)
{
	return file_event(MOAT_EV_CHMOD, A0, (const char *)A1, 0, A2, NULL, 0);
}

SYSCALL(sys_chmod)
{
	return file_event(MOAT_EV_CHMOD, -100, (const char *)A0, 0, A1, NULL, 0);
}

SYSCALL(sys_fchownat)
{
	__u64 owner = (A2 << 32) | (__u32)A3;

	return file_event(MOAT_EV_CHOWN, A0, (const char *)A1, A4, owner, NULL, 0);
}

SYSCALL(sys_chown)
{
	__u64 owner = (A1 << 32) | (__u32)A2;

	return file_event(MOAT_EV_CHOWN, -100, (const char *)A0, 0, owner, NULL, 0);
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

SYSCALL(sys_connect)
{
	return net_event(MOAT_EV_CONNECT, A0, (const void *)A1, 0, 0);
}

SYSCALL(sys_bind)
{
	return net_event(MOAT_EV_BIND, A0, (const void *)A1, 0, 0);
}

SYSCALL(sys_listen)
{
	return net_event(MOAT_EV_LISTEN, A0, NULL, 0, A1);
}

/* accept and accept4: the peer address is known at exit, in the buffer
 * the caller passed. The exit probe reads the listening fd and that
 * buffer's address from the registers the syscall entered with (still in
 * the task's saved user registers at exit), so accept needs no entry
 * handler and no map of calls in flight: that pair (a hash update at entry,
 * a lookup and delete at exit) cost about half of the exit's 1.4 us. The
 * exit side stays a per-syscall tracepoint, which costs other syscalls one
 * bitmap test instead of a BPF run per syscall exit. */
static __always_inline int accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs;

	if (ctx->ret < 0)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	return net_event(MOAT_EV_ACCEPT, (__s32)PT_REGS_PARM1_SYSCALL(regs),
			 (const void *)PT_REGS_PARM2_SYSCALL(regs), ctx->ret, 0);
}

SEC("tp/syscalls/sys_exit_accept4")
int handle_accept4_exit(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx);
}

SEC("tp/syscalls/sys_exit_accept")
int handle_accept_exit(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx);
}

/* --- privileges, namespaces, kernel --------------------------------------- */

/* setuid, capset, ptrace, unshare, setns, module and bpf calls: one handler,
 * the event kind per syscall number comes from user space (generic_kinds). */
SYSCALL(sys_generic)
{
	__u32 *kind = bpf_map_lookup_elem(&generic_kinds, &nr);
	struct moat_ev_generic *e;

	if (!kind || *kind == 0 || skip_self())
		return 0;
	e = scratch_slot(0);
	if (!e)
		return 0;
	fill_hdr(&e->hdr, (__u16)*kind, sizeof(*e));
	e->arg[0] = A0;
	e->arg[1] = A1;
	e->arg[2] = A2;
	e->arg[3] = A3;
	submit(e, sizeof(*e), *kind);
	return 0;
}

/* path = target, path2 = source; every mount is reported */
static __always_inline int mount_event(__u16 kind, const char *target, const char *source,
				       __u64 flags)
{
	struct moat_ev_file *e = scratch_slot(0);

	if (!e || skip_self())
		return 0;
	fill_hdr(&e->hdr, kind, sizeof(*e));
	bpf_probe_read_user_str(e->path, sizeof(e->path), target);
	e->path2[0] = 0;
	if (source)
		bpf_probe_read_user_str(e->path2, sizeof(e->path2), source);
	e->arg0 = -1;
	e->flags = flags;
	e->mode = 0;
	e->watch = 0;
	e->resolve = 0;
	e->ino = 0;
	e->dev = 0;
	e->pad = 0;
	submit(e, sizeof(*e), kind);
	return 0;
}

SYSCALL(sys_mount)
{
	return mount_event(MOAT_EV_MOUNT, (const char *)A1, (const char *)A0, A3);
}

SYSCALL(sys_umount)
{
	return mount_event(MOAT_EV_UMOUNT, (const char *)A0, NULL, A1);
}

SYSCALL(sys_memfd_create)
{
	/* the memfd's name in path */
	return mount_event(MOAT_EV_MEMFD, (const char *)A0, NULL, A1);
}

/* The one probe on every syscall: a tail call into the handler user space
 * installed for this syscall number, or nothing. `dispatched` (set before
 * load from the same table) says which numbers have a handler, so the
 * others skip the tail call (an empty slot still cost about 30 ns). */
const volatile __u64 dispatched[MOAT_EV_SYSCALL_MAX / 64] = {};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, MOAT_EV_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} syscalls SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (bl_compat()) {
		/* named apart in the bitmap; the per-syscall handlers are native */
		bl_syscall(MOAT_EV_SYSBITS_IA32 + (__u32)id);
		return 0;
	}
	bl_syscall((__u32)id);
	if ((__u64)id < MOAT_EV_SYSCALL_MAX &&
	    (dispatched[((__u32)id >> 6) & (MOAT_EV_SYSCALL_MAX / 64 - 1)] >> (id & 63)) & 1)
		bpf_tail_call(ctx, &syscalls, (__u32)id);
	return 0;
}
