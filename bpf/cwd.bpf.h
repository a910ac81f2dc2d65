/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * cwd.bpf.h - directories as the current thread names them, for
 * sensor.bpf.c (included once, after its maps and scratch_slot()): the
 * working directory (exec records carry it), a directory fd's path, and
 * the walk from a dentry to the root that names both and opened files.
 * Paths relative to the cwd or a dirfd are joined to it before the prefix
 * filter.
 */
#ifndef MOAT_CWD_BPF_H
#define MOAT_CWD_BPF_H

#define CWD_DEPTH 32     /* path components walked, mount crossings included */
#define PATH_MASK (MOAT_EV_PATH_LEN - 1)
#define AT_FDCWD -100

struct cwd_walk {
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *mnt;
	struct dentry *root_d;
	struct vfsmount *root_m;
	__u32 pos;              /* the path so far is buf[pos .. MOAT_EV_PATH_LEN - 1) */
	__u32 done;
};

/* One step up from w->d: a mount crossing or one component written. Run by
 * bpf_loop, so the verifier checks it once, not once per step. */
static long cwd_step(__u32 i, void *ctx)
{
	struct cwd_walk *w = ctx;
	struct cwd_scratch *s = scratch_slot(2);
	/* locals: BPF_CORE_READ would relocate w's own fields too */
	struct dentry *d = w->d;
	struct vfsmount *vm = w->vm;
	struct mount *mnt = w->mnt;
	struct dentry *parent;
	const unsigned char *name;
	__u32 len;

	if (!s)
		return 1;
	if (d == w->root_d && vm == w->root_m) {
		w->done = 1;
		return 1;
	}
	if (d == BPF_CORE_READ(vm, mnt_root)) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);

		if (up == mnt) {
			w->done = 1;    /* the namespace's root */
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		w->vm = &up->mnt;
		return 0;
	}
	parent = BPF_CORE_READ(d, d_parent);
	if (parent == d) {
		w->done = 1;
		return 1;
	}
	name = BPF_CORE_READ(d, d_name.name);
	len = BPF_CORE_READ(d, d_name.len);
	if (len + 2 > w->pos)
		return 1;       /* no room: truncated */
	w->pos -= len;
	bpf_probe_read_kernel(&s->buf[w->pos & PATH_MASK], len & PATH_MASK, name);
	w->pos -= 1;
	s->buf[w->pos & PATH_MASK] = '/';
	w->d = parent;
	return 0;
}

/* Walk from (d, vm) up to the current task's root, crossing mounts; the
 * path is left in scratch slot 2 and copied to out (MOAT_EV_PATH_LEN
 * bytes). Returns its length without the NUL; *trunc is set when leading
 * components were dropped (past CWD_DEPTH steps or MOAT_EV_PATH_LEN bytes). */
static __always_inline __u32 walk_path(struct dentry *d, struct vfsmount *vm, char *out,
				       __u32 *trunc)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;
	struct cwd_scratch *s = scratch_slot(2);
	struct cwd_walk w = { .pos = MOAT_EV_PATH_LEN - 1, .d = d, .vm = vm };
	__u32 len;

	out[0] = 0;
	if (!fs || !s)
		return 0;
	w.root_d = fs->root.dentry;
	w.root_m = fs->root.mnt;
	w.mnt = container_of(w.vm, struct mount, mnt);
	s->buf[MOAT_EV_PATH_LEN - 1] = 0;
	bpf_loop(CWD_DEPTH, cwd_step, &w, 0);
	*trunc = !w.done;
	if (w.pos == MOAT_EV_PATH_LEN - 1) {
		w.pos -= 1;
		s->buf[w.pos & PATH_MASK] = '/';        /* the root itself */
	}
	/* pos >= 1 (see the room test), so the length fits the mask unchanged */
	len = MOAT_EV_PATH_LEN - w.pos;
	bpf_probe_read_kernel(out, len & PATH_MASK, &s->buf[w.pos & PATH_MASK]);
	return len - 1;
}

/* The path of directory (d, vm), cached in the task's storage of map and
 * walked again only when the directory changes. */
static __always_inline struct cwd_entry *cached_dir(void *map, struct dentry *d,
						    struct vfsmount *vm)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct cwd_entry *c = bpf_task_storage_get(map, task, NULL, 0);

	if (c && c->dentry == (__u64)d && c->mnt == (__u64)vm)
		return c;
	c = bpf_task_storage_get(map, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return NULL;
	c->dentry = (__u64)d;
	c->mnt = (__u64)vm;
	c->len = walk_path(d, vm, c->path, &c->trunc);
	return c;
}

/*
 * The current task's working directory, as it sees it: walked from its
 * dentry up to its root (crossing mounts) on the first call after a chdir,
 * from the cache otherwise.
 */
static __always_inline struct cwd_entry *task_cwd(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;

	if (!fs)
		return NULL;
	return cached_dir(&cwds, fs->pwd.dentry, fs->pwd.mnt);
}

/* kfunc (6.2+): a read-only typed view of a kernel pointer, so fields load
 * as plain loads the JIT makes fault-safe (no helper call per field). */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

/* The current task's open file fd, or NULL. */
static __always_inline struct file *fd_file(__s64 fd)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (!files || fd < 0)
		return NULL;
	fdt = files->fdt;
	if ((__u64)fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]);
	return f ? bpf_rdonly_cast(f, bpf_core_type_id_kernel(struct file)) : NULL;
}

/* Directory paths of dirfds, per thread: find and rm -r open thousands of
 * entries relative to one directory fd. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct cwd_entry);
} dirfds SEC(".maps");

/* The directory a relative path starts from: the cwd for AT_FDCWD, else
 * the directory open as dfd (its name resolved by the kernel). */
static __always_inline struct cwd_entry *base_dir(__s64 dfd)
{
	struct file *f;

	if ((__s32)dfd == AT_FDCWD)
		return task_cwd();
	f = fd_file((__s32)dfd);
	if (!f)
		return NULL;
	return cached_dir(&dirfds, f->f_path.dentry, f->f_path.mnt);
}

/*
 * dst = cwd "/" rel (a leading "./" dropped), NUL-terminated within mask + 1
 * bytes; dst must have 2 * (mask + 1) bytes of room, since rel is copied at
 * a variable offset with the full bound.
 */
static __always_inline void join_cwd(char *dst, __u32 mask, const struct cwd_entry *c,
				     const char *rel)
{
	__u32 n = c->len;
	char two[2] = {};

	if (n > mask)
		n = mask;
	/* keep the mask: inlined into larger callers, clang would drop it */
	barrier_var(n);
	bpf_probe_read_kernel(dst, n & mask, c->path);
	if (n != 1 || c->path[0] != '/')
		dst[n++ & mask] = '/';
	if (n > mask) {
		dst[mask] = 0;
		return;
	}
	if (bpf_probe_read_user(two, sizeof(two), rel) == 0 && two[0] == '.' && two[1] == '/')
		rel += 2;
	barrier_var(n);
	bpf_probe_read_user_str(&dst[n & mask], mask + 1, rel);
	dst[mask] = 0;
}

#endif
