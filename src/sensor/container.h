/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container.h - which container an event came from, and what that container is.
 *
 * A process's container is found from /proc/PID/cgroup (cgroup v1 and v2
 * path forms: docker-<id>.scope, /docker/<id>, kubepods..., cri-containerd-,
 * crio-, libpod-), then described by the Docker Engine API (name, image,
 * image ID, labels, Kubernetes pod/namespace labels, start time, privileged,
 * user, published ports), or for
 * containers the engine does not know, by containerd's bundle (containerd.h).
 * Results are cached per mount namespace and cgroup, so the common case
 * costs one hash lookup; a miss describes. moat_containers_pump() keeps the
 * cache in step with the engine's events: renamed and restarted containers
 * are described again, destroyed ones dropped. Host processes have no
 * container (NULL).
 */
#ifndef MOAT_SENSOR_CONTAINER_H
#define MOAT_SENSOR_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_t;
struct moat_error;
struct moat_containers;

#define MOAT_CONTAINER_ID_LEN 64
#define MOAT_CONTAINER_STR 256   /* name, image, pod, namespace: truncated to this */
#define MOAT_CONTAINER_PORTS 16  /* published ports kept per container; the rest counted */
#define MOAT_CONTAINER_LABELS 1024 /* "KEY=VALUE\n" lines; labels past it are left out */

/* A published port: host address and port to the container's port. */
struct moat_container_port {
	char host_ip[48];                     /* "" = every address */
	uint16_t host_port;
	uint16_t port;
	char proto[8];                        /* "tcp", "udp", "sctp" */
};

/* Cache key: namespace inodes are reused once a container is gone, cgroup v2
 * ids are not (0 where the source does not know it). */
struct moat_container_key {
	uint64_t cgroup_id;
	uint32_t mnt_ns;
	uint32_t pad;
};

/* Owned by the cache; valid until the next moat_containers_pump (which may
 * drop it) or moat_containers_close. */
struct moat_container {
	char id[MOAT_CONTAINER_ID_LEN + 1];
	char name[MOAT_CONTAINER_STR];        /* without the leading "/" */
	char image[MOAT_CONTAINER_STR];       /* Config.Image, as the user named it */
	char image_id[80];                    /* "sha256:..." */
	char pod[MOAT_CONTAINER_STR];         /* io.kubernetes.pod.name label */
	char k8s_ns[MOAT_CONTAINER_STR];      /* io.kubernetes.pod.namespace label */
	char labels[MOAT_CONTAINER_LABELS];   /* Config.Labels (moat_container_labels_pack) */
	char user[MOAT_CONTAINER_STR];        /* Config.User ("" = the image's, often root) */
	bool privileged;                      /* HostConfig.Privileged */
	unsigned n_ports;                     /* in ports[], at most MOAT_CONTAINER_PORTS */
	unsigned ports_dropped;               /* published beyond that */
	struct moat_container_port ports[MOAT_CONTAINER_PORTS];
	uint64_t start_sec;                   /* State.StartedAt, seconds since the epoch */
	int init_pid;                         /* State.Pid */
	uint32_t mnt_ns;
	struct moat_container_key key;
	bool described;                       /* the engine or a bundle answered for it */
	bool running;                         /* its init is alive, as far as we know */
	enum moat_container_source {
		MOAT_CONTAINER_SRC_NONE,      /* only the ID is known */
		MOAT_CONTAINER_SRC_DOCKER,    /* the Docker engine described it */
		MOAT_CONTAINER_SRC_CONTAINERD, /* its containerd bundle did */
	} source;
};

/* docker_sock NULL = default socket; the engine may be absent (then only
 * IDs are known). Returns 0 or -ENOMEM. */
int moat_containers_open(const char *docker_sock, struct moat_containers **ret,
			 struct moat_error *err);
void moat_containers_close(struct moat_containers *cs);

/*
 * Container of process pid (in mount namespace mnt_ns and cgroup v2 cgroup_id,
 * either 0 if unknown; cgroup_name, the leaf name of its cgroup if known
 * (exec records carry it), answers first; then /proc/PID/cgroup; ppid is tried when
 * pid already exited). NULL for a host process or when it cannot be told.
 * The kernel reuses namespace inodes once a container is gone, so callers
 * pass recheck on exec events: the cached answer is then checked against
 * /proc/PID/cgroup (every container starts with an exec in its namespace).
 * *ret_new (may be NULL) is set when this container was seen for the first
 * time, or when a recheck found a stopped one running again with a new start
 * time (a restart that kept the namespace number): tell the sensor then.
 */
const struct moat_container *moat_containers_lookup(struct moat_containers *cs, uint32_t mnt_ns,
						    uint64_t cgroup_id, const char *cgroup_name,
						    uint32_t pid, uint32_t ppid, bool recheck,
						    bool *ret_new);

/*
 * Describe the containers that have processes now (one walk of /proc, one
 * lookup per mount namespace other than init's): a container that was
 * running before its observer started and has been idle since would
 * otherwise stay unknown until one of its processes does something.
 * on_new(ctx, c) hears about each one seen for the first time (as
 * moat_containers_lookup's ret_new). Returns how many were found.
 */
unsigned moat_containers_discover(struct moat_containers *cs,
				  void (*on_new)(void *ctx, const struct moat_container *c),
				  void *ctx);

/* pid exited: if it was a known container's init process, forget that the
 * container is alive and return its mount namespace (else 0). Entries that
 * only a containerd bundle described are dropped then: nothing else would
 * tell us they are gone. */
uint32_t moat_containers_init_exited(struct moat_containers *cs, uint32_t pid);

enum moat_container_response {
	MOAT_CONTAINER_STOP,      /* stop now (SIGKILL, no grace period) */
	MOAT_CONTAINER_PAUSE,     /* freeze its processes; `docker unpause` resumes */
	MOAT_CONTAINER_ISOLATE,   /* disconnect it from every network; it keeps running */
};

/* Respond to an attack on container id through the engine. */
int moat_containers_respond(struct moat_containers *cs, const char *id,
			    enum moat_container_response what, struct moat_error *err);

enum moat_container_change {
	/* Running again with a new start time (a restart): the sensor must be
	 * told its namespace, start time and init (start_sec, init_pid, key). */
	MOAT_CONTAINER_STARTED,
	/* Its init is gone and no exit was seen for it: forget its namespace.
	 * The entry may be freed right after the callback returns. */
	MOAT_CONTAINER_STOPPED,
};

/*
 * Work off what the engine's event stream has delivered, without blocking
 * on it (at most a few hundred events per call; a describe is one inspect
 * call): destroy drops the container's entries, die marks them not
 * running, start/restart/unpause/rename/update describe them again. The
 * stream is opened on the first call and re-opened with a growing backoff
 * (0.5 s to 30 s) when the engine is absent or goes away, replaying what was
 * missed since the last event seen. changed (may be NULL) hears about the
 * changes above, with ctx. Call it from the main loop. Returns the number
 * of events handled.
 */
unsigned moat_containers_pump(struct moat_containers *cs,
			      void (*changed)(void *ctx, const struct moat_container *c,
					      enum moat_container_change what),
			      void *ctx);

/* The i-th cached entry (i < moat_containers_count), in no order; an ID
 * may have more than one entry (past runs): take the running one. */
const struct moat_container *moat_containers_at(const struct moat_containers *cs, size_t i);

/* Containers cached now, and entries dropped since open (destroyed, or
 * replaced because their namespace was handed to another container). */
size_t moat_containers_count(const struct moat_containers *cs);
uint64_t moat_containers_evicted(const struct moat_containers *cs);
/* Whether the engine's event stream is connected. */
bool moat_containers_following(const struct moat_containers *cs);

/*
 * The container ID in the text of a /proc/PID/cgroup file: the last path
 * segment that is, after removing a runtime prefix and ".scope", 64 hex
 * digits. Writes it NUL-terminated to out and returns true, else false.
 */
bool moat_container_id_from_cgroup(const char *text, size_t len,
				   char out[MOAT_CONTAINER_ID_LEN + 1]);

/* Privileged, user and published ports of c from the engine's container
 * inspect document (any JSON: what is not as expected is left out; at most
 * MOAT_CONTAINER_PORTS ports kept, the rest counted in ports_dropped). */
void moat_container_exposure(struct moat_container *c, struct json_t *inspect);

/* RFC 3339 time ("2024-05-01T10:00:00.123456789Z" or with +hh:mm) to epoch seconds. */
bool moat_container_parse_time(const char *s, uint64_t *ret_sec);
/* An engine's label object as "KEY=VALUE\n" lines in out (policy scopes
 * match them): whole lines only; a label with a newline in it, and those
 * past cap, are left out. */
void moat_container_labels_pack(struct json_t *labels, char *out, size_t cap);

#endif
