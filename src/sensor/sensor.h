/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sensor.h - runtime events from the kernel: the eBPF probes when they load,
 * else a fallback source (proc connector + fanotify) producing the same
 * records. One record layout for both, from bpf/events.h.
 *
 * Records are validated (size, ABI, kind) and copied into a fixed pool owned
 * by the sensor before the callback sees them: no allocation per event. A
 * record passed to the callback is valid until the callback returns.
 * A sensor is not thread-safe.
 */
#ifndef MOAT_SENSOR_H
#define MOAT_SENSOR_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events.h"

struct moat_error;
struct moat_sensor;

union moat_sensor_rec {
	struct moat_ev_hdr hdr;
	struct moat_ev_exec exec;
	struct moat_ev_exit exit;
	struct moat_ev_fork fork;
	struct moat_ev_file file;
	struct moat_ev_net net;
	struct moat_ev_generic gen;
};

enum moat_sensor_mode {
	MOAT_SENSOR_AUTO = 0,       /* eBPF, else fallback */
	MOAT_SENSOR_BPF = 1,        /* eBPF or fail */
	MOAT_SENSOR_FALLBACK = 2,   /* proc connector + fanotify only */
};

struct moat_sensor_opts {
	enum moat_sensor_mode mode;
	const struct moat_ev_prefix *prefixes;  /* sensitive path prefixes, borrowed */
	size_t n_prefixes;                      /* at most MOAT_EV_PREFIX_MAX */
	bool all_writes;                        /* report every open for writing */
	/* Paths watched by inode in every root (eBPF): the rules' prefixes
	 * before they were merged to fit the kernel's table; borrowed. */
	const struct moat_ev_prefix *watched;
	size_t n_watched;                       /* at most MOAT_SENSOR_WATCH_MAX */
};

#define MOAT_SENSOR_WATCH_MAX MOAT_EV_WATCH_PREFIX_MAX

/* Return 0 to go on, negative to stop moat_sensor_poll with that code. */
typedef int (*moat_sensor_cb)(void *ctx, const union moat_sensor_rec *rec);

/* Open and attach. -EPERM/-EOPNOTSUPP style codes when nothing can attach. */
int moat_sensor_open(const struct moat_sensor_opts *opts, struct moat_sensor **ret_sensor,
		     struct moat_error *err);
/* Detach every probe and free. NULL is a no-op. */
void moat_sensor_close(struct moat_sensor *sensor);

/* Wait up to timeout_ms for records, hand each to cb. Returns the number of
 * records delivered, or a negative code (cb's, or -errno; -EINTR on a signal). */
int moat_sensor_poll(struct moat_sensor *sensor, int timeout_ms, moat_sensor_cb cb, void *ctx,
		     struct moat_error *err);

/* Why the eBPF backend was not used when the sensor fell back on its own
 * (mode AUTO), else NULL. Owned by the sensor. */
const char *moat_sensor_fallback_reason(const struct moat_sensor *sensor);
/* "ebpf" or "fallback". */
const char *moat_sensor_mode_name(const struct moat_sensor *sensor);
/* Probes attached and probes tried (a probe = one program or one source). */
unsigned moat_sensor_attached(const struct moat_sensor *sensor, unsigned *ret_total);
/* Records dropped because the kernel ring was full or a record was malformed. */
uint64_t moat_sensor_lost(const struct moat_sensor *sensor);

/* Report (and with kill, SIGKILL at exec) executables of mount namespace
 * mnt_ns whose ctime is at or after start_sec. The fallback can only report
 * and adds a filesystem watch on root_pid's root for file events. */
int moat_sensor_watch_container(struct moat_sensor *sensor, uint32_t mnt_ns, uint64_t cgroup_id,
				uint64_t start_sec, bool kill, int root_pid);
/* The container of mnt_ns is gone: its namespace number may now be reused. */
int moat_sensor_unwatch_container(struct moat_sensor *sensor, uint32_t mnt_ns);
/* The kernel's deny list holds at most this many executables. */
#define MOAT_SENSOR_DENY_MAX MOAT_EV_DENY_MAX
/*
 * SIGKILL at exec for exactly these absolute paths, replacing the previous
 * list (eBPF only: -EOPNOTSUPP otherwise, unless n is 0). MOAT_E_USAGE for a
 * relative or over-long path, MOAT_E_LIMIT past MOAT_SENSOR_DENY_MAX.
 */
int moat_sensor_set_deny(struct moat_sensor *sensor, const char *const *paths, size_t n);

/* Replace the sensitive-path prefix table (a rule reload): n <= MOAT_EV_PREFIX_MAX. */
int moat_sensor_set_prefixes(struct moat_sensor *sensor, const struct moat_ev_prefix *p, size_t n);
/* Replace the paths watched by inode (a rule reload): every known root is
 * scanned again. n <= MOAT_SENSOR_WATCH_MAX. A no-op for the fallback,
 * whose fanotify events carry resolved paths already. */
int moat_sensor_set_watched(struct moat_sensor *sensor, const struct moat_ev_prefix *p, size_t n);
/* Does the prefix table report an access with mode to path? The kernel
 * program applies the same test (bpf/sensor.bpf.c); the fallback calls this. */
bool moat_prefixes_report(const struct moat_ev_prefix *p, size_t n, const char *path,
			  uint32_t mode);

/* The watched file an open record matched by inode (moat_ev_file.watch with
 * MOAT_RESOLVE_INODE): its path inside its root, e.g. "/etc/shadow" for a
 * hard link to it. NULL if unknown. Owned by the sensor. */
const char *moat_sensor_watch_name(const struct moat_sensor *sensor,
				   const struct moat_ev_file *f);
/*
 * Learned baselines (eBPF only: -EOPNOTSUPP from the fallback). on: start
 * the per-container syscall bitmaps and report every open for writing by a
 * process outside cgroup host_cgid (the host's root cgroup v2 id).
 * syscalls: the bitmap of cgroup_id (MOAT_SENSOR_SYSCALL_WORDS words, bit n
 * = syscall n), -ENOENT when it made none since; forget drops it after the
 * read. enforce: kill execs of cgroup_id outside the allow-list of image
 * slot (on), or stop (off). exes: the allow-list of slot becomes exactly
 * paths (absolute, shorter than MOAT_EV_PATH_LEN; n 0 empties it).
 */
#define MOAT_SENSOR_SYSCALL_WORDS (MOAT_EV_SYSBITS / 64)
int moat_sensor_baseline_on(struct moat_sensor *sensor, uint64_t host_cgid);
int moat_sensor_syscalls(struct moat_sensor *sensor, uint64_t cgroup_id,
			 uint64_t bits[MOAT_SENSOR_SYSCALL_WORDS], bool forget);
int moat_sensor_baseline_enforce(struct moat_sensor *sensor, uint64_t cgroup_id, uint32_t slot,
				 bool on);
int moat_sensor_baseline_exes(struct moat_sensor *sensor, uint32_t slot, const char *const *paths,
			      size_t n);

/* Check a raw record from the ring: 0 if it may be cast, else MOAT_E_FORMAT. */
int moat_sensor_check(const void *data, size_t len);

/* Name of an event kind ("exec", "open", ...), "unknown" for others. */
const char *moat_sensor_kind_name(unsigned kind);
/* enum moat_ev_fd_type as rules spell it: none, file, dir, pipe, chr, blk,
 * unix, tcp, udp, listen, unconnected, socket, other. */
const char *moat_sensor_fd_type_name(unsigned type);

#endif
