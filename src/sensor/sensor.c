/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.c - the sensor front end: pick a backend, validate every record
 * before it is cast, copy it into a fixed pool slot, call the consumer.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "sensor-int.h"

/* Slots reused round-robin: a consumer may keep the last few records (e.g.
 * a parent's exec while handling its child) without copying them. */
#define SENSOR_POOL 64

_Static_assert(sizeof(struct moat_ev_hdr) == 72, "moat_ev_hdr layout");
_Static_assert(offsetof(struct moat_ev_hdr, cgroup_id) == 40, "moat_ev_hdr.cgroup_id");
_Static_assert(offsetof(struct moat_ev_exec, stdio) == 104, "moat_ev_exec.stdio");
_Static_assert(offsetof(struct moat_ev_exec, filename) == 112, "moat_ev_exec.filename");
_Static_assert(sizeof(struct moat_ev_exec) ==
	       112 + 3 * MOAT_EV_PATH_LEN + MOAT_EV_ARGS_LEN + MOAT_EV_CGROUP_LEN,
	       "moat_ev_exec layout");
_Static_assert(sizeof(struct moat_ev_file) == 120 + 2 * MOAT_EV_PATH_LEN, "moat_ev_file layout");
_Static_assert(offsetof(struct moat_ev_file, watch) == 96, "moat_ev_file.watch");
_Static_assert(offsetof(struct moat_ev_file, ino) == 104, "moat_ev_file.ino");
_Static_assert(offsetof(struct moat_ev_file, path) == 120, "moat_ev_file.path");
_Static_assert(sizeof(struct moat_ev_inode_key) == 16, "moat_ev_inode_key layout");
_Static_assert(sizeof(struct moat_ev_dentry_key) == 16 + MOAT_EV_NAME_LEN, "moat_ev_dentry_key layout");
_Static_assert(offsetof(struct moat_ev_dentry_key, ino) == 8, "moat_ev_dentry_key.ino");
_Static_assert(sizeof(struct moat_ev_watch) == 8, "moat_ev_watch layout");
_Static_assert(sizeof(struct moat_ev_net) == 216, "moat_ev_net layout");
_Static_assert(sizeof(struct moat_ev_generic) == 104, "moat_ev_generic layout");

struct moat_sensor {
	const struct sensor_backend *be;
	void *state;
	moat_sensor_cb cb;
	void *cb_ctx;
	uint64_t malformed;
	unsigned next;
	char why_fallback[MOAT_ERRMSG_MAX];     /* the eBPF backend's error, if it failed */
	union moat_sensor_rec pool[SENSOR_POOL];
};

static const char *const kind_names[MOAT_EV_KIND_MAX] = {
	[MOAT_EV_EXEC] = "exec", [MOAT_EV_EXIT] = "exit", [MOAT_EV_FORK] = "fork",
	[MOAT_EV_OPEN] = "open", [MOAT_EV_UNLINK] = "unlink", [MOAT_EV_RENAME] = "rename",
	[MOAT_EV_CHMOD] = "chmod", [MOAT_EV_CHOWN] = "chown", [MOAT_EV_CONNECT] = "connect",
	[MOAT_EV_ACCEPT] = "accept", [MOAT_EV_LISTEN] = "listen", [MOAT_EV_BIND] = "bind",
	[MOAT_EV_SETUID] = "setuid", [MOAT_EV_SETGID] = "setgid", [MOAT_EV_CAPSET] = "capset",
	[MOAT_EV_PTRACE] = "ptrace", [MOAT_EV_MOUNT] = "mount", [MOAT_EV_UMOUNT] = "umount",
	[MOAT_EV_UNSHARE] = "unshare", [MOAT_EV_SETNS] = "setns", [MOAT_EV_MODULE] = "module",
	[MOAT_EV_BPF] = "bpf", [MOAT_EV_MEMFD] = "memfd",
};

const char *moat_sensor_kind_name(unsigned kind)
{
	if (kind < MOAT_EV_KIND_MAX && kind_names[kind])
		return kind_names[kind];
	return "unknown";
}

static const char *const fd_type_names[MOAT_FD_TYPE_MAX] = {
	[MOAT_FD_NONE] = "none", [MOAT_FD_FILE] = "file", [MOAT_FD_DIR] = "dir",
	[MOAT_FD_PIPE] = "pipe", [MOAT_FD_CHR] = "chr", [MOAT_FD_BLK] = "blk",
	[MOAT_FD_UNIX] = "unix", [MOAT_FD_TCP] = "tcp", [MOAT_FD_UDP] = "udp",
	[MOAT_FD_LISTEN] = "listen", [MOAT_FD_UNCONNECTED] = "unconnected",
	[MOAT_FD_SOCKET] = "socket", [MOAT_FD_OTHER] = "other",
};

const char *moat_sensor_fd_type_name(unsigned type)
{
	return type < MOAT_FD_TYPE_MAX ? fd_type_names[type] : "other";
}

/* The record size each kind must have. */
static size_t kind_size(unsigned kind)
{
	switch (kind) {
	case MOAT_EV_EXEC:
		return sizeof(struct moat_ev_exec);
	case MOAT_EV_EXIT:
		return sizeof(struct moat_ev_exit);
	case MOAT_EV_FORK:
		return sizeof(struct moat_ev_fork);
	case MOAT_EV_OPEN: case MOAT_EV_UNLINK: case MOAT_EV_RENAME: case MOAT_EV_CHMOD:
	case MOAT_EV_CHOWN: case MOAT_EV_MOUNT: case MOAT_EV_UMOUNT: case MOAT_EV_MEMFD:
		return sizeof(struct moat_ev_file);
	case MOAT_EV_CONNECT: case MOAT_EV_ACCEPT: case MOAT_EV_LISTEN: case MOAT_EV_BIND:
		return sizeof(struct moat_ev_net);
	case MOAT_EV_SETUID: case MOAT_EV_SETGID: case MOAT_EV_CAPSET: case MOAT_EV_PTRACE:
	case MOAT_EV_UNSHARE: case MOAT_EV_SETNS: case MOAT_EV_MODULE: case MOAT_EV_BPF:
		return sizeof(struct moat_ev_generic);
	default:
		return 0;
	}
}

int moat_sensor_check(const void *data, size_t len)
{
	struct moat_ev_hdr h;

	if (!data || len < sizeof(h))
		return MOAT_E_FORMAT;
	memcpy(&h, data, sizeof(h));
	if (h.abi != MOAT_EVENT_ABI || h.size != len || kind_size(h.kind) != len)
		return MOAT_E_FORMAT;
	return 0;
}

/* Strings from the kernel are NUL-terminated by the producer; enforce it anyway. */
static void terminate_strings(union moat_sensor_rec *r)
{
	r->hdr.comm[MOAT_EV_COMM_LEN - 1] = 0;
	switch (kind_size(r->hdr.kind)) {
	case sizeof(struct moat_ev_exec):
		r->exec.filename[MOAT_EV_PATH_LEN - 1] = 0;
		r->exec.args[MOAT_EV_ARGS_LEN - 1] = 0;
		r->exec.cgroup[MOAT_EV_CGROUP_LEN - 1] = 0;
		r->exec.cwd[MOAT_EV_PATH_LEN - 1] = 0;
		r->exec.exe[MOAT_EV_PATH_LEN - 1] = 0;
		if (r->exec.args_len > MOAT_EV_ARGS_LEN - 1)
			r->exec.args_len = MOAT_EV_ARGS_LEN - 1;
		break;
	case sizeof(struct moat_ev_file):
		r->file.path[MOAT_EV_PATH_LEN - 1] = 0;
		r->file.path2[MOAT_EV_PATH_LEN - 1] = 0;
		break;
	case sizeof(struct moat_ev_net):
		r->net.unix_path[sizeof(r->net.unix_path) - 1] = 0;
		break;
	default:
		break;
	}
}

int sensor_emit(struct moat_sensor *sensor, const void *data, size_t len)
{
	union moat_sensor_rec *slot;

	if (moat_sensor_check(data, len) < 0) {
		sensor->malformed++;
		return 0;
	}
	slot = &sensor->pool[sensor->next];
	sensor->next = (sensor->next + 1) % SENSOR_POOL;
	memcpy(slot, data, len);
	terminate_strings(slot);
	return sensor->cb ? sensor->cb(sensor->cb_ctx, slot) : 0;
}

static int try_backend(struct moat_sensor *sensor, const struct sensor_backend *be,
		       const struct moat_sensor_opts *opts, struct moat_error *err)
{
	int r = be->open(sensor, opts, &sensor->state, err);

	if (r == 0)
		sensor->be = be;
	return r;
}

int moat_sensor_open(const struct moat_sensor_opts *opts, struct moat_sensor **ret_sensor,
		     struct moat_error *err)
{
	struct moat_sensor *sensor;
	int r = -EOPNOTSUPP;

	if (!opts || !ret_sensor || opts->n_prefixes > MOAT_EV_PREFIX_MAX ||
	    opts->n_watched > MOAT_SENSOR_WATCH_MAX)
		return moat_error_set(err, MOAT_E_USAGE, "sensor: bad options");
	sensor = calloc(1, sizeof(*sensor));
	if (!sensor)
		return moat_error_set(err, -ENOMEM, "sensor: out of memory");
	if (opts->mode != MOAT_SENSOR_FALLBACK)
		r = try_backend(sensor, &sensor_bpf_backend, opts, err);
	if (r < 0 && opts->mode != MOAT_SENSOR_BPF) {
		if (err)
			memcpy(sensor->why_fallback, err->msg, sizeof(sensor->why_fallback));
		r = try_backend(sensor, &sensor_fallback_backend, opts, err);
	}
	if (r < 0) {
		free(sensor);
		return r;
	}
	*ret_sensor = sensor;
	return 0;
}

void moat_sensor_close(struct moat_sensor *sensor)
{
	if (!sensor)
		return;
	if (sensor->be)
		sensor->be->close(sensor->state);
	free(sensor);
}

int moat_sensor_poll(struct moat_sensor *sensor, int timeout_ms, moat_sensor_cb cb, void *ctx,
		     struct moat_error *err)
{
	int r;

	sensor->cb = cb;
	sensor->cb_ctx = ctx;
	r = sensor->be->poll(sensor->state, timeout_ms);
	sensor->cb = NULL;
	if (r < 0 && r != -EINTR)
		moat_error_set(err, r, "sensor %s: poll failed", sensor->be->name);
	return r;
}

const char *moat_sensor_mode_name(const struct moat_sensor *sensor)
{
	return sensor->be->name;
}

unsigned moat_sensor_attached(const struct moat_sensor *sensor, unsigned *ret_total)
{
	return sensor->be->attached(sensor->state, ret_total);
}

uint64_t moat_sensor_lost(const struct moat_sensor *sensor)
{
	return sensor->be->lost(sensor->state) + sensor->malformed;
}

int moat_sensor_watch_container(struct moat_sensor *sensor, uint32_t mnt_ns, uint64_t cgroup_id,
				uint64_t start_sec, bool kill, int root_pid)
{
	return sensor->be->watch(sensor->state, mnt_ns, cgroup_id, start_sec, kill, root_pid);
}

int moat_sensor_unwatch_container(struct moat_sensor *sensor, uint32_t mnt_ns)
{
	return sensor->be->unwatch ? sensor->be->unwatch(sensor->state, mnt_ns) : 0;
}

int moat_sensor_set_deny(struct moat_sensor *sensor, const char *const *paths, size_t n)
{
	if (n > MOAT_SENSOR_DENY_MAX)
		return MOAT_E_LIMIT;
	for (size_t i = 0; i < n; i++)
		if (!paths[i] || paths[i][0] != '/' || strlen(paths[i]) >= MOAT_EV_PATH_LEN)
			return MOAT_E_USAGE;
	return sensor->be->deny(sensor->state, paths, n);
}

int moat_sensor_set_prefixes(struct moat_sensor *sensor, const struct moat_ev_prefix *p, size_t n)
{
	if (n > MOAT_EV_PREFIX_MAX || (n && !p))
		return MOAT_E_USAGE;
	if (!sensor->be->prefixes)
		return -EOPNOTSUPP;
	return sensor->be->prefixes(sensor->state, p, n);
}

int moat_sensor_set_watched(struct moat_sensor *sensor, const struct moat_ev_prefix *p, size_t n)
{
	if (n > MOAT_SENSOR_WATCH_MAX || (n && !p))
		return MOAT_E_USAGE;
	return sensor->be->watched ? sensor->be->watched(sensor->state, p, n) : 0;
}

const char *moat_sensor_watch_name(const struct moat_sensor *sensor, const struct moat_ev_file *f)
{
	return sensor->be->watch_name ? sensor->be->watch_name(sensor->state, f) : NULL;
}

int moat_sensor_baseline_on(struct moat_sensor *sensor, uint64_t host_cgid)
{
	if (!sensor->be->baseline)
		return -EOPNOTSUPP;
	return sensor->be->baseline->on(sensor->state, host_cgid);
}

int moat_sensor_syscalls(struct moat_sensor *sensor, uint64_t cgroup_id,
			 uint64_t bits[MOAT_SENSOR_SYSCALL_WORDS], bool forget)
{
	if (!sensor->be->baseline)
		return -EOPNOTSUPP;
	return sensor->be->baseline->syscalls(sensor->state, cgroup_id, bits, forget);
}

int moat_sensor_baseline_enforce(struct moat_sensor *sensor, uint64_t cgroup_id, uint32_t slot,
				 bool on)
{
	if (!sensor->be->baseline)
		return -EOPNOTSUPP;
	return sensor->be->baseline->enforce(sensor->state, cgroup_id, slot, on);
}

int moat_sensor_baseline_exes(struct moat_sensor *sensor, uint32_t slot, const char *const *paths,
			      size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!paths[i] || paths[i][0] != '/' || strlen(paths[i]) >= MOAT_EV_PATH_LEN)
			return MOAT_E_USAGE;
	if (!sensor->be->baseline)
		return -EOPNOTSUPP;
	return sensor->be->baseline->exes(sensor->state, slot, paths, n);
}

const char *moat_sensor_fallback_reason(const struct moat_sensor *sensor)
{
	return sensor->why_fallback[0] ? sensor->why_fallback : NULL;
}

bool moat_prefixes_report(const struct moat_ev_prefix *p, size_t n, const char *path,
			  uint32_t mode)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i].mode & mode) && !strncmp(path, p[i].p, p[i].len))
			return true;
	return false;
}
