/* SPDX-License-Identifier: Apache-2.0 */
/*
 * containerd.c - container metadata from containerd's task bundles.
 *
 * IDs come from cgroup paths, which a container's processes can influence
 * only within the runtime's rules, but they still become path segments
 * here: each is checked against containerd's own identifier rule first, so
 * nothing can climb out of a state root. Files are read through bounded
 * reads; the spec is parsed with the bounded JSON reader.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/slice.h"
#include "containerd.h"
#include "moat/error.h"

/* Where shims keep bundles: containerd's own state, Docker's private
 * containerd (namespace "moby"), k3s; the v1 runtime used the same layout. */
static const char *const default_roots[] = {
	"/run/containerd/io.containerd.runtime.v2.task",
	"/var/run/docker/containerd/daemon/io.containerd.runtime.v2.task",
	"/run/k3s/containerd/io.containerd.runtime.v2.task",
	"/run/containerd/io.containerd.runtime.v1.linux",
	"/var/run/docker/containerd/daemon/io.containerd.runtime.v1.linux",
	NULL,
};

/* "4242\n" at most: a pid file is a few digits. */
#define PID_FILE_MAX 32

bool moat_containerd_valid_id(const char *id)
{
	size_t len = id ? strlen(id) : 0;

	if (len == 0 || len > MOAT_CONTAINERD_ID_MAX || id[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = id[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return false;
	}
	return true;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* The first of two annotation names that is present. */
static const char *either(const json_t *ann, const char *a, const char *b)
{
	return moat_json_str(ann, a) ? moat_json_str(ann, a) : moat_json_str(ann, b);
}

int moat_containerd_parse_config(const uint8_t *data, size_t len,
				 struct moat_containerd_meta *meta, struct moat_error *err)
{
	json_t *j = NULL;
	json_t *ann;
	int r = moat_json_parse(data, len, MOAT_CONTAINERD_CONFIG_MAX, "config.json", &j, err);

	if (r < 0)
		return r;
	ann = json_object_get(j, "annotations");
	if (!json_is_object(j) || (ann && !json_is_object(ann))) {
		json_decref(j);
		return moat_error_set(err, MOAT_E_FORMAT,
				      "config.json: not an object, or annotations not an object");
	}
	/* CRI (containerd) names first, then the CRI-O / dockershim label names */
	copy_str(meta->name, sizeof(meta->name),
		 either(ann, "io.kubernetes.cri.container-name", "io.kubernetes.container.name"));
	copy_str(meta->image, sizeof(meta->image),
		 either(ann, "io.kubernetes.cri.image-name", "io.kubernetes.container.image"));
	copy_str(meta->pod, sizeof(meta->pod),
		 either(ann, "io.kubernetes.cri.sandbox-name", "io.kubernetes.pod.name"));
	copy_str(meta->k8s_ns, sizeof(meta->k8s_ns),
		 either(ann, "io.kubernetes.cri.sandbox-namespace", "io.kubernetes.pod.namespace"));
	json_decref(j);
	return 0;
}

/* init.pid: the pid, and its mtime as the start time (runc writes it at
 * create, just before the container's process runs its entrypoint). */
static void read_init(const char *dir, struct moat_containerd_meta *meta)
{
	char path[PATH_MAX];
	char text[PID_FILE_MAX];
	struct stat st;
	uint64_t pid;
	ssize_t n;

	if ((size_t)snprintf(path, sizeof(path), "%s/init.pid", dir) >= sizeof(path))
		return;
	n = moat_read_small_file(path, text, sizeof(text));
	if (n <= 0 || stat(path, &st) < 0)
		return;
	if (moat_slice_to_u64(moat_slice_trim(moat_slice_make(text, (size_t)n)), &pid) &&
	    pid > 0 && pid <= INT_MAX)
		meta->init_pid = (int)pid;
	if (st.st_mtime > 0)
		meta->start_sec = (uint64_t)st.st_mtime;
}

/* <root>/<ns>/<id>: read and parse its config.json. -ENOENT when absent. */
static int try_bundle(const char *root, const char *ns, const char *id, struct moat_buf *buf,
		      struct moat_containerd_meta *meta, struct moat_error *err)
{
	char dir[PATH_MAX];
	char path[PATH_MAX];
	int r;

	if ((size_t)snprintf(dir, sizeof(dir), "%s/%s/%s", root, ns, id) >= sizeof(dir) ||
	    (size_t)snprintf(path, sizeof(path), "%s/config.json", dir) >= sizeof(path))
		return -ENOENT;
	r = moat_read_file(path, MOAT_CONTAINERD_CONFIG_MAX, buf, err);
	if (r < 0)
		return r;
	memset(meta, 0, sizeof(*meta));
	r = moat_containerd_parse_config(buf->data, buf->len, meta, err);
	if (r < 0) {
		moat_error_prefix(err, "%s/", dir);
		return r;
	}
	copy_str(meta->ns, sizeof(meta->ns), ns);
	read_init(dir, meta);
	return 0;
}

/* Every namespace directory of one root, bounded. */
static int search_root(const char *root, const char *id, struct moat_buf *buf,
		       struct moat_containerd_meta *meta, struct moat_error *err)
{
	DIR *d = opendir(root);
	struct dirent *de;
	unsigned seen = 0;
	int r = -ENOENT;

	if (!d)
		return -ENOENT;
	while (r == -ENOENT && seen < MOAT_CONTAINERD_NS_MAX && (de = readdir(d))) {
		if (!moat_containerd_valid_id(de->d_name))
			continue;
		seen++;
		r = try_bundle(root, de->d_name, id, buf, meta, err);
	}
	closedir(d);
	return r;
}

int moat_containerd_describe(const char *const *roots, const char *id,
			     struct moat_containerd_meta *meta, struct moat_error *err)
{
	struct moat_buf buf;
	int r = -ENOENT;

	if (!moat_containerd_valid_id(id))
		return moat_error_set(err, MOAT_E_USAGE, "containerd: bad container id");
	if (!roots)
		roots = default_roots;
	moat_buf_init(&buf, MOAT_CONTAINERD_CONFIG_MAX);
	for (size_t i = 0; r == -ENOENT && roots[i]; i++)
		r = search_root(roots[i], id, &buf, meta, err);
	moat_buf_release(&buf);
	if (r == -ENOENT)
		return moat_error_set(err, MOAT_E_NOTFOUND, "containerd: no bundle for %s", id);
	return r;
}
