/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cis-eval-ctr.c - CIS Docker sections 4-6: images (user, healthcheck,
 * content trust, update and ADD instructions, secrets in the config),
 * container runtime settings read from each container's inspect document
 * (privileges, namespaces, mounts, ports, limits, security options, exec
 * sessions, processes) and operations (image and container sprawl).
 * Evidence names each container or image that fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/json.h"
#include "cis-int.h"
#include "misconfig-int.h"

/* Capabilities Docker grants by default: adding them back is not a finding. */
static const char *const default_caps[] = {
	"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER",   "FSETID",	  "KILL",	"MKNOD",
	"NET_BIND_SERVICE", "NET_RAW", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
};

/* Host directories whose writable mount hands over the host (CIS 5.6). */
static const char *const sensitive_dirs[] = {"/", "/boot", "/dev", "/etc",
					     "/lib", "/proc", "/sys", "/usr"};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const json_t *hc(const struct cis_ctr *c)
{
	return json_object_get(c->inspect, "HostConfig");
}

static const char *hc_str(const struct cis_ctr *c, const char *key)
{
	const char *s = moat_json_str(hc(c), key);

	return s ? s : "";
}

static bool root_user(const char *u)
{
	size_t n = strcspn(u ? u : "", ":");

	return !u || !*u || (n == 4 && !strncmp(u, "root", 4)) || (n == 1 && u[0] == '0');
}

static bool has_secopt(const struct cis_ctr *c, const char *what)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(hc(c), "SecurityOpt"), i, o)
		if (json_string_value(o) && strstr(json_string_value(o), what))
			return true;
	return false;
}

/* Per-container checks: a predicate writes what it found into the list. */
typedef bool (*ctr_pred)(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l);

static void per_ctr(struct cis_eval *ev, const char *id, ctr_pred pred, enum moat_cis_verdict bad,
		    const char *what, const char *ok)
{
	struct cis_names l = {0};

	if (!ev->f->n_ctrs) {
		cis_set(ev, id, MOAT_CIS_INFO, "no %scontainers", ev->f->all_containers ? "" : "running ");
		return;
	}
	for (size_t i = 0; i < ev->f->n_ctrs; i++)
		pred(ev, &ev->f->ctrs[i], &l);
	if (l.n)
		cis_set(ev, id, bad, "%s: %s", what, l.text);
	else
		cis_set(ev, id, MOAT_CIS_PASS, "%s", ok);
}

static bool user_root(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	const char *u = moat_json_str(json_object_get(c->inspect, "Config"), "User");

	if (!root_user(u))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool mode_host(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l,
		      const char *key)
{
	if (strcmp(hc_str(c, key), "host") != 0)
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool pid_host(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return mode_host(ev, c, l, "PidMode");
}

static bool ipc_host(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return mode_host(ev, c, l, "IpcMode");
}

static bool uts_host(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return mode_host(ev, c, l, "UTSMode");
}

static bool net_host(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return mode_host(ev, c, l, "NetworkMode");
}

static bool userns_host(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return mode_host(ev, c, l, "UsernsMode");
}

static bool apparmor(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	const char *p = moat_json_str(c->inspect, "AppArmorProfile");

	if (p && *p && strcmp(p, "unconfined") != 0)
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool selinux(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (has_secopt(c, "label"))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool caps(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	size_t i;
	json_t *v;
	bool hit = false;

	json_array_foreach(json_object_get(hc(c), "CapAdd"), i, v) {
		const char *cap = json_string_value(v);
		bool dflt = false;

		if (!cap)
			continue;
		if (!strncasecmp(cap, "CAP_", 4))
			cap += 4;
		for (size_t k = 0; k < N(default_caps); k++)
			dflt |= !strcasecmp(cap, default_caps[k]);
		if (!dflt) {
			cis_names_add(ev, l, "%s:%s", c->name, cap);
			hit = true;
		}
	}
	return hit;
}

static bool privileged(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (!json_is_true(json_object_get(hc(c), "Privileged")))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool sensitive_mount(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	size_t i;
	json_t *m;
	bool hit = false;

	json_array_foreach(json_object_get(c->inspect, "Mounts"), i, m) {
		const char *src = moat_json_str(m, "Source");

		if (!src || !json_is_true(json_object_get(m, "RW")))
			continue;
		for (size_t k = 0; k < N(sensitive_dirs); k++) {
			size_t n = strlen(sensitive_dirs[k]);

			if (!strcmp(src, sensitive_dirs[k]) ||
			    (n > 1 && !strncmp(src, sensitive_dirs[k], n) && src[n] == '/')) {
				cis_names_add(ev, l, "%s:%s", c->name, src);
				hit = true;
				break;
			}
		}
	}
	return hit;
}

/* sshd among the container's processes, as the host's ps saw them (/top). */
static bool sshd(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	const json_t *titles = json_object_get(c->top, "Titles");
	size_t col = (size_t)-1, i;
	json_t *t, *p;

	json_array_foreach(titles, i, t)
		if (json_string_value(t) && (!strcmp(json_string_value(t), "CMD") ||
					     !strcmp(json_string_value(t), "COMMAND")))
			col = i;
	json_array_foreach(json_object_get(c->top, "Processes"), i, p) {
		const char *cmd = json_string_value(json_array_get(p, col));
		const char *base = cmd ? cmd : "";
		size_t n = strcspn(base, " ");

		/* the program's name: last path element of the first word */
		for (const char *s = base; s < base + n; s++)
			if (*s == '/')
				base = s + 1, n = strcspn(base, " ");
		if (n >= 4 && !strncmp(base, "sshd", 4) && (n == 4 || base[4] == ':')) {
			cis_names_add(ev, l, "%s", c->name);
			return true;
		}
	}
	return false;
}

/* Published ports: kind 0 below 1025, 1 any, 2 on a wildcard address. */
static bool ports(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l, int kind)
{
	json_t *p = json_object_get(json_object_get(c->inspect, "NetworkSettings"), "Ports");
	const char *cport;
	json_t *binds;
	bool hit = false;

	json_object_foreach(p, cport, binds) {
		size_t i;
		json_t *b;

		json_array_foreach(binds, i, b) {
			const char *hp = moat_json_str(b, "HostPort");
			const char *ip = moat_json_str(b, "HostIp");
			unsigned long port = hp ? strtoul(hp, NULL, 10) : 0;
			bool wild = !ip || !*ip || !strcmp(ip, "0.0.0.0") || !strcmp(ip, "::");

			if (!hp || !*hp || (kind == 0 && port >= 1025) || (kind == 2 && !wild))
				continue;
			if (kind == 2)
				cis_names_add(ev, l, "%s:%s", c->name, ip && *ip ? ip : "0.0.0.0");
			else
				cis_names_add(ev, l, "%s:%s", c->name, hp);
			hit = true;
		}
	}
	return hit;
}

static bool low_ports(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return ports(ev, c, l, 0);
}

static bool open_ports(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return ports(ev, c, l, 1);
}

static bool wild_ports(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	return ports(ev, c, l, 2);
}

static bool no_memory(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (moat_json_int(hc(c), "Memory", 0) > 0)
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool no_cpu(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (moat_json_int(hc(c), "CpuShares", 0) > 0 || moat_json_int(hc(c), "NanoCpus", 0) > 0 ||
	    moat_json_int(hc(c), "CpuQuota", 0) > 0)
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool rw_root(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (json_is_true(json_object_get(hc(c), "ReadonlyRootfs")))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool restart(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	const json_t *rp = json_object_get(hc(c), "RestartPolicy");
	const char *name = moat_json_str(rp, "Name");
	int64_t max = moat_json_int(rp, "MaximumRetryCount", 0);

	if (!name || !*name || !strcmp(name, "no") ||
	    (!strcmp(name, "on-failure") && max > 0 && max <= 5))
		return false;
	cis_names_add(ev, l, "%s:%s%s", c->name, name,
		      !strcmp(name, "on-failure") ? (max ? ">5" : " unlimited") : "");
	return true;
}

static bool devices(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (!json_array_size(json_object_get(hc(c), "Devices")))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool no_ulimits(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (json_array_size(json_object_get(hc(c), "Ulimits")))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool shared_prop(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(c->inspect, "Mounts"), i, m) {
		const char *p = moat_json_str(m, "Propagation");

		if (p && strstr(p, "shared")) {
			cis_names_add(ev, l, "%s", c->name);
			return true;
		}
	}
	return false;
}

static bool seccomp_off(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (!has_secopt(c, "seccomp:unconfined") && !has_secopt(c, "seccomp=unconfined"))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool exec_priv(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	for (size_t i = 0; i < c->n_execs; i++) {
		const json_t *pc = json_object_get(c->execs[i], "ProcessConfig");

		if (json_is_true(json_object_get(pc, "privileged"))) {
			cis_names_add(ev, l, "%s", c->name);
			return true;
		}
	}
	return false;
}

static bool exec_root(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	for (size_t i = 0; i < c->n_execs; i++) {
		const char *u = moat_json_str(json_object_get(c->execs[i], "ProcessConfig"), "user");

		/* only an explicit --user root: "" is the container's own user */
		if (u && *u && root_user(u)) {
			cis_names_add(ev, l, "%s", c->name);
			return true;
		}
	}
	return false;
}

static bool cgroup(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (!*hc_str(c, "CgroupParent"))
		return false;
	cis_names_add(ev, l, "%s:%s", c->name, hc_str(c, "CgroupParent"));
	return true;
}

static bool no_nnp(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (has_secopt(c, "no-new-privileges") && !has_secopt(c, "no-new-privileges:false") &&
	    !has_secopt(c, "no-new-privileges=false"))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool no_health(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (json_object_get(json_object_get(c->inspect, "State"), "Health"))
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

static bool no_pids(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	if (moat_json_int(hc(c), "PidsLimit", 0) > 0)
		return false;
	cis_names_add(ev, l, "%s", c->name);
	return true;
}

/* Is the container on the network whose bridge is docker0? */
static bool docker0(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	size_t i;
	json_t *n;
	const json_t *mine = json_object_get(json_object_get(c->inspect, "NetworkSettings"),
					     "Networks");

	json_array_foreach(ev->f->networks, i, n) {
		const char *br = moat_json_str(json_object_get(n, "Options"),
					       "com.docker.network.bridge.name");
		const char *name = moat_json_str(n, "Name");

		if (br && name && !strcmp(br, "docker0") && json_object_get(mine, name)) {
			cis_names_add(ev, l, "%s", c->name);
			return true;
		}
	}
	return false;
}

static bool sock_mount(struct cis_eval *ev, const struct cis_ctr *c, struct cis_names *l)
{
	static const char *const dirs[] = {"/run", "/var/run", "/run/docker", "/var/run/docker"};
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(c->inspect, "Mounts"), i, m) {
		const char *src = moat_json_str(m, "Source");
		const char *dst = moat_json_str(m, "Destination");
		bool hit = (src && strstr(src, "docker.sock")) || (dst && strstr(dst, "docker.sock"));

		/* a directory that holds the socket hands it over as well */
		for (size_t k = 0; src && k < N(dirs); k++)
			hit |= !strcmp(src, dirs[k]);
		if (hit) {
			cis_names_add(ev, l, "%s:%s", c->name, src ? src : dst);
			return true;
		}
	}
	return false;
}

void cis_eval_containers(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	const json_t *opts = json_object_get(f->info, "SecurityOptions");
	char *so = json_dumps(opts ? opts : json_null(), JSON_COMPACT);
	const char *swarm = moat_json_str(json_object_get(f->info, "Swarm"), "LocalNodeState");
	bool nnp = json_is_true(cis_setting(f, "no-new-privileges"));

	if (!swarm || !strcmp(swarm, "inactive"))
		cis_set(ev, "5.1", MOAT_CIS_PASS, "swarm mode inactive");
	else
		cis_set(ev, "5.1", MOAT_CIS_WARN, "swarm mode %s", swarm);
	/* AppArmor and SELinux apply only where the daemon has them */
	if (so && strstr(so, "name=apparmor"))
		per_ctr(ev, "5.2", apparmor, MOAT_CIS_WARN, "no AppArmor profile", "AppArmor profiles set");
	else
		cis_set(ev, "5.2", MOAT_CIS_INFO, "AppArmor is not enabled on this host");
	if (so && strstr(so, "name=selinux"))
		per_ctr(ev, "5.3", selinux, MOAT_CIS_WARN, "no SELinux options", "SELinux options set");
	else
		cis_set(ev, "5.3", MOAT_CIS_INFO, "SELinux is not enabled in the daemon");
	free(so);
	per_ctr(ev, "5.4", caps, MOAT_CIS_WARN, "capabilities added", "no capability added");
	per_ctr(ev, "5.5", privileged, MOAT_CIS_WARN, "privileged", "no privileged container");
	per_ctr(ev, "5.6", sensitive_mount, MOAT_CIS_WARN, "sensitive host directories mounted",
		"no sensitive host directory mounted writable");
	per_ctr(ev, "5.7", sshd, MOAT_CIS_WARN, "sshd running", "no sshd process");
	per_ctr(ev, "5.8", low_ports, MOAT_CIS_WARN, "privileged host ports",
		"no host port below 1025");
	per_ctr(ev, "5.9", open_ports, MOAT_CIS_WARN, "published ports", "no published port");
	per_ctr(ev, "5.10", net_host, MOAT_CIS_WARN, "host network", "no host network");
	per_ctr(ev, "5.11", no_memory, MOAT_CIS_WARN, "no memory limit", "memory limits set");
	per_ctr(ev, "5.12", no_cpu, MOAT_CIS_WARN, "no CPU shares or quota", "CPU limits set");
	per_ctr(ev, "5.13", rw_root, MOAT_CIS_WARN, "writable root file system",
		"read-only root file systems");
	per_ctr(ev, "5.14", wild_ports, MOAT_CIS_WARN, "ports on a wildcard address",
		"ports bound to specific addresses");
	per_ctr(ev, "5.15", restart, MOAT_CIS_WARN, "restart policy", "restart policies bounded");
	per_ctr(ev, "5.16", pid_host, MOAT_CIS_WARN, "host PID namespace", "no host PID namespace");
	per_ctr(ev, "5.17", ipc_host, MOAT_CIS_WARN, "host IPC namespace", "no host IPC namespace");
	per_ctr(ev, "5.18", devices, MOAT_CIS_INFO, "host devices", "no host device");
	per_ctr(ev, "5.19", no_ulimits, MOAT_CIS_INFO, "no ulimit override", "ulimits set");
	per_ctr(ev, "5.20", shared_prop, MOAT_CIS_WARN, "shared mount propagation",
		"no shared mount propagation");
	per_ctr(ev, "5.21", uts_host, MOAT_CIS_WARN, "host UTS namespace", "no host UTS namespace");
	per_ctr(ev, "5.22", seccomp_off, MOAT_CIS_WARN, "seccomp unconfined", "seccomp on");
	per_ctr(ev, "5.23", exec_priv, MOAT_CIS_WARN, "privileged exec sessions",
		"no privileged exec session");
	per_ctr(ev, "5.24", exec_root, MOAT_CIS_WARN, "exec sessions as root",
		"no exec session with --user root");
	per_ctr(ev, "5.25", cgroup, MOAT_CIS_WARN, "cgroup parent set", "default cgroups");
	if (nnp && f->n_ctrs)
		cis_set(ev, "5.26", MOAT_CIS_PASS, "no-new-privileges is the daemon default");
	else
		per_ctr(ev, "5.26", no_nnp, MOAT_CIS_WARN, "no-new-privileges not set",
			"no-new-privileges set");
	per_ctr(ev, "5.27", no_health, MOAT_CIS_WARN, "no health check", "health checks set");
	if (f->n_ctrs)
		cis_set(ev, "5.28", MOAT_CIS_INFO, "manual: pull or pin images deliberately");
	else
		cis_set(ev, "5.28", MOAT_CIS_INFO, "no running containers");
	per_ctr(ev, "5.29", no_pids, MOAT_CIS_WARN, "no PIDs limit", "PIDs limits set");
	per_ctr(ev, "5.30", docker0, MOAT_CIS_INFO, "on the default bridge docker0",
		"no container on docker0");
	per_ctr(ev, "5.31", userns_host, MOAT_CIS_WARN, "host user namespace",
		"no host user namespace");
	per_ctr(ev, "5.32", sock_mount, MOAT_CIS_WARN, "engine socket mounted",
		"no engine socket mounted");
}

/* An image's history lines (CreatedBy), newest first; skip_base drops the
 * oldest, which is how a base image's root file system was added. */
static bool history_has(const struct cis_img *img, const char *word, const char *unless,
			bool skip_base)
{
	size_t n = json_array_size(img->history);

	for (size_t i = 0; i + (skip_base ? 1 : 0) < n; i++) {
		const char *by = moat_json_str(json_array_get(img->history, i), "CreatedBy");

		if (by && strstr(by, word) && (!unless || !strstr(by, unless)))
			return true;
	}
	return false;
}

/* A secret in the image's environment: a secret-shaped name with a value,
 * or a value shaped like a known credential (the checks moat config uses). */
static const char *env_secret(struct cis_eval *ev, const struct cis_img *img)
{
	size_t i;
	json_t *v;

	json_array_foreach(json_object_get(json_object_get(img->inspect, "Config"), "Env"), i, v) {
		const char *kv = json_string_value(v);
		const char *eq = kv ? strchr(kv, '=') : NULL;
		char *name;

		if (!eq || !eq[1])
			continue;
		name = moat_arena_strndup(ev->arena, kv, (size_t)(eq - kv));
		if (name && (mc_secret_name(name) || mc_credential_shape(eq + 1)))
			return name;
	}
	return NULL;
}

void cis_eval_images(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	struct cis_names health = {0}, update = {0}, add = {0}, secret = {0};

	per_ctr(ev, "4.1", user_root, MOAT_CIS_WARN, "running as root", "containers run as a user");
	for (size_t i = 0; i < f->n_imgs; i++) {
		const struct cis_img *img = &f->imgs[i];
		const json_t *hcheck = json_object_get(json_object_get(img->inspect, "Config"),
						       "Healthcheck");
		const char *test0 = json_string_value(json_array_get(json_object_get(hcheck, "Test"), 0));
		const char *sec;

		if (!hcheck || json_is_null(hcheck) || (test0 && !strcmp(test0, "NONE")))
			cis_names_add(ev, &health, "%s", img->name);
		if (history_has(img, "update", "install", false))
			cis_names_add(ev, &update, "%s", img->name);
		if (history_has(img, "ADD", NULL, true))
			cis_names_add(ev, &add, "%s", img->name);
		sec = env_secret(ev, img);
		if (sec)
			cis_names_add(ev, &secret, "%s: ENV %s", img->name, sec);
	}
	if (f->content_trust && !strcmp(f->content_trust, "1"))
		cis_set(ev, "4.5", MOAT_CIS_PASS, "DOCKER_CONTENT_TRUST=1");
	else
		cis_set(ev, "4.5", MOAT_CIS_WARN, "DOCKER_CONTENT_TRUST is not 1 for this client");
	cis_set(ev, "4.6", health.n ? MOAT_CIS_WARN : MOAT_CIS_PASS, "%s%s",
		health.n ? "images without HEALTHCHECK: " : "every image has a HEALTHCHECK",
		health.n ? health.text : "");
	cis_set(ev, "4.7", update.n ? MOAT_CIS_INFO : MOAT_CIS_PASS, "%s%s",
		update.n ? "update without install in the history: " : "no lone update instruction",
		update.n ? update.text : "");
	cis_set(ev, "4.9", add.n ? MOAT_CIS_INFO : MOAT_CIS_PASS, "%s%s",
		add.n ? "ADD in the history: " : "no ADD above the base layer", add.n ? add.text : "");
	cis_set(ev, "4.10", secret.n ? MOAT_CIS_WARN : MOAT_CIS_PASS, "%s%s",
		secret.n ? "secrets in the image config: " : "no secret in any image's environment",
		secret.n ? secret.text : "");
}

void cis_eval_operations(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;

	cis_set(ev, "6.1", MOAT_CIS_INFO, "%zu active/%zu images", f->n_imgs_used, f->n_imgs);
	cis_set(ev, "6.2", MOAT_CIS_INFO, "%zu total/%zu running containers", f->n_ctrs_all,
		f->n_ctrs_running);
}
