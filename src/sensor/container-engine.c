/* SPDX-License-Identifier: Apache-2.0 */
/*
 * container-engine.c - what the engines say about cached containers: the
 * Docker engine's inspect (or, for containers it does not know, containerd's
 * bundle), the engine's event stream that keeps the cache in step, and
 * responses (stop, pause, isolate) through the engine.
 *
 * Ordering matters around restarts. A restarted container may get its old
 * mount-namespace number back, and its old init's exit, the new init's exec
 * (both from the sensor) and the engine's die/start events arrive in any
 * interleaving. So a die is believed only once the entry's init is really
 * gone, and both a recheck (container.c) and a start event describe the
 * container again and report a new start time, whichever comes first.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "container-int.h"
#include "container.h"
#include "containerd.h"
#include "moat/error.h"
#include "runtime/docker.h"

/* Events handled per pump call: a burst is worked off over a few loop turns. */
#define PUMP_MAX_EVENTS 256u
/* Reconnect backoff: first wait, then doubled up to the cap. */
#define BACKOFF_FIRST_MS 500u
#define BACKOFF_MAX_MS 30000u

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The engine is absent or went away: try again later, later each time. */
static void back_off(struct moat_containers *cs)
{
	cs->backoff_ms = cs->backoff_ms ? cs->backoff_ms * 2 : BACKOFF_FIRST_MS;
	if (cs->backoff_ms > BACKOFF_MAX_MS)
		cs->backoff_ms = BACKOFF_MAX_MS;
	cs->retry_ns = now_ns() + (uint64_t)cs->backoff_ms * 1000000ull;
}

static void drop_engine(struct moat_containers *cs)
{
	moat_docker_events_close(cs->events);
	cs->events = NULL;
	moat_docker_close(cs->docker);
	cs->docker = NULL;
	back_off(cs);
}

/* The engine handle, connecting lazily but not before the backoff allows. */
static struct moat_docker *engine(struct moat_containers *cs)
{
	struct moat_error err = { 0 };

	if (cs->docker)
		return cs->docker;
	if (now_ns() < cs->retry_ns)
		return NULL;
	if (moat_docker_open(cs->sock_default ? NULL : cs->sock, &cs->docker, &err) < 0) {
		cs->docker = NULL;
		back_off(cs);
	}
	return cs->docker;
}

/* src, cut to cap without splitting a UTF-8 sequence (the console takes
 * these as JSON strings, which must be valid UTF-8). */
static void copy_str(char *dst, size_t cap, const char *src)
{
	size_t n, lead;
	unsigned char b;

	if (snprintf(dst, cap, "%s", src ? src : "") < (int)cap)
		return;
	n = strlen(dst);
	for (lead = n; lead > 0 && ((unsigned char)dst[lead - 1] & 0xc0) == 0x80; lead--)
		;
	if (lead == 0)
		return;
	b = (unsigned char)dst[lead - 1];
	/* the sequence that starts at lead - 1 needs this many bytes */
	if (b >= 0xc0 && lead - 1 + (b >= 0xf0 ? 4u : b >= 0xe0 ? 3u : 2u) > n)
		dst[lead - 1] = 0;
}

static bool pid_alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* A decimal port 1..65535 ending at end (or at a NUL when end is NULL). */
static uint16_t port_num(const char *s, const char *end)
{
	unsigned long v = 0;
	const char *p = s;

	if (!s)
		return 0;
	for (; p != end && *p; p++) {
		if (*p < '0' || *p > '9' || p - s >= 5)
			return 0;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return p > s && v <= 65535 ? (uint16_t)v : 0;
}

/* One "80/tcp": [{"HostIp","HostPort"}...] entry of a port map; unpublished
 * ports (null, or no host port) are not kept. */
static void add_ports(struct moat_container *c, const char *key, const json_t *binds)
{
	const char *slash = strchr(key, '/');
	uint16_t port = port_num(key, slash);
	const json_t *b;
	size_t i;

	if (!port || !json_is_array(binds))
		return;
	json_array_foreach(binds, i, b) {
		struct moat_container_port *p;
		uint16_t host_port = port_num(moat_json_str(b, "HostPort"), NULL);

		if (!host_port)
			continue;
		if (c->n_ports >= MOAT_CONTAINER_PORTS) {
			c->ports_dropped++;
			continue;
		}
		p = &c->ports[c->n_ports++];
		copy_str(p->host_ip, sizeof(p->host_ip), moat_json_str(b, "HostIp"));
		copy_str(p->proto, sizeof(p->proto), slash ? slash + 1 : "tcp");
		p->host_port = host_port;
		p->port = port;
	}
}

/* The ports as bound now (a host port of 0 asked for is the one the engine
 * chose), else as configured. */
void moat_container_exposure(struct moat_container *c, json_t *j)
{
	json_t *host = json_object_get(j, "HostConfig");
	json_t *ports = json_object_get(json_object_get(j, "NetworkSettings"), "Ports");
	const char *key;
	json_t *binds;

	c->privileged = json_is_true(json_object_get(host, "Privileged"));
	copy_str(c->user, sizeof(c->user), moat_json_str(json_object_get(j, "Config"), "User"));
	c->n_ports = c->ports_dropped = 0;
	if (!json_is_object(ports) || !json_object_size(ports))
		ports = json_object_get(host, "PortBindings");
	if (!json_is_object(ports))
		return;
	json_object_foreach(ports, key, binds)
		add_ports(c, key, binds);
}

void moat_container_labels_pack(json_t *labels, char *out, size_t cap)
{
	size_t used = 0;
	const char *k;
	json_t *v;

	if (!cap)
		return;
	out[0] = 0;
	if (!json_is_object(labels))
		return;
	json_object_foreach(labels, k, v) {
		const char *s = json_string_value(v);
		int n;

		if (!s || strchr(k, '\n') || strchr(s, '\n'))
			continue;
		n = snprintf(out + used, cap - used, "%s=%s\n", k, s);
		if (n < 0 || (size_t)n >= cap - used) {
			out[used] = 0;          /* whole lines only */
			continue;
		}
		used += (size_t)n;
	}
}

/* Name, image, labels, state, start time and exposure from the engine's inspect. */
static bool describe_docker(struct moat_containers *cs, struct moat_container *c)
{
	struct moat_docker *docker = engine(cs);
	struct moat_error err = { 0 };
	json_t *j = NULL;
	json_t *cfg;
	json_t *state;
	json_t *labels;
	const char *name;

	if (!docker)
		return false;
	if (moat_docker_container_inspect(docker, c->id, &j, &err) < 0) {
		/* a broken connection is re-opened later; NOTFOUND: not Docker's */
		if (err.code != MOAT_E_NOTFOUND)
			drop_engine(cs);
		return false;
	}
	name = moat_json_str(j, "Name");
	copy_str(c->name, sizeof(c->name), name && name[0] == '/' ? name + 1 : name);
	copy_str(c->image_id, sizeof(c->image_id), moat_json_str(j, "Image"));
	cfg = json_object_get(j, "Config");
	copy_str(c->image, sizeof(c->image), moat_json_str(cfg, "Image"));
	labels = json_object_get(cfg, "Labels");
	copy_str(c->pod, sizeof(c->pod), moat_json_str(labels, "io.kubernetes.pod.name"));
	copy_str(c->k8s_ns, sizeof(c->k8s_ns), moat_json_str(labels, "io.kubernetes.pod.namespace"));
	moat_container_labels_pack(labels, c->labels, sizeof(c->labels));
	state = json_object_get(j, "State");
	c->start_sec = 0;
	moat_container_parse_time(moat_json_str(state, "StartedAt"), &c->start_sec);
	c->init_pid = (int)moat_json_int(state, "Pid", 0);
	/* the engine learns of an exit after the sensor does: believe the pid */
	c->running = json_is_true(json_object_get(state, "Running")) && pid_alive(c->init_pid);
	moat_container_exposure(c, j);
	c->source = MOAT_CONTAINER_SRC_DOCKER;
	c->described = true;
	json_decref(j);
	return true;
}

/* The CRI annotations and init of its containerd bundle. */
static void describe_containerd(struct moat_container *c)
{
	struct moat_containerd_meta meta;
	struct moat_error err = { 0 };

	if (moat_containerd_describe(NULL, c->id, &meta, &err) < 0)
		return;
	copy_str(c->name, sizeof(c->name), meta.name);
	copy_str(c->image, sizeof(c->image), meta.image);
	c->image_id[0] = 0;
	copy_str(c->pod, sizeof(c->pod), meta.pod);
	copy_str(c->k8s_ns, sizeof(c->k8s_ns), meta.k8s_ns);
	c->start_sec = meta.start_sec;
	c->init_pid = meta.init_pid;
	c->privileged = false;          /* a bundle does not tell these */
	c->user[0] = 0;
	c->n_ports = c->ports_dropped = 0;
	c->running = pid_alive(meta.init_pid);
	c->source = MOAT_CONTAINER_SRC_CONTAINERD;
	c->described = true;
}

void containers_describe(struct moat_containers *cs, struct moat_container *c)
{
	if (!describe_docker(cs, c))
		describe_containerd(c);
}

/* Another running entry holds c's namespace number (it was handed on). */
static bool ns_in_use(const struct moat_containers *cs, const struct moat_container *c)
{
	for (unsigned i = 0; i < cs->n; i++)
		if (cs->entries[i] != c && cs->entries[i]->mnt_ns == c->mnt_ns &&
		    cs->entries[i]->running)
			return true;
	return false;
}

/* c's init is gone: tell the caller to forget its namespace, once. */
static void stopped(struct moat_containers *cs, struct moat_container *c,
		    void (*changed)(void *, const struct moat_container *, enum moat_container_change),
		    void *ctx)
{
	bool was_running = c->running;

	c->running = false;
	c->init_pid = 0;
	if (was_running && changed && !ns_in_use(cs, c))
		changed(ctx, c, MOAT_CONTAINER_STOPPED);
}

/* Does c's key still name where the container's init runs? A restart
 * makes a new cgroup, and a new namespace unless its number comes back. */
static bool is_current_run(const struct moat_container *c)
{
	uint32_t ns = containers_pid_mnt_ns((uint32_t)c->init_pid);
	uint64_t cg = c->key.cgroup_id ? containers_pid_cgroup_id((uint32_t)c->init_pid) : 0;

	return (!ns || ns == c->mnt_ns) && (!cg || cg == c->key.cgroup_id);
}

/*
 * Describe c again. If it stopped, say so once. If its init now runs under
 * another key, c is a past run of the container (the new run has, or will
 * get, its own entry): drop it. Else a new start time is news for the
 * sensor.
 */
static void refresh(struct moat_containers *cs, struct moat_container *c,
		    void (*changed)(void *, const struct moat_container *, enum moat_container_change),
		    void *ctx)
{
	uint64_t old_start = c->start_sec;
	bool was_running = c->running;

	containers_describe(cs, c);
	if (!c->running) {
		/* it stopped without the sensor seeing its init exit */
		c->running = was_running;
		stopped(cs, c, changed, ctx);
		/* no destroy event will come for a bundle-only container */
		if (c->source != MOAT_CONTAINER_SRC_DOCKER)
			containers_evict(cs, c);
		return;
	}
	if (!is_current_run(c)) {
		c->running = was_running;
		stopped(cs, c, changed, ctx);
		containers_evict(cs, c);
		return;
	}
	if (c->start_sec != old_start && changed)
		changed(ctx, c, MOAT_CONTAINER_STARTED);
}

enum event_kind { EV_OTHER, EV_DESTROY, EV_DIE, EV_REFRESH };

static enum event_kind event_kind(const char *action)
{
	static const char *const refreshing[] = { "start", "restart", "unpause", "rename",
						  "update" };

	if (!strcmp(action, "destroy"))
		return EV_DESTROY;
	if (!strcmp(action, "die"))
		return EV_DIE;
	for (size_t i = 0; i < sizeof(refreshing) / sizeof(refreshing[0]); i++)
		if (!strcmp(action, refreshing[i]))
			return EV_REFRESH;
	return EV_OTHER;
}

static void on_event(struct moat_containers *cs, const struct moat_docker_event *ev,
		     void (*changed)(void *, const struct moat_container *, enum moat_container_change),
		     void *ctx)
{
	enum event_kind kind = event_kind(ev->action);

	if (ev->time_ns / 1000000000ull > cs->last_event_sec)
		cs->last_event_sec = ev->time_ns / 1000000000ull;
	if (kind == EV_OTHER)
		return;
	/* downwards: refresh and destroy may drop entries (swap with the last) */
	for (unsigned i = cs->n; i-- > 0;) {
		struct moat_container *c = cs->entries[i];

		if (strcmp(c->id, ev->id) != 0)
			continue;
		if (kind == EV_REFRESH) {
			refresh(cs, c, changed, ctx);
		} else if (kind == EV_DIE) {
			/* a die that comes late, after the restart, is not about this run */
			if (!pid_alive(c->init_pid))
				stopped(cs, c, changed, ctx);
		} else {
			stopped(cs, c, changed, ctx);
			containers_evict(cs, c);
		}
	}
}

/* Connect the event stream; entries described while the engine was away
 * are described by it now (events since the last one seen are replayed). */
static bool follow(struct moat_containers *cs,
		   void (*changed)(void *, const struct moat_container *, enum moat_container_change),
		   void *ctx)
{
	struct moat_error err = { 0 };
	struct moat_docker *docker = engine(cs);

	if (!docker)
		return false;
	if (moat_docker_events_open(docker, cs->last_event_sec, &cs->events, &err) < 0) {
		cs->events = NULL;
		drop_engine(cs);
		return false;
	}
	for (unsigned i = cs->n; i-- > 0;)
		if (cs->entries[i]->source != MOAT_CONTAINER_SRC_DOCKER)
			refresh(cs, cs->entries[i], changed, ctx);
	return true;
}

unsigned moat_containers_pump(struct moat_containers *cs,
			      void (*changed)(void *ctx, const struct moat_container *c,
					      enum moat_container_change what),
			      void *ctx)
{
	struct moat_docker_event ev;
	unsigned n = 0;

	if (!cs->events && !follow(cs, changed, ctx))
		return 0;
	while (cs->events && n < PUMP_MAX_EVENTS) {
		struct moat_error err = { 0 };
		int r = moat_docker_events_next(cs->events, &ev, &err);

		if (r == 0)
			break;
		n++;
		if (r < 0 && moat_docker_events_failed(cs->events))
			drop_engine(cs);
		if (r < 0)
			continue;       /* one bad event: the stream goes on */
		cs->backoff_ms = 0;
		on_event(cs, &ev, changed, ctx);
	}
	return n;
}

bool moat_containers_following(const struct moat_containers *cs)
{
	return cs->events != NULL;
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
