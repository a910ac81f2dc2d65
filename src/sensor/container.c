/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.c - attribution of processes to containers, cached per mount
 * namespace (every container has its own; host processes share the host's).
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
#include "base/json.h"
#include "base/slice.h"
#include "container.h"
#include "moat/error.h"
#include "runtime/docker.h"

/* Distinct mount namespaces remembered; past this, lookups still work but are not cached. */
#define CONTAINERS_MAX 4096
/* /proc/PID/cgroup: ~15 lines of < 200 bytes on cgroup v1. */
#define CGROUP_FILE_MAX 8192
/* Non-host mount namespaces outside containers (systemd PrivateTmp services, unshare). */
#define HOST_NS_MAX 1024

struct moat_containers {
	struct moat_docker *docker;           /* NULL when no engine answered */
	char sock[108];
	bool sock_default;
	uint32_t host_mnt_ns;
	struct moat_hmap by_ns;               /* mnt_ns (4 bytes) -> struct moat_container */
	struct moat_container *entries[CONTAINERS_MAX];
	unsigned n;
	struct moat_container host;           /* sentinel for namespaces known to be host */
	struct moat_container overflow;       /* answer when the table is full */
	struct moat_container_key host_keys[HOST_NS_MAX]; /* keys of the sentinel's entries */
	unsigned n_host;
};

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

static bool digits(const char *s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

bool moat_container_parse_time(const char *s, uint64_t *ret_sec)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec;
	const char *p;
	time_t t;
	int off = 0;

	if (!s || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return false;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &sec))
		return false;
	p = s + 19;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == '+' || *p == '-') {
		int oh, om;

		if (strlen(p) != 6 || p[3] != ':' || !digits(p + 1, 2, &oh) || !digits(p + 4, 2, &om))
			return false;
		off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
	} else if (strcmp(p, "Z") != 0) {
		return false;
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t < 0)
		return false;
	*ret_sec = (uint64_t)((int64_t)t - off);
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
	/* pid 1's namespace is the host's even if moat itself runs in a container with hostPID */
	cs->host_mnt_ns = ns_inode("/proc/1/ns/mnt");
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

/* Container of a cgroup v2 id, for processes that exited before we looked. */
static bool cgroup_container_id(uint64_t cgroup_id, char id[MOAT_CONTAINER_ID_LEN + 1])
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	char line[PATH_MAX + 8];
	unsigned budget = 20000;        /* directories visited at most */

	if (!cgroup_id)
		return false;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		struct statfs sfs;

		/* v1 hierarchies number their directories too: only cgroup2 ids mean anything */
		if (statfs(roots[i], &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC)
			continue;
		if (!find_cgroup(roots[i], strlen(roots[i]), cgroup_id, 0, &budget, line,
				 sizeof(line)))
			return false;
		return moat_container_id_from_cgroup(line, strlen(line), id);
	}
	return false;
}

static uint32_t pid_mnt_ns(uint32_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/ns/mnt", pid);
	return ns_inode(path);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* Fill name, image, labels and start time from the engine; connect lazily. */
static void describe(struct moat_containers *cs, struct moat_container *c)
{
	struct moat_error err = { 0 };
	json_t *j = NULL;
	json_t *cfg;
	json_t *state;
	json_t *labels;
	const char *name;

	if (!cs->docker &&
	    moat_docker_open(cs->sock_default ? NULL : cs->sock, &cs->docker, &err) < 0)
		return;
	if (moat_docker_container_inspect(cs->docker, c->id, &j, &err) < 0) {
		/* a broken connection is re-opened on the next miss */
		if (err.code != MOAT_E_NOTFOUND) {
			moat_docker_close(cs->docker);
			cs->docker = NULL;
		}
		return;
	}
	name = moat_json_str(j, "Name");
	copy_str(c->name, sizeof(c->name), name && name[0] == '/' ? name + 1 : name);
	copy_str(c->image_id, sizeof(c->image_id), moat_json_str(j, "Image"));
	cfg = json_object_get(j, "Config");
	copy_str(c->image, sizeof(c->image), moat_json_str(cfg, "Image"));
	labels = json_object_get(cfg, "Labels");
	copy_str(c->pod, sizeof(c->pod), moat_json_str(labels, "io.kubernetes.pod.name"));
	copy_str(c->k8s_ns, sizeof(c->k8s_ns), moat_json_str(labels, "io.kubernetes.pod.namespace"));
	state = json_object_get(j, "State");
	moat_container_parse_time(moat_json_str(state, "StartedAt"), &c->start_sec);
	c->init_pid = (int)moat_json_int(state, "Pid", 0);
	c->described = true;
	json_decref(j);
}

static void remember(struct moat_containers *cs, struct moat_container *c)
{
	/* the entry is owned by entries[] even if the map could not take it */
	cs->entries[cs->n++] = c;
	moat_hmap_put(&cs->by_ns, (const char *)&c->key, sizeof(c->key), c);
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

const struct moat_container *moat_containers_lookup(struct moat_containers *cs, uint32_t mnt_ns,
						    uint64_t cgroup_id, const char *cgroup_name,
						    uint32_t pid, uint32_t ppid, bool recheck,
						    bool *ret_new)
{
	struct moat_container_key key = { .cgroup_id = cgroup_id };
	struct moat_container *c;
	char id[MOAT_CONTAINER_ID_LEN + 1];
	bool gone = false;
	bool found;

	if (ret_new)
		*ret_new = false;
	if (!mnt_ns)
		mnt_ns = pid_mnt_ns(pid);
	if (!mnt_ns || mnt_ns == cs->host_mnt_ns)
		return NULL;
	key.mnt_ns = mnt_ns;
	c = moat_hmap_get(&cs->by_ns, (const char *)&key, sizeof(key));
	if (c && !recheck)
		return c == &cs->host ? NULL : c;
	found = id_from_segment(cgroup_name, id);
	if (!found)
		found = pid_container_id(pid, id, &gone);
	/* the parent answers for a vanished child only if it shares its namespace */
	if (!found && gone && ppid && pid_mnt_ns(ppid) == mnt_ns)
		found = pid_container_id(ppid, id, &gone);
	if (!found && gone && cgroup_container_id(cgroup_id, id)) {
		found = true;
		gone = false;
	}
	if (!found) {
		/* only a live process proves "not a container"; a vanished one proves nothing */
		if (gone)
			return c == &cs->host ? NULL : c;
		if (c != &cs->host)
			mark_host(cs, &key);
		return NULL;
	}
	/* namespace inodes are reused: the cached container may be a dead one */
	if (c && c != &cs->host && !strcmp(c->id, id))
		return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	memcpy(c->id, id, sizeof(c->id));
	c->mnt_ns = mnt_ns;
	c->key = key;
	describe(cs, c);
	if (cs->n >= CONTAINERS_MAX) {
		/* table full: answer from a per-call slot rather than grow without bound */
		cs->overflow = *c;
		free(c);
		return &cs->overflow;
	}
	remember(cs, c);
	if (ret_new)
		*ret_new = true;
	return c;
}

int moat_containers_respond(struct moat_containers *cs, const char *id,
			    enum moat_container_response what, struct moat_error *err)
{
	int r;

	if (!cs->docker) {
		r = moat_docker_open(cs->sock_default ? NULL : cs->sock, &cs->docker, err);
		if (r < 0)
			return r;
	}
	switch (what) {
	case MOAT_CONTAINER_STOP:
		/* no grace period: the container is under attack */
		return moat_docker_container_stop(cs->docker, id, 0, err);
	case MOAT_CONTAINER_PAUSE:
		return moat_docker_container_pause(cs->docker, id, err);
	case MOAT_CONTAINER_ISOLATE:
		return moat_docker_container_isolate(cs->docker, id, NULL, err);
	}
	return moat_error_set(err, MOAT_E_USAGE, "container response %d unknown", (int)what);
}

uint32_t moat_containers_init_exited(struct moat_containers *cs, uint32_t pid)
{
	for (unsigned i = 0; pid && i < cs->n; i++) {
		struct moat_container *c = cs->entries[i];

		if (c && c->init_pid > 0 && (uint32_t)c->init_pid == pid) {
			c->init_pid = 0;
			return c->mnt_ns;
		}
	}
	return 0;
}
