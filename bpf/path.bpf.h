/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * path.bpf.h - opens matched on the file actually opened, for sensor.bpf.c
 * (included once, after file_event() and the A0.. register macros).
 *
 * At syscall exit the new fd leads to the struct file. Its inode is looked
 * up in `watch_inodes` (hard links of a watched file land here), then its
 * directory's inode and its name in `watch_dentries` (a watched name in a
 * watched directory: a file created there, or renamed over a watched one).
 * User space fills both maps by stat() of each watched path in every root
 * it knows, the host's and each container's (src/sensor/watch.c), and
 * lists those roots in `watch_roots`. A task whose root is not listed yet
 * (a container seconds old) gets the slower match: the opened file's name
 * walked from its dentry, tested against the prefix table. Either way the
 * record names the file by its resolved path, so "..", symlinks, dirfds and
 * /proc/self/root do not hide it; the path as given is kept too.
 *
 * The string test of the given path against the prefix table stays: it
 * is what sees failed opens and paths (procfs, /proc/1/root) whose string
 * is the point.
 */
#ifndef MOAT_PATH_BPF_H
#define MOAT_PATH_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MOAT_EV_WATCH_MAX);
	__type(key, struct moat_ev_inode_key);
	__type(value, struct moat_ev_watch);
} watch_inodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, MOAT_EV_WATCH_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct moat_ev_dentry_key);
	__type(value, struct moat_ev_watch);
} watch_dentries SEC(".maps");

/* Root directories (dev, inode) whose watched paths user space has
 * stat'ed; the value is unused. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct moat_ev_inode_key);
	__type(value, __u32);
} watch_roots SEC(".maps");

static __always_inline void inode_key(struct moat_ev_inode_key *k, struct inode *ino)
{
	k->ino = ino->i_ino;
	k->dev = ino->i_sb->s_dev;
	k->pad = 0;
}

/* Has user space scanned the current task's root? */
static __always_inline int root_known(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;
	struct moat_ev_inode_key k;
	struct inode *ino;

	if (!fs)
		return 0;
	ino = fs->root.dentry->d_inode;
	if (!ino)
		return 0;
	inode_key(&k, ino);
	return bpf_map_lookup_elem(&watch_roots, &k) != NULL;
}

/* Watched inode, else watched entry of a watched directory: sets e->watch
 * and e->resolve on a hit that this access mode is reported for. */
static __always_inline void watch_match(struct file *f, __u32 want, struct moat_ev_file *e)
{
	struct dentry *d = f->f_path.dentry;
	struct moat_ev_dentry_key dk = {};
	struct moat_ev_inode_key k;
	struct moat_ev_watch *w;
	struct inode *dir;

	inode_key(&k, f->f_inode);
	w = bpf_map_lookup_elem(&watch_inodes, &k);
	if (w && (w->flags & MOAT_WATCH_FILE) && (w->mode & want)) {
		e->watch = w->id;
		e->resolve |= MOAT_RESOLVE_INODE;
		return;
	}
	dir = d->d_parent->d_inode;
	if (!dir)
		return;
	inode_key(&k, dir);
	w = bpf_map_lookup_elem(&watch_inodes, &k);
	if (!w || !(w->flags & MOAT_WATCH_DIR))
		return;
	dk.bits = (12 + MOAT_EV_NAME_LEN) * 8;
	dk.dev = k.dev;
	dk.ino = k.ino;
	bpf_probe_read_kernel_str(dk.name, sizeof(dk.name), d->d_name.name);
	w = bpf_map_lookup_elem(&watch_dentries, &dk);
	if (w && (w->mode & want)) {
		e->watch = w->id;
		e->resolve |= MOAT_RESOLVE_DENTRY;
	}
}

/* The opened file's name as the task sees it, into e->path. */
static __always_inline void resolve_path(struct file *f, struct moat_ev_file *e)
{
	__u32 trunc = 0;

	walk_path(f->f_path.dentry, f->f_path.mnt, e->path, &trunc);
	e->resolve |= MOAT_RESOLVE_PATH | (trunc ? MOAT_RESOLVE_TRUNC : 0);
}

/* Is the kernel string path (its head) under a prefix for this access? */
static __always_inline int prefix_match_kernel(const char *path, __u32 want)
{
	struct moat_ev_prefix_key *k = scratch_slot(1);
	__u32 *mode;

	if (!k)
		return 0;
	k->bits = MOAT_EV_PREFIX_LEN * 8;
	bpf_probe_read_kernel_str(k->p, sizeof(k->p), path);
	mode = bpf_map_lookup_elem(&prefixes, k);
	return mode && (*mode & want);
}

/*
 * One open, at exit (ret: the new fd or -errno). Reported when the file
 * opened is watched (by inode or directory entry; by resolved path in a
 * root not scanned yet), when the path as given is under a prefix (failed
 * opens included), or when all writes are wanted (everywhere, or in a
 * container whose baseline is learned: bl_want_write).
 */
static __always_inline int open_exit(__s64 dfd, const char *upath, __u64 flags, __u64 mode,
				     long ret)
{
	int write = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
	__u32 want = write ? MOAT_PREFIX_WRITE : MOAT_PREFIX_READ;
	struct moat_ev_file *e = scratch_slot(0);
	struct file *f = NULL;

	if (!e || skip_self())
		return 0;
	e->watch = 0;
	e->resolve = 0;
	e->ino = 0;
	e->dev = 0;
	e->pad = 0;
	if (ret >= 0)
		f = fd_file(ret);
	if (f && root_known()) {
		watch_match(f, want, e);
	} else if (f) {
		resolve_path(f, e);
		if (prefix_match_kernel(e->path, want))
			e->resolve |= MOAT_RESOLVE_PREFIX;
	}
	if (!e->watch && !(e->resolve & MOAT_RESOLVE_PREFIX) && !prefix_match(upath, want, dfd) &&
	    !(write && (all_writes || bl_want_write())))
		return 0;
	/* path2 first: joining it to the cwd may write past its end */
	read_path(e->path2, upath, dfd);
	if (f && !(e->resolve & MOAT_RESOLVE_PATH))
		resolve_path(f, e);
	else if (!f)
		bpf_probe_read_kernel_str(e->path, sizeof(e->path), e->path2);
	if (f) {
		struct moat_ev_inode_key k;

		inode_key(&k, f->f_inode);
		e->ino = k.ino;
		e->dev = k.dev;
	}
	fill_hdr(&e->hdr, MOAT_EV_OPEN, sizeof(*e));
	e->arg0 = dfd;
	e->flags = flags;
	e->mode = mode;
	submit(e, sizeof(*e), MOAT_EV_OPEN);
	return 0;
}

static __always_inline int openat2_exit(struct pt_regs *regs, long ret)
{
	struct open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)A2);
	return open_exit(A0, (const char *)A1, how.flags, how.mode, ret);
}

/* Exit handlers: tp_btf/sys_exit programs reached by tail call from the one
 * attached sys_exit probe below, like the sys_enter ones. The user
 * registers still hold the arguments at exit. */
#define EXIT_SYSCALL(name) \
	static __always_inline int name##_body(struct pt_regs *regs, long ret); \
	SEC("tp_btf/sys_exit") \
	int BPF_PROG(name, struct pt_regs *regs, long ret) \
	{ \
		return name##_body(regs, ret); \
	} \
	static __always_inline int name##_body(struct pt_regs *regs, long ret)

EXIT_SYSCALL(exit_openat)
{
	return open_exit(A0, (const char *)A1, A2, A3, ret);
}

EXIT_SYSCALL(exit_open)
{
	return open_exit(AT_FDCWD, (const char *)A0, A1, A2, ret);
}

EXIT_SYSCALL(exit_openat2)
{
	return openat2_exit(regs, ret);
}

/* No path at all ("shocker": a file handle guessed from outside a
 * container's root): only the file opened can tell. */
EXIT_SYSCALL(exit_open_by_handle_at)
{
	return open_exit(A0, NULL, A2, 0, ret);
}

/* The exit dispatch: syscall number -> exit handler; user space fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, MOAT_EV_SYSCALL_MAX);
	__type(key, __u32);
	__type(value, __u32);
} exit_calls SEC(".maps");

static __always_inline __u32 syscall_nr(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return (__u32)regs->orig_ax;
#elif defined(__TARGET_ARCH_arm64)
	return (__u32)regs->syscallno;
#else
	return MOAT_EV_SYSCALL_MAX;
#endif
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	if (bl_compat())
		return 0;       /* an ia32 number: not the native handler's call */
	bpf_tail_call(ctx, &exit_calls, syscall_nr(regs));
	return 0;
}

/* The same handlers on the per-syscall perf tracepoints: these cost more
 * per open, but nothing for the other syscalls, which the sys_exit probe
 * would also run for (measured cheaper overall: docs/defender.md); the
 * default, with the dispatcher above as the fallback (MOAT_PATH_PROBE=btf
 * forces it). The arguments come from the task's saved user registers. */
static __always_inline struct pt_regs *user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

SEC("tp/syscalls/sys_exit_openat")
int perf_exit_openat(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();

	return open_exit(A0, (const char *)A1, A2, A3, ctx->ret);
}

SEC("tp/syscalls/sys_exit_openat2")
int perf_exit_openat2(struct trace_event_raw_sys_exit *ctx)
{
	return openat2_exit(user_regs(), ctx->ret);
}

/* x86-64 only (no open(2) elsewhere): there it fails to attach, harmlessly */
SEC("tp/syscalls/sys_exit_open")
int perf_exit_open(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();

	return open_exit(AT_FDCWD, (const char *)A0, A1, A2, ctx->ret);
}

SEC("tp/syscalls/sys_exit_open_by_handle_at")
int perf_exit_open_by_handle_at(struct trace_event_raw_sys_exit *ctx)
{
	struct pt_regs *regs = user_regs();

	return open_exit(A0, NULL, A2, 0, ctx->ret);
}

#endif
