/* SPDX-License-Identifier: GPL-2.0 OR Apache-2.0 */
/*
 * cwd.bpf.h - the working directory of the current thread, for sensor.bpf.c
 * (included once, after its maps and scratch_slot()): exec records carry
 * it, and paths relative to it are joined to it before the prefix filter.
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

/*
 * The current task's working directory, as it sees it: walked from its
 * dentry up to its root (crossing mounts) on the first call after a chdir,
 * from the cache otherwise. Past CWD_DEPTH steps or MOAT_EV_PATH_LEN bytes
 * the leading part is dropped and trunc set.
 */
static __always_inline struct cwd_entry *task_cwd(void)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct fs_struct *fs = task->fs;
	struct cwd_scratch *s = scratch_slot(2);
	struct cwd_walk w = { .pos = MOAT_EV_PATH_LEN - 1 };
	struct cwd_entry *c;
	__u32 len;

	if (!fs || !s)
		return NULL;
	w.d = fs->pwd.dentry;
	w.vm = fs->pwd.mnt;
	c = bpf_task_storage_get(&cwds, task, NULL, 0);
	if (c && c->dentry == (__u64)w.d && c->mnt == (__u64)w.vm)
		return c;
	c = bpf_task_storage_get(&cwds, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!c)
		return NULL;
	w.root_d = fs->root.dentry;
	w.root_m = fs->root.mnt;
	w.mnt = container_of(w.vm, struct mount, mnt);
	c->dentry = (__u64)w.d;
	c->mnt = (__u64)w.vm;
	s->buf[MOAT_EV_PATH_LEN - 1] = 0;
	bpf_loop(CWD_DEPTH, cwd_step, &w, 0);
	c->trunc = !w.done;
	if (w.pos == MOAT_EV_PATH_LEN - 1) {
		w.pos -= 1;
		s->buf[w.pos & PATH_MASK] = '/';        /* the root itself */
	}
	/* pos >= 1 (see the room test), so the length fits the mask unchanged */
	len = MOAT_EV_PATH_LEN - w.pos;
	bpf_probe_read_kernel(c->path, len & PATH_MASK, &s->buf[w.pos & PATH_MASK]);
	c->len = len - 1;
	return c;
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
	bpf_probe_read_kernel(dst, n & mask, c->path);
	if (n != 1 || c->path[0] != '/')
		dst[n++ & mask] = '/';
	if (n > mask) {
		dst[mask] = 0;
		return;
	}
	if (bpf_probe_read_user(two, sizeof(two), rel) == 0 && two[0] == '.' && two[1] == '/')
		rel += 2;
	bpf_probe_read_user_str(&dst[n & mask], mask + 1, rel);
	dst[mask] = 0;
}

#endif
