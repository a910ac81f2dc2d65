/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.c - fill the kernel's watched-inode maps from the rules' path
 * prefixes, per root; keep them right as files come and go (inotify) and
 * as containers start and stop. See watch.h and bpf/path.bpf.h.
 *
 * A prefix "/etc/cron" is its directory "/etc/" and a name prefix "cron":
 * the directory's inode goes in as a watched directory with the entry
 * (dir inode, "cron") in the dentry trie, and the entries already there
 * whose names start with "cron" are stat'ed: files by inode (so a hard
 * link to one is still the file), directories (cron.d) as watched
 * directories with every entry, two levels deep. A directory that does not
 * exist yet is watched through its nearest existing ancestor.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "watch.h"

#define DEPTH 2                 /* directory levels below a prefix's own directory */
#define WDS_PER_ROOT 24         /* inotify watches per root */
#define DENTS_BUF 8192
#define PER_DIR 48              /* entries taken from one directory (/usr/bin is large) */
#define WATCH_MASK (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | \
		    IN_MOVE_SELF | IN_ONLYDIR)

enum entry_kind { E_NONE = 0, E_FILE, E_DIR, E_DENTRY };

/* A full table keeps what the prefixes name most precisely: /etc/shadow
 * before every file of /etc, and both before a unit file two levels down. */
enum scan_pass {
	PASS_NAMED,     /* prefixes with a name part ("/etc/shadow", "/etc/cron"): their files */
	PASS_DIRS,      /* every prefix's directory ("/etc/pam.d/"), no files */
	PASS_DEEP,      /* the files of whole directories, and the directories below */
};

struct entry {
	uint8_t kind;                           /* enum entry_kind */
	uint16_t mode;                          /* enum moat_ev_prefix_mode */
	struct moat_ev_dentry_key k;            /* E_FILE, E_DIR: dev and ino only */
	char path[MOAT_EV_PATH_LEN];            /* inside the root */
};

struct root {
	bool used;
	bool dirty;
	uint32_t mnt_ns;
	int pid;                                /* 0: the host */
	struct moat_ev_inode_key key;           /* the root directory, in watch_roots */
	size_t n;                               /* entries in use */
	int wds[WDS_PER_ROOT];
	size_t n_wds;
};

struct path_watch {
	struct path_watch_maps maps;
	int inotify;
	struct moat_ev_prefix pre[MOAT_EV_WATCH_PREFIX_MAX];
	size_t n_pre;
	struct root roots[PATH_WATCH_ROOTS];
	struct entry *entries;                  /* PATH_WATCH_PER_ROOT per root */
	struct entry scan[PATH_WATCH_PER_ROOT]; /* a root's next set, while scanned */
	size_t n_scan;
	struct root *cur;                       /* the root being scanned */
	int pass;                               /* enum scan_pass */
	char dents[DEPTH + 1][DENTS_BUF] __attribute__((aligned(8)));  /* one per level */
	char events[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
};

static uint32_t kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

int path_watch_open(const struct path_watch_maps *maps, struct path_watch **ret)
{
	struct path_watch *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->entries = calloc((size_t)PATH_WATCH_ROOTS * PATH_WATCH_PER_ROOT, sizeof(*w->entries));
	w->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (!w->entries || w->inotify < 0) {
		int r = w->entries ? -errno : -ENOMEM;

		path_watch_close(w);
		return r;
	}
	w->maps = *maps;
	*ret = w;
	return 0;
}

void path_watch_close(struct path_watch *w)
{
	if (!w)
		return;
	if (w->inotify >= 0)
		close(w->inotify);
	free(w->entries);
	free(w);
}

static struct entry *root_entries(struct path_watch *w, const struct root *r)
{
	return &w->entries[(size_t)(r - w->roots) * PATH_WATCH_PER_ROOT];
}

/* --- scanning --------------------------------------------------------------- */

static struct entry *scan_add(struct path_watch *w, enum entry_kind kind, uint16_t mode,
			      const struct stat *st, const char *path)
{
	struct entry *e;

	for (size_t i = 0; i < w->n_scan; i++)
		if (w->scan[i].kind == kind && w->scan[i].k.ino == st->st_ino &&
		    w->scan[i].k.dev == kdev(st->st_dev) && kind != E_DENTRY) {
			w->scan[i].mode |= mode;        /* met again: by another prefix, or pass */
			return &w->scan[i];
		}
	if (w->n_scan >= PATH_WATCH_PER_ROOT)
		return NULL;
	e = &w->scan[w->n_scan++];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->mode = mode;
	e->k.dev = kdev(st->st_dev);
	e->k.ino = st->st_ino;
	snprintf(e->path, sizeof(e->path), "%s", path);
	return e;
}

static void watch_dir(struct path_watch *w, int dfd)
{
	struct root *r = w->cur;
	char proc[64];
	int wd;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dfd);
	wd = inotify_add_watch(w->inotify, proc, WATCH_MASK);
	if (wd < 0)
		return;
	for (size_t i = 0; i < r->n_wds; i++)
		if (r->wds[i] == wd)
			return;
	if (r->n_wds < WDS_PER_ROOT)
		r->wds[r->n_wds++] = wd;
}

static void scan_dir(struct path_watch *w, int dfd, const char *name, uint16_t mode,
		     const char *dpath, unsigned depth);

/* Entries of dfd (at dpath) whose names start with name: files by inode,
 * directories scanned one level down. */
static void scan_entries(struct path_watch *w, int dfd, const char *name, uint16_t mode,
			 const char *dpath, unsigned depth)
{
	int lfd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *buf = w->dents[depth];
	size_t nlen = strlen(name);
	char path[MOAT_EV_PATH_LEN];
	size_t start = w->n_scan;
	ssize_t got;

	if (lfd < 0)
		return;
	while ((got = getdents64(lfd, buf, DENTS_BUF)) > 0 && w->n_scan < PATH_WATCH_PER_ROOT &&
	       w->n_scan - start < PER_DIR) {
		for (ssize_t off = 0; off < got && w->n_scan - start < PER_DIR;) {
			struct dirent64 *de = (struct dirent64 *)(void *)(buf + off);
			struct stat st;

			off += de->d_reclen;
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
			    strncmp(de->d_name, name, nlen) != 0 ||
			    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			/* room for the "/" a directory gets */
			if ((size_t)snprintf(path, sizeof(path), "%s%s", dpath, de->d_name) >=
			    sizeof(path) - 1)
				continue;
			if (S_ISREG(st.st_mode)) {
				scan_add(w, E_FILE, mode, &st, path);
			} else if (S_ISDIR(st.st_mode) && w->pass == PASS_DEEP) {
				int sub = openat(dfd, de->d_name,
						 O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

				if (sub < 0)
					continue;
				memcpy(path + strlen(path), "/", 2);
				scan_dir(w, sub, "", mode, path, depth + 1);
				close(sub);
			}
		}
	}
	close(lfd);
}

/* Directory dfd (at dpath): watched, its entries starting with name in the
 * dentry trie, those that exist stat'ed while depth allows. */
static void scan_dir(struct path_watch *w, int dfd, const char *name, uint16_t mode,
		     const char *dpath, unsigned depth)
{
	struct stat st;
	struct entry *e;
	size_t nlen = strlen(name);

	if (fstat(dfd, &st) < 0 || !S_ISDIR(st.st_mode) || nlen >= MOAT_EV_NAME_LEN)
		return;
	if (!scan_add(w, E_DIR, mode, &st, dpath))
		return;
	for (size_t i = 0; i < w->n_scan; i++)
		if (w->scan[i].kind == E_DENTRY && w->scan[i].k.ino == st.st_ino &&
		    w->scan[i].k.dev == kdev(st.st_dev) && !strcmp(w->scan[i].k.name, name)) {
			w->scan[i].mode |= mode;
			goto entries;
		}
	e = scan_add(w, E_DENTRY, mode, &st, dpath);
	if (!e)
		return;
	memcpy(e->k.name, name, nlen);
	e->k.bits = (uint32_t)(12 + nlen) * 8;
entries:
	watch_dir(w, dfd);
	if (depth < DEPTH && (w->pass == PASS_DEEP || (w->pass == PASS_NAMED && name[0])))
		scan_entries(w, dfd, name, mode, dpath, depth);
}

static int open_in_root(int rootfd, const char *path, uint64_t flags)
{
	struct open_how how = {
		.flags = flags | O_PATH | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
}

/* One prefix in the root open as rootfd. A directory that is missing is
 * watched from its nearest existing ancestor, for its first component. */
static void scan_prefix(struct path_watch *w, int rootfd, const struct moat_ev_prefix *p)
{
	char dir[MOAT_EV_PREFIX_LEN + 1];
	char name[MOAT_EV_PREFIX_LEN + 1];
	char *slash;
	int dfd;

	memcpy(dir, p->p, p->len);
	dir[p->len] = 0;
	/* procfs and sysfs inodes are not stable names: the string test covers them */
	if (dir[0] != '/' || !strncmp(dir, "/proc/", 6) || !strncmp(dir, "/sys/", 5))
		return;
	slash = strrchr(dir, '/');
	snprintf(name, sizeof(name), "%s", slash + 1);
	slash[1] = 0;
	while ((dfd = open_in_root(rootfd, dir, O_DIRECTORY)) < 0 && errno == ENOENT &&
	       strlen(dir) > 1) {
		/* "/root/.aws/" missing: watch "/root/" for ".aws" */
		dir[strlen(dir) - 1] = 0;
		slash = strrchr(dir, '/');
		snprintf(name, sizeof(name), "%s", slash + 1);
		slash[1] = 0;
	}
	if (dfd < 0)
		return;
	if (w->pass != PASS_NAMED || name[0])
		scan_dir(w, dfd, name, (uint16_t)p->mode, dir, 0);
	close(dfd);
}

/* --- the kernel's maps ------------------------------------------------------ */

static struct moat_ev_inode_key ikey(const struct entry *e)
{
	struct moat_ev_inode_key k = { .ino = e->k.ino, .dev = e->k.dev };

	return k;
}

static bool same_key(const struct entry *a, const struct entry *b)
{
	if ((a->kind == E_DENTRY) != (b->kind == E_DENTRY))
		return false;
	return a->kind == E_DENTRY ? !memcmp(&a->k, &b->k, sizeof(a->k))
				   : a->k.dev == b->k.dev && a->k.ino == b->k.ino;
}

/* The value for e's key: modes and flags of every entry of the set with the
 * same key; the id of the first. */
static struct moat_ev_watch merged(const struct entry *set, size_t n, size_t i, uint32_t base)
{
	struct moat_ev_watch v = { 0 };

	for (size_t j = 0; j < n; j++) {
		if (!same_key(&set[j], &set[i]))
			continue;
		if (!v.id)
			v.id = base + (uint32_t)j + 1;
		v.mode |= set[j].mode;
		v.flags |= set[j].kind == E_FILE ? MOAT_WATCH_FILE
			   : set[j].kind == E_DIR ? MOAT_WATCH_DIR : 0;
	}
	return v;
}

static int put(struct path_watch *w, const struct entry *e, const struct moat_ev_watch *v)
{
	struct moat_ev_inode_key k = ikey(e);
	int r = e->kind == E_DENTRY ? bpf_map_update_elem(w->maps.dentries, &e->k, v, BPF_ANY)
				    : bpf_map_update_elem(w->maps.inodes, &k, v, BPF_ANY);

	return r < 0 ? -errno : 0;
}

/* Delete e's key unless the kernel's value now belongs to another root. */
static void del(struct path_watch *w, const struct entry *e, uint32_t base)
{
	struct moat_ev_inode_key k = ikey(e);
	struct moat_ev_watch v;
	int fd = e->kind == E_DENTRY ? w->maps.dentries : w->maps.inodes;
	const void *key = e->kind == E_DENTRY ? (const void *)&e->k : (const void *)&k;

	if (bpf_map_lookup_elem(fd, key, &v) == 0 &&
	    (v.id <= base || v.id > base + PATH_WATCH_PER_ROOT))
		return;
	bpf_map_delete_elem(fd, key);
}

/* The scan becomes root r's set: new keys in first, then stale ones out,
 * so nothing watched before and after is ever missing. */
static int commit(struct path_watch *w, struct root *r)
{
	struct entry *old = root_entries(w, r);
	uint32_t base = (uint32_t)(r - w->roots) * PATH_WATCH_PER_ROOT;
	int res = 0;

	for (size_t i = 0; i < w->n_scan; i++) {
		struct moat_ev_watch v = merged(w->scan, w->n_scan, i, base);
		int e = put(w, &w->scan[i], &v);

		if (e < 0)
			res = e;
	}
	for (size_t i = 0; i < r->n; i++) {
		bool kept = false;

		for (size_t j = 0; j < w->n_scan && !kept; j++)
			kept = same_key(&old[i], &w->scan[j]);
		if (!kept)
			del(w, &old[i], base);
	}
	memcpy(old, w->scan, w->n_scan * sizeof(*old));
	r->n = w->n_scan;
	return res;
}

static int scan_root(struct path_watch *w, struct root *r)
{
	char proc[64];
	struct stat st;
	int rootfd;
	int res;
	__u32 one = 1;

	snprintf(proc, sizeof(proc), "/proc/%d/root", r->pid);
	rootfd = open(r->pid ? proc : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	if (fstat(rootfd, &st) < 0) {
		res = -errno;
		close(rootfd);
		return res;
	}
	w->cur = r;
	r->dirty = false;
	w->n_scan = 0;
	for (w->pass = PASS_NAMED; w->pass <= PASS_DEEP; w->pass++)
		for (size_t i = 0; i < w->n_pre; i++)
			scan_prefix(w, rootfd, &w->pre[i]);
	close(rootfd);
	res = commit(w, r);
	/* listed last: until now the kernel matched this root by resolved path */
	r->key = (struct moat_ev_inode_key){ .ino = st.st_ino, .dev = kdev(st.st_dev) };
	if (bpf_map_update_elem(w->maps.roots, &r->key, &one, BPF_ANY) < 0 && res == 0)
		res = -errno;
	return res;
}

/* --- roots ------------------------------------------------------------------ */

static struct root *find_root(struct path_watch *w, uint32_t mnt_ns)
{
	for (size_t i = 0; i < PATH_WATCH_ROOTS; i++)
		if (w->roots[i].used && w->roots[i].mnt_ns == mnt_ns)
			return &w->roots[i];
	return NULL;
}

int path_watch_add_root(struct path_watch *w, uint32_t mnt_ns, int pid)
{
	struct root *r = find_root(w, mnt_ns);
	int res;

	for (size_t i = 0; !r && i < PATH_WATCH_ROOTS; i++)
		if (!w->roots[i].used) {
			r = &w->roots[i];
			memset(r, 0, sizeof(*r));
			r->used = true;
			r->mnt_ns = mnt_ns;
		}
	if (!r)
		return -ENOSPC;
	r->pid = pid;
	res = scan_root(w, r);
	if (res == -ENOENT || res == -ESRCH)
		path_watch_drop_root(w, mnt_ns);
	return res;
}

void path_watch_drop_root(struct path_watch *w, uint32_t mnt_ns)
{
	struct root *r = find_root(w, mnt_ns);

	if (!r)
		return;
	/* an empty scan drops every key */
	w->n_scan = 0;
	commit(w, r);
	if (r->key.dev || r->key.ino)
		bpf_map_delete_elem(w->maps.roots, &r->key);
	for (size_t i = 0; i < r->n_wds; i++)
		inotify_rm_watch(w->inotify, r->wds[i]);
	memset(r, 0, sizeof(*r));
}

int path_watch_prefixes(struct path_watch *w, const struct moat_ev_prefix *p, size_t n)
{
	int res = 0;

	if (n > MOAT_EV_WATCH_PREFIX_MAX)
		return -EINVAL;
	memcpy(w->pre, p, n * sizeof(*p));
	w->n_pre = n;
	for (size_t i = 0; i < PATH_WATCH_ROOTS; i++)
		if (w->roots[i].used) {
			int e = scan_root(w, &w->roots[i]);

			if (e < 0)
				res = e;
		}
	return res;
}

static void mark_dirty(struct path_watch *w, int wd)
{
	for (size_t i = 0; i < PATH_WATCH_ROOTS; i++)
		for (size_t k = 0; w->roots[i].used && k < w->roots[i].n_wds; k++)
			if (w->roots[i].wds[k] == wd || wd < 0)
				w->roots[i].dirty = true;
}

void path_watch_pump(struct path_watch *w)
{
	ssize_t got;

	while ((got = read(w->inotify, w->events, sizeof(w->events))) > 0) {
		for (ssize_t off = 0; off < got;) {
			const struct inotify_event *ev =
				(const struct inotify_event *)(void *)(w->events + off);

			off += (ssize_t)(sizeof(*ev) + ev->len);
			mark_dirty(w, (ev->mask & IN_Q_OVERFLOW) ? -1 : ev->wd);
		}
	}
	for (size_t i = 0; i < PATH_WATCH_ROOTS; i++) {
		struct root *r = &w->roots[i];

		if (r->used && r->dirty && scan_root(w, r) < 0 && r->pid)
			path_watch_drop_root(w, r->mnt_ns);     /* its process is gone */
	}
}

const char *path_watch_name(const struct path_watch *w, uint32_t id, uint32_t dev, uint64_t ino)
{
	const struct entry *e;

	if (id == 0 || id > (uint32_t)PATH_WATCH_ROOTS * PATH_WATCH_PER_ROOT)
		return NULL;
	e = &w->entries[id - 1];
	if (e->kind == E_FILE && e->k.dev == dev && e->k.ino == ino)
		return e->path;
	/* scanned again since the record was made: the id moved, the inode did not */
	for (size_t i = 0; i < (size_t)PATH_WATCH_ROOTS * PATH_WATCH_PER_ROOT; i++) {
		e = &w->entries[i];
		if (w->roots[i / PATH_WATCH_PER_ROOT].used && i % PATH_WATCH_PER_ROOT <
		    w->roots[i / PATH_WATCH_PER_ROOT].n && e->kind == E_FILE && e->k.dev == dev &&
		    e->k.ino == ino)
			return e->path;
	}
	return NULL;
}

size_t path_watch_count(const struct path_watch *w)
{
	size_t n = 0;

	for (size_t i = 0; i < PATH_WATCH_ROOTS; i++)
		n += w->roots[i].used ? w->roots[i].n : 0;
	return n;
}
