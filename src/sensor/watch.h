/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch.h - the watched inodes behind the eBPF sensor's open matching
 * (bpf/path.bpf.h): every path under the rules' prefixes, stat'ed in each
 * root the defender knows (the host's, and each container's through
 * /proc/PID/root), goes into the kernel's maps as (dev, inode) for the
 * file and (directory inode, name prefix) for its directory entry.
 *
 * Paths are resolved inside each root (openat2 RESOLVE_IN_ROOT), so a
 * container's absolute symlinks do not lead to the host's files. Every
 * watched directory has an inotify watch: a file created, renamed or
 * removed there makes its root be scanned again at the next pump. All
 * memory is allocated at open; nothing per event.
 */
#ifndef MOAT_SENSOR_WATCH_H
#define MOAT_SENSOR_WATCH_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct path_watch;

/* The kernel maps (fds), see bpf/path.bpf.h. */
struct path_watch_maps {
	int inodes;     /* watch_inodes: moat_ev_inode_key -> moat_ev_watch */
	int dentries;   /* watch_dentries: moat_ev_dentry_key -> moat_ev_watch */
	int roots;      /* watch_roots: moat_ev_inode_key -> __u32 */
};

/* Roots (the host's and containers') and entries per root. */
#define PATH_WATCH_ROOTS 64
#define PATH_WATCH_PER_ROOT 256

int path_watch_open(const struct path_watch_maps *maps, struct path_watch **ret);
void path_watch_close(struct path_watch *w);

/* Watch what these prefixes name (a copy is kept) in every root: each root
 * is scanned again. n <= MOAT_EV_WATCH_PREFIX_MAX. */
int path_watch_prefixes(struct path_watch *w, const struct moat_ev_prefix *p, size_t n);

/* Scan the root of process pid (0: the host's "/") as root mnt_ns; again if
 * known. -ENOENT if the process is gone, -ENOSPC past PATH_WATCH_ROOTS. */
int path_watch_add_root(struct path_watch *w, uint32_t mnt_ns, int pid);
/* Forget root mnt_ns and its entries (its container is gone). */
void path_watch_drop_root(struct path_watch *w, uint32_t mnt_ns);

/* Read the inotify queue without blocking and scan again every root that
 * changed. */
void path_watch_pump(struct path_watch *w);

/* The path (inside its root) of watched file id (moat_ev_file.watch) if it
 * is still inode (dev, ino), else NULL: ids are reused when a root is
 * scanned again. */
const char *path_watch_name(const struct path_watch *w, uint32_t id, uint32_t dev, uint64_t ino);

/* Entries in the kernel's maps now, over all roots (for tests and stats). */
size_t path_watch_count(const struct path_watch *w);

#endif
