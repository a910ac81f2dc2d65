/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - attribution of processes to containers, cached per mount
 * namespace (every container has its own; host processes share the host's).
 * Describing them is container-engine.c's part.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "base/file.h"
#include "base/hmap.h"
#include "base/slice.h"
#include "base/time.h"
#include "container-int.h"
#include "container.h"
#include "moat/error.h"
#include "runtime/docker.h"

/* /proc/PID/cgroup: ~15 lines of < 200 bytes on cgroup v1. */
#define CGROUP_FILE_MAX 8192

static bool is_hex64(struct moat_slice s)
{
	if (s.len != MOAT_CONTAINER_ID_LEN)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		uint8_t c = s.ptr[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static struct moat_slice strip_runtime(struct moat_slice seg)
{
	static const char *const prefixes[] = { "docker-", "cri-containerd-", "crio-", "libpod-",
						"containerd-" };

	if (moat_slice_endswith(seg, ".scope"))
		seg.len -= strlen(".scope");
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		if (moat_slice_startswith(seg, prefixes[i])) {
			seg.ptr += strlen(prefixes[i]);
			seg.len -= strlen(prefixes[i]);
			break;
		}
	}
	return seg;
}

bool moat_container_id_from_cgroup(const char *text, size_t len,
				   char out[MOAT_CONTAINER_ID_LEN + 1])
{
	struct moat_slice in = moat_slice_make(text, len);
	struct moat_slice line;
	bool found = false;

	while (moat_slice_line(&in, &line)) {
		struct moat_slice path;
		struct moat_slice seg;
		long colon;

		/* "hierarchy-ID:controllers:path" */
		colon = moat_slice_find(line, ':');
		if (colon < 0)
			continue;
		path = moat_slice_make(line.ptr + colon + 1, line.len - (size_t)colon - 1);
		colon = moat_slice_find(path, ':');
		if (colon < 0)
			continue;
		path = moat_slice_make(path.ptr + colon + 1, path.len - (size_t)colon - 1);
		while (moat_slice_split(&path, '/', &seg)) {
			seg = strip_runtime(seg);
			if (is_hex64(seg)) {
				memcpy(out, seg.ptr, MOAT_CONTAINER_ID_LEN);
				out[MOAT_CONTAINER_ID_LEN] = 0;
				found = true;
			}
		}
	}
	return found;
}

bool moat_container_parse_time(const char *s, uint64_t *ret_sec)
{
	int64_t us;

	/* engines say 0001-01-01T00:00:00Z for "never" */
	if (!s || moat_time_parse(s, &us) < 0 || us < 0)
		return false;
	*ret_sec = (uint64_t)(us / 1000000);
	return true;
}

static uint32_t ns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (uint32_t)st.st_ino : 0;
}

int moat_containers_open(const char *docker_sock, struct moat_containers **ret,
			 struct moat_error *err)
{
	struct moat_containers *cs = calloc(1, sizeof(*cs));

	if (!cs)
		return moat_error_set(err, -ENOMEM, "containers: out of memory");
	moat_hmap_init(&cs->by_ns);
	cs->sock_default = !docker_sock;
	if (docker_sock)
		snprintf(cs->sock, sizeof(cs->sock), "%s", docker_sock);
	/* pid 1's namespace is the host's even if moat itself runs in a container with
	 * hostPID; where pid 1 cannot be looked at (a microVM's init), ours is */
	cs->host_mnt_ns = ns_inode("/proc/1/ns/mnt");
	if (!cs->host_mnt_ns)
		cs->host_mnt_ns = ns_inode("/proc/self/ns/mnt");
	*ret = cs;
	return 0;
}

void moat_containers_close(struct moat_containers *cs)
{
	if (!cs)
		return;
	for (unsigned i = 0; i < cs->n; i++)
		free(cs->entries[i]);
	moat_hmap_release(&cs->by_ns);
	moat_docker_events_close(cs->events);
	moat_docker_close(cs->docker);
	free(cs);
}

static bool pid_container_id(uint32_t pid, char id[MOAT_CONTAINER_ID_LEN + 1], bool *ret_gone)
{
	char path[64];
	char buf[CGROUP_FILE_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
	n = moat_read_small_file(path, buf, sizeof(buf));
	if (n < 0) {
		*ret_gone = true;
		return false;
	}
	*ret_gone = false;
	return moat_container_id_from_cgroup(buf, (size_t)n, id);
}

/* Find the cgroup v2 directory whose inode is id (a cgroup id is its
 * directory's kernfs inode), depth-first, bounded. Writes its path below
 * the mount into out. */
static bool find_cgroup(const char *dir, size_t root_len, uint64_t id, unsigned depth,
			unsigned *budget, char *out, size_t cap)
{
	DIR *d;
	struct dirent *de;
	bool found = false;

	if (depth > 8 || *budget == 0)
		return false;
	d = opendir(dir);
	if (!d)
		return false;
	while (!found && (de = readdir(d)) && *budget > 0) {
		char sub[PATH_MAX];

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		(*budget)--;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= sizeof(sub))
			continue;
		if (de->d_ino == id) {
			snprintf(out, cap, "0::%s\n", sub + root_len);
			found = true;
		} else {
			found = find_cgroup(sub, root_len, id, depth + 1, budget, out, cap);
		}
	}
	closedir(d);
	return found;
}

/* Where the cgroup v2 hierarchy is mounted (hybrid hosts: unified/), or NULL. */
static const char *cgroup2_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };

	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct statfs sfs;

		/* v1 hierarchies number their directories too: only cgroup2 ids mean anything */
		if (statfs(roots[i], &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
			return roots[i];
	}
	return NULL;
}

/* Container of a cgroup v2 id, for processes that exited before we looked. */
static bool cgroup_container_id(uint64_t cgroup_id, char id[MOAT_CONTAINER_ID_LEN + 1])
{
	const char *root = cgroup2_root();
	char line[PATH_MAX + 8];
	unsigned budget = 20000;        /* directories visited at most */

	if (!cgroup_id || !root ||
	    !find_cgroup(root, strlen(root), cgroup_id, 0, &budget, line, sizeof(line)))
		return false;
	return moat_container_id_from_cgroup(line, strlen(line), id);
}

uint64_t containers_pid_cgroup_id(uint32_t pid)
{
	const char *root = cgroup2_root();
	char text[CGROUP_FILE_MAX];
	char dir[PATH_MAX];
	struct moat_slice in;
	struct moat_slice line;
	struct stat st;
	ssize_t n;

	snprintf(dir, sizeof(dir), "/proc/%u/cgroup", pid);
	n = root ? moat_read_small_file(dir, text, sizeof(text)) : -1;
	if (n < 0)
		return 0;
	in = moat_slice_make(text, (size_t)n);
	while (moat_slice_line(&in, &line)) {
		/* "0::/path" is the v2 line; the path is below the mount */
		if (!moat_slice_startswith(line, "0::/"))
			continue;
		if ((size_t)snprintf(dir, sizeof(dir), "%s%.*s", root, (int)(line.len - 3),
				     (const char *)line.ptr + 3) >= sizeof(dir) ||
		    stat(dir, &st) < 0)
			return 0;
		return (uint64_t)st.st_ino;
	}
	return 0;
}

uint32_t containers_pid_mnt_ns(uint32_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/ns/mnt", pid);
	return ns_inode(path);
}

/* Map c under its key. The key bytes live in c, so a slot someone else's
 * key bytes (the host sentinel's, a replaced entry's) held is cleared first. */
static void map_entry(struct moat_containers *cs, struct moat_container *c)
{
	moat_hmap_del(&cs->by_ns, (const char *)&c->key, sizeof(c->key));
	moat_hmap_put(&cs->by_ns, (const char *)&c->key, sizeof(c->key), c);
}

static void remember(struct moat_containers *cs, struct moat_container *c)
{
	/* the entry is owned by entries[] even if the map could not take it */
	cs->entries[cs->n++] = c;
	map_entry(cs, c);
}

void containers_evict(struct moat_containers *cs, struct moat_container *c)
{
	if (moat_hmap_get(&cs->by_ns, (const char *)&c->key, sizeof(c->key)) == c)
		moat_hmap_del(&cs->by_ns, (const char *)&c->key, sizeof(c->key));
	for (unsigned i = 0; i < cs->n; i++) {
		if (cs->entries[i] == c) {
			cs->entries[i] = cs->entries[--cs->n];
			cs->entries[cs->n] = NULL;
			break;
		}
	}
	cs->evicted++;
	free(c);
}

static void mark_host(struct moat_containers *cs, const struct moat_container_key *key)
{
	if (cs->n_host >= HOST_NS_MAX)
		return;
	cs->host_keys[cs->n_host] = *key;
	if (moat_hmap_put(&cs->by_ns, (const char *)&cs->host_keys[cs->n_host], sizeof(*key),
			  &cs->host) == 0)
		cs->n_host++;
}

/* A cgroup directory name that is a container ID, with or without runtime decoration. */
static bool id_from_segment(const char *name, char id[MOAT_CONTAINER_ID_LEN + 1])
{
	struct moat_slice seg;

	if (!name)
		return false;
	seg = strip_runtime(moat_slice_str(name));
	if (!is_hex64(seg))
		return false;
	memcpy(id, seg.ptr, MOAT_CONTAINER_ID_LEN);
	id[MOAT_CONTAINER_ID_LEN] = 0;
	return true;
}

/* The container ID of pid (or of its parent when pid is gone and shared
 * mnt_ns, or of its cgroup v2 id). *ret_gone: nothing alive answered. */
static bool find_id(uint32_t mnt_ns, uint64_t cgroup_id, const char *cgroup_name, uint32_t pid,
		    uint32_t ppid, char id[MOAT_CONTAINER_ID_LEN + 1], bool *ret_gone)
{
	bool gone = false;
	bool found = id_from_segment(cgroup_name, id);

	if (!found)
		found = pid_container_id(pid, id, &gone);
	/* the parent answers for a vanished child only if it shares its namespace */
	if (!found && gone && ppid && containers_pid_mnt_ns(ppid) == mnt_ns)
		found = pid_container_id(ppid, id, &gone);
	if (!found && gone && cgroup_container_id(cgroup_id, id)) {
		found = true;
		gone = false;
	}
	*ret_gone = gone;
	return found;
}

/* A container running in a new namespace or cgroup: entries of its earlier
 * runs (their init is gone) describe nothing alive any more. */
static void drop_past_runs(struct moat_containers *cs, const struct moat_container *c)
{
	for (unsigned i = cs->n; i-- > 0;) {
		struct moat_container *e = cs->entries[i];

		if (e != c && !e->running && !strcmp(e->id, c->id))
			containers_evict(cs, e);
	}
}

/*
 * The cached container of an exec, seen stopped (its init exited, or the
 * engine said it died): a restart that kept the namespace number. Describe
 * it again; a new start time is news for the sensor.
 */
static void recheck_stopped(struct moat_containers *cs, struct moat_container *c, bool *ret_new)
{
	uint64_t old_start = c->start_sec;

	containers_describe(cs, c);
	if (ret_new && c->running && c->start_sec != old_start)
		*ret_new = true;
}

const struct moat_container *moat_containers_lookup(struct moat_containers *cs, uint32_t mnt_ns,
						    uint64_t cgroup_id, const char *cgroup_name,
						    uint32_t pid, uint32_t ppid, bool recheck,
						    bool *ret_new)
{
	struct moat_container_key key = { .cgroup_id = cgroup_id };
	struct moat_container *c;
	char id[MOAT_CONTAINER_ID_LEN + 1];
	bool gone = false;

	if (ret_new)
		*ret_new = false;
	if (!mnt_ns)
		mnt_ns = containers_pid_mnt_ns(pid);
	if (!mnt_ns || mnt_ns == cs->host_mnt_ns)
		return NULL;
	key.mnt_ns = mnt_ns;
	c = moat_hmap_get(&cs->by_ns, (const char *)&key, sizeof(key));
	if (c && !recheck)
		return c == &cs->host ? NULL : c;
	if (!find_id(mnt_ns, cgroup_id, cgroup_name, pid, ppid, id, &gone)) {
		/* only a live process proves "not a container"; a vanished one proves nothing */
		if (gone)
			return c == &cs->host ? NULL : c;
		if (c != &cs->host)
			mark_host(cs, &key);
		return NULL;
	}
	if (c && c != &cs->host && !strcmp(c->id, id)) {
		if (c->described && !c->running)
			recheck_stopped(cs, c, ret_new);
		return c;
	}
	/* namespace inodes are reused: the cached container is a dead one */
	if (c && c != &cs->host)
		containers_evict(cs, c);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->id, id, sizeof(c->id));
	c->mnt_ns = mnt_ns;
	c->key = key;
	containers_describe(cs, c);
	if (cs->n >= CONTAINERS_MAX) {
		/* table full: answer from a per-call slot rather than grow without bound */
		cs->overflow = *c;
		free(c);
		return &cs->overflow;
	}
	remember(cs, c);
	drop_past_runs(cs, c);
	if (ret_new)
		*ret_new = true;
	return c;
}

#define DISCOVER_NS_MAX 4096u

static bool is_pid_name(const char *s)
{
	return s[0] && strspn(s, "0123456789") == strlen(s) && strlen(s) < 11;
}

unsigned moat_containers_discover(struct moat_containers *cs,
				  void (*on_new)(void *ctx, const struct moat_container *c),
				  void *ctx)
{
	/* init's namespace, or ours where init's cannot be read (a sandbox) */
	uint32_t host_ns = containers_pid_mnt_ns(1) ?: containers_pid_mnt_ns((uint32_t)getpid());
	uint32_t *seen = calloc(DISCOVER_NS_MAX, sizeof(*seen));
	DIR *proc = opendir("/proc");
	unsigned n_seen = 0, found = 0;
	struct dirent *de;

	while (seen && proc && (de = readdir(proc)) && n_seen < DISCOVER_NS_MAX) {
		uint32_t pid = is_pid_name(de->d_name) ? (uint32_t)strtoul(de->d_name, NULL, 10) : 0;
		uint32_t ns = pid ? containers_pid_mnt_ns(pid) : 0;
		const struct moat_container *c;
		bool fresh = false, dup = false;

		if (!ns || ns == host_ns)
			continue;
		for (unsigned i = 0; i < n_seen && !dup; i++)
			dup = seen[i] == ns;
		if (dup)
			continue;
		seen[n_seen++] = ns;
		c = moat_containers_lookup(cs, ns, containers_pid_cgroup_id(pid), NULL, pid, 0,
					   false, &fresh);
		found += c != NULL;
		if (c && fresh && on_new)
			on_new(ctx, c);
	}
	if (proc)
		closedir(proc);
	free(seen);
	return found;
}

uint32_t moat_containers_init_exited(struct moat_containers *cs, uint32_t pid)
{
	for (unsigned i = 0; pid && i < cs->n; i++) {
		struct moat_container *c = cs->entries[i];
		uint32_t ns = c->mnt_ns;

		if (c->init_pid <= 0 || (uint32_t)c->init_pid != pid)
			continue;
		c->init_pid = 0;
		c->running = false;
		/* no engine event will say a bundle-only container is destroyed */
		if (c->source != MOAT_CONTAINER_SRC_DOCKER)
			containers_evict(cs, c);
		return ns;
	}
	return 0;
}

const struct moat_container *moat_containers_at(const struct moat_containers *cs, size_t i)
{
	return i < cs->n ? cs->entries[i] : NULL;
}

size_t moat_containers_count(const struct moat_containers *cs)
{
	return cs->n;
}

uint64_t moat_containers_evicted(const struct moat_containers *cs)
{
	return cs->evicted;
}
