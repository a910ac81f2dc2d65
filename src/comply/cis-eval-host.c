/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cis-eval-host.c - CIS Docker sections 1-3: the host (partition, docker
 * group, audit rules, version), the daemon's configuration (flags and
 * daemon.json as dockerd merges them, checked against what the engine
 * reports where it does) and the daemon's files. Where moat's verdict
 * differs from docker-bench-security's on purpose, docs/comply.md says why.
 */
#include <dirent.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/json.h"
#include "cis-int.h"
#include "misconfig-int.h"
#include "moat/error.h"

void cis_set(struct cis_eval *ev, const char *id, enum moat_cis_verdict v, const char *fmt, ...)
{
	const struct moat_cis_check *c = moat_cis_check_find(id);
	size_t n;
	const struct moat_cis_check *all = moat_cis_checks(&n);
	struct moat_cis_result *res;
	va_list ap;

	if (!c)
		return;
	res = &ev->rep->items[c - all]; /* results are in catalogue order */
	res->check = c;
	res->verdict = v;
	res->evidence = "";
	if (fmt) {
		va_start(ap, fmt);
		res->evidence = mc_vprintf(ev->arena, fmt, ap);
		va_end(ap);
		if (!res->evidence) {
			res->evidence = "";
			ev->err = MOAT_E_LIMIT;
		}
	}
}

void cis_names_add(struct cis_eval *ev, struct cis_names *l, const char *fmt, ...)
{
	va_list ap;
	char *item;

	va_start(ap, fmt);
	item = mc_vprintf(ev->arena, fmt, ap);
	va_end(ap);
	if (item)
		item = moat_arena_printf(ev->arena, "%s%s%s", l->text ? l->text : "",
					 l->text ? ", " : "", item);
	if (!item) {
		ev->err = MOAT_E_LIMIT;
		return;
	}
	l->text = item;
	l->n++;
}

static bool is_true(const json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
}

static bool is_false(const json_t *v)
{
	return json_is_false(v) || (json_is_string(v) && !strcmp(json_string_value(v), "false"));
}

/* A non-empty setting: a string, array or object with something in it. */
static bool non_empty(const json_t *v)
{
	return (json_is_string(v) && *json_string_value(v)) || json_array_size(v) > 0 ||
	       json_object_size(v) > 0;
}

static bool has_option(const json_t *info, const char *prefix)
{
	size_t i;
	json_t *o;

	json_array_foreach(json_object_get(info, "SecurityOptions"), i, o)
		if (json_string_value(o) && !strncmp(json_string_value(o), prefix, strlen(prefix)))
			return true;
	return false;
}

/* Is path (or a directory above it) watched by a loaded audit rule? */
static bool audited(const struct moat_cis_facts *f, const char *path)
{
	for (size_t i = 0; f->audit_paths && f->audit_paths[i]; i++) {
		const char *w = f->audit_paths[i];
		size_t n = strlen(w);

		while (n > 1 && w[n - 1] == '/')
			n--;
		if (!strncmp(path, w, n) && (path[n] == 0 || path[n] == '/'))
			return true;
	}
	return false;
}

enum need { ANY, REG, DIRECTORY, EXISTS };

static void audit_check(struct cis_eval *ev, const char *id, const char *path, enum need need)
{
	const struct moat_cis_facts *f = ev->f;
	struct cis_file st;

	cis_stat(path, &st);
	if (need != ANY && (!path || !st.exists || (need == REG && !st.is_reg) ||
			    (need == DIRECTORY && !st.is_dir))) {
		cis_set(ev, id, MOAT_CIS_INFO, "%s not found", path ? path : "the file");
		return;
	}
	if (!f->audit_source)
		cis_set(ev, id, MOAT_CIS_WARN, "no audit rules readable (auditctl, /etc/audit)");
	else if (audited(f, path))
		cis_set(ev, id, MOAT_CIS_PASS, "%s is watched (%s)", path, f->audit_source);
	else
		cis_set(ev, id, MOAT_CIS_WARN, "no audit rule watches %s (%s)", path,
			f->audit_source);
}

/* The containerd socket of the engine, found as docker-bench does. */
static const char *containerd_sock(const struct moat_cis_facts *f)
{
	static const char *const paths[] = {"/run/containerd/containerd.sock",
					    "/run/docker/containerd/containerd.sock"};
	struct cis_file st;

	if (f->containerd_sock_unit)
		return f->containerd_sock_unit;
	for (size_t i = 0; i < 2; i++) {
		cis_stat(paths[i], &st);
		if (st.exists)
			return paths[i];
	}
	return NULL;
}

/* Server version against (now - 30 days) as YY.MM, as docker-bench compares. */
static void version_check(struct cis_eval *ev)
{
	const char *v = moat_json_str(ev->f->version, "Version");
	time_t then = ev->f->now - (time_t)30 * 86400;
	struct tm tm;
	unsigned long maj = 0, min = 0;
	char *end;

	if (!v) {
		cis_set(ev, "1.2.2", MOAT_CIS_INFO, "the engine reports no version");
		return;
	}
	gmtime_r(&then, &tm);
	maj = strtoul(v, &end, 10);
	if (*end == '.')
		min = strtoul(end + 1, &end, 10);
	if (maj > (unsigned long)(tm.tm_year % 100) ||
	    (maj == (unsigned long)(tm.tm_year % 100) && min >= (unsigned long)tm.tm_mon + 1))
		cis_set(ev, "1.2.2", MOAT_CIS_PASS, "Docker %s is current", v);
	else
		cis_set(ev, "1.2.2", MOAT_CIS_INFO,
			"Docker %s, older than %02d.%02d: verify it still gets security fixes", v,
			tm.tm_year % 100, tm.tm_mon + 1);
}

static void trusted_users(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	struct cis_names doubtful = {0};
	char *members, *save = NULL;

	if (!f->trusted_users) {
		cis_set(ev, "1.1.2", MOAT_CIS_INFO, "docker group members: %s",
			!f->docker_group ? "(no docker group)"
			: *f->docker_members ? f->docker_members
					     : "(none)");
		return;
	}
	members = moat_arena_strdup(ev->arena, f->docker_members);
	for (char *u = members ? strtok_r(members, ",", &save) : NULL; u;
	     u = strtok_r(NULL, ",", &save)) {
		char list[1024];
		bool ok = false;

		snprintf(list, sizeof(list), ",%s,", f->trusted_users);
		{
			char want[300];

			snprintf(want, sizeof(want), ",%s,", u);
			ok = strstr(list, want) != NULL;
		}
		if (!ok)
			cis_names_add(ev, &doubtful, "%s", u);
	}
	if (doubtful.n)
		cis_set(ev, "1.1.2", MOAT_CIS_WARN, "docker group members not trusted: %s",
			doubtful.text);
	else
		cis_set(ev, "1.1.2", MOAT_CIS_PASS, "docker group members: %s",
			*f->docker_members ? f->docker_members : "(none)");
}

void cis_eval_host(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	static const struct {
		const char *id, *path;
		enum need need;
	} fixed[] = {
		{"1.1.4", "/run/containerd", ANY},
		{"1.1.6", "/etc/docker", DIRECTORY},
		{"1.1.10", "/etc/default/docker", REG},
		{"1.1.12", "/etc/containerd/config.toml", REG},
		{"1.1.13", "/etc/sysconfig/docker", REG},
		{"1.1.14", "/usr/bin/containerd", REG},
		{"1.1.15", "/usr/bin/containerd-shim", REG},
		{"1.1.16", "/usr/bin/containerd-shim-runc-v1", REG},
		{"1.1.17", "/usr/bin/containerd-shim-runc-v2", REG},
		{"1.1.18", "/usr/bin/runc", REG},
	};

	if (f->root_on_own_mount)
		cis_set(ev, "1.1.1", MOAT_CIS_PASS, "%s is a file system of its own", f->root_dir);
	else
		cis_set(ev, "1.1.1", MOAT_CIS_WARN, "%s is on the same file system as its parent",
			f->root_dir ? f->root_dir : "the data root");
	trusted_users(ev);
	audit_check(ev, "1.1.3", f->dockerd_exe, ANY);
	audit_check(ev, "1.1.5", f->root_dir ? f->root_dir : "/var/lib/docker", DIRECTORY);
	audit_check(ev, "1.1.7", f->service_unit, REG);
	audit_check(ev, "1.1.8", containerd_sock(f), EXISTS);
	audit_check(ev, "1.1.9", f->socket_unit, EXISTS);
	audit_check(ev, "1.1.11", f->config_path, REG);
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		audit_check(ev, fixed[i].id, fixed[i].path, fixed[i].need);
	cis_set(ev, "1.2.1", MOAT_CIS_INFO, "manual: harden the host OS (CIS distribution benchmark)");
	version_check(ev);
}

/* Daemon listening on TCP (any host not unix:// or fd://)? */
static const char *tcp_host(const struct moat_cis_facts *f)
{
	size_t i;
	json_t *h;

	json_array_foreach(cis_setting(f, "hosts"), i, h) {
		const char *s = json_string_value(h);

		if (s && strncmp(s, "unix://", 7) != 0 && strncmp(s, "fd://", 5) != 0)
			return s;
	}
	return NULL;
}

static void insecure_registries(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	const json_t *reg = json_object_get(f->info, "RegistryConfig");
	struct cis_names l = {0};
	const char *name;
	json_t *v;
	size_t i;

	json_array_foreach(cis_setting(f, "insecure-registries"), i, v)
		if (json_string_value(v))
			cis_names_add(ev, &l, "%s", json_string_value(v));
	/* the engine's view: configured names and CIDRs besides its loopback default */
	json_object_foreach(json_object_get(reg, "IndexConfigs"), name, v)
		if (json_is_false(json_object_get(v, "Secure")) && (!l.text || !strstr(l.text, name)))
			cis_names_add(ev, &l, "%s", name);
	json_array_foreach(json_object_get(reg, "InsecureRegistryCIDRs"), i, v) {
		const char *c = json_string_value(v);

		if (c && strcmp(c, "127.0.0.0/8") != 0 && strcmp(c, "::1/128") != 0 &&
		    (!l.text || !strstr(l.text, c)))
			cis_names_add(ev, &l, "%s", c);
	}
	if (l.n)
		cis_set(ev, "2.5", MOAT_CIS_WARN, "insecure registries: %s", l.text);
	else
		cis_set(ev, "2.5", MOAT_CIS_PASS, "no insecure registries");
}

static void tls_check(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	const char *tcp = tcp_host(f);

	if (!tcp)
		cis_set(ev, "2.7", MOAT_CIS_INFO, "the daemon does not listen on TCP");
	else if (is_true(cis_setting(f, "tlsverify")))
		cis_set(ev, "2.7", MOAT_CIS_PASS, "%s with tlsverify", tcp);
	else if (is_true(cis_setting(f, "tls")))
		cis_set(ev, "2.7", MOAT_CIS_WARN, "%s with TLS but no client verification", tcp);
	else
		cis_set(ev, "2.7", MOAT_CIS_WARN, "%s without TLS", tcp);
}

static void onoff(struct cis_eval *ev, const char *id, bool good, const char *yes,
		  const char *no)
{
	cis_set(ev, id, good ? MOAT_CIS_PASS : MOAT_CIS_WARN, "%s", good ? yes : no);
}

void cis_eval_daemon(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	const char *level = json_string_value(cis_setting(f, "log-level"));
	const char *driver = moat_json_str(f->info, "Driver");
	const char *logdrv = moat_json_str(f->info, "LoggingDriver");
	const char *cgp = json_string_value(cis_setting(f, "cgroup-parent"));
	const json_t *so = cis_setting(f, "storage-opts");
	const json_t *swarm = json_object_get(f->info, "Swarm");
	bool swarm_on = strcmp(moat_json_str(swarm, "LocalNodeState") ?
				       moat_json_str(swarm, "LocalNodeState") : "inactive",
			       "inactive") != 0;
	char *opts = so ? json_dumps(so, JSON_COMPACT) : NULL;
	bool experimental = json_is_true(json_object_get(f->version, "Experimental")) ||
			    json_is_true(json_object_get(f->info, "ExperimentalBuild"));

	if (has_option(f->info, "name=rootless"))
		cis_set(ev, "2.1", MOAT_CIS_PASS, "rootless daemon");
	else
		cis_set(ev, "2.1", MOAT_CIS_INFO, "the daemon runs as root (rootless mode is off)");
	onoff(ev, "2.2", is_false(cis_setting(f, "icc")), "icc is false",
	      "icc is on: containers on the default bridge talk freely");
	if (!level || !*level || !strcmp(level, "info"))
		cis_set(ev, "2.3", MOAT_CIS_PASS, "log-level %s", level && *level ? level : "info (default)");
	else
		cis_set(ev, "2.3", MOAT_CIS_WARN, "log-level %s", level);
	onoff(ev, "2.4", !is_false(cis_setting(f, "iptables")), "iptables is on",
	      "iptables is false");
	insecure_registries(ev);
	onoff(ev, "2.6", !driver || strcmp(driver, "aufs") != 0, "storage driver not aufs",
	      "storage driver aufs");
	tls_check(ev);
	if (non_empty(cis_setting(f, "default-ulimits")))
		cis_set(ev, "2.8", MOAT_CIS_PASS, "default-ulimits set");
	else
		cis_set(ev, "2.8", MOAT_CIS_INFO, "default-ulimits not set");
	onoff(ev, "2.9", non_empty(cis_setting(f, "userns-remap")) || has_option(f->info, "name=userns"),
	      "userns-remap on", "user namespace remapping is off");
	if (cgp && *cgp)
		cis_set(ev, "2.10", MOAT_CIS_WARN, "cgroup-parent %s: confirm it", cgp);
	else
		cis_set(ev, "2.10", MOAT_CIS_PASS, "default cgroup");
	onoff(ev, "2.11", !opts || !strstr(opts, "dm.basesize"), "dm.basesize not set",
	      "storage-opts set dm.basesize");
	free(opts);
	onoff(ev, "2.12", non_empty(cis_setting(f, "authorization-plugins")) ||
			       non_empty(json_object_get(json_object_get(f->info, "Plugins"),
							 "Authorization")),
	      "authorization plugin set", "no authorization plugin");
	if (!logdrv || !strcmp(logdrv, "json-file") || !strcmp(logdrv, "local"))
		cis_set(ev, "2.13", MOAT_CIS_WARN, "log driver %s keeps logs on the host only",
			logdrv ? logdrv : "(unknown)");
	else
		cis_set(ev, "2.13", MOAT_CIS_PASS, "log driver %s", logdrv);
	onoff(ev, "2.14", is_true(cis_setting(f, "no-new-privileges")), "no-new-privileges is on",
	      "no-new-privileges is off");
	if (json_is_true(json_object_get(f->info, "LiveRestoreEnabled")) || swarm_on)
		cis_set(ev, "2.15", MOAT_CIS_PASS, "%s",
			swarm_on ? "swarm mode (live restore does not apply)" : "live-restore on");
	else
		cis_set(ev, "2.15", MOAT_CIS_WARN, "live-restore off");
	onoff(ev, "2.16", is_false(cis_setting(f, "userland-proxy")), "userland-proxy off",
	      "userland-proxy on");
	if (has_option(f->info, "name=seccomp"))
		cis_set(ev, "2.17", MOAT_CIS_PASS, "seccomp on (%s)",
			has_option(f->info, "name=seccomp,profile=default") ? "default profile"
									    : "custom profile");
	else
		cis_set(ev, "2.17", MOAT_CIS_WARN, "seccomp is not enabled");
	onoff(ev, "2.18", !experimental, "experimental features off", "experimental features on");
}

/* Ownership check: uid (and gid, or the docker group when gid_docker). */
static void owner_check(struct cis_eval *ev, const char *id, const char *path, enum need need,
			bool gid_docker, const char *missing)
{
	struct cis_file st;
	struct group *g = gid_docker ? getgrnam("docker") : NULL;
	gid_t want = g ? g->gr_gid : 0;

	cis_stat(path, &st);
	if (!st.exists || (need == REG && !st.is_reg) || (need == DIRECTORY && !st.is_dir) ||
	    (need == EXISTS && gid_docker && !st.is_sock)) {
		cis_set(ev, id, MOAT_CIS_INFO, "%s", missing);
		return;
	}
	if (st.uid == 0 && st.gid == want && (!gid_docker || g))
		cis_set(ev, id, MOAT_CIS_PASS, "%s is owned by root:%s", path,
			gid_docker ? "docker" : "root");
	else
		cis_set(ev, id, MOAT_CIS_WARN, "%s is owned by %u:%u", path, (unsigned)st.uid,
			(unsigned)st.gid);
}

/* Mode check: no permission bit outside max (0644 allows 0640, not 0660). */
static void mode_check(struct cis_eval *ev, const char *id, const char *path, enum need need,
		       unsigned max, const char *missing)
{
	struct cis_file st;

	cis_stat(path, &st);
	if (!st.exists || (need == REG && !st.is_reg) || (need == DIRECTORY && !st.is_dir) ||
	    (need == EXISTS && !st.is_sock && max == 0660)) {
		cis_set(ev, id, MOAT_CIS_INFO, "%s", missing);
		return;
	}
	if ((st.mode & ~max) == 0)
		cis_set(ev, id, MOAT_CIS_PASS, "%s has mode %04o", path, st.mode);
	else
		cis_set(ev, id, MOAT_CIS_WARN, "%s has mode %04o (more than %04o)", path, st.mode,
			max);
}

/* 3.7/3.8: every *.crt under /etc/docker/certs.d (one level of registry dirs). */
static void registry_certs(struct cis_eval *ev)
{
	DIR *d = opendir("/etc/docker/certs.d");
	struct cis_names owner = {0}, mode = {0};
	struct dirent *e;

	if (!d) {
		cis_set(ev, "3.7", MOAT_CIS_INFO, "/etc/docker/certs.d not found");
		cis_set(ev, "3.8", MOAT_CIS_INFO, "/etc/docker/certs.d not found");
		return;
	}
	while ((e = readdir(d))) {
		char *sub = moat_arena_printf(ev->arena, "/etc/docker/certs.d/%s", e->d_name);
		DIR *r = e->d_name[0] != '.' && sub ? opendir(sub) : NULL;
		struct dirent *c;

		while (r && (c = readdir(r))) {
			size_t n = strlen(c->d_name);
			char *p = moat_arena_printf(ev->arena, "%s/%s", sub, c->d_name);
			struct cis_file st;

			if (!p || n < 4 || strcmp(c->d_name + n - 4, ".crt") != 0)
				continue;
			cis_stat(p, &st);
			if (!st.is_reg)
				continue;
			if (st.uid != 0)
				cis_names_add(ev, &owner, "%s", p);
			if (st.mode & ~0444u)
				cis_names_add(ev, &mode, "%s (%04o)", p, st.mode);
		}
		if (r)
			closedir(r);
	}
	closedir(d);
	cis_set(ev, "3.7", owner.n ? MOAT_CIS_WARN : MOAT_CIS_PASS, "%s",
		owner.n ? owner.text : "every registry certificate is owned by root");
	cis_set(ev, "3.8", mode.n ? MOAT_CIS_WARN : MOAT_CIS_PASS, "%s",
		mode.n ? mode.text : "every registry certificate is 0444 or stricter");
}

void cis_eval_files(struct cis_eval *ev)
{
	const struct moat_cis_facts *f = ev->f;
	const char *ca = json_string_value(cis_setting(f, "tlscacert"));
	const char *cert = json_string_value(cis_setting(f, "tlscert"));
	const char *key = json_string_value(cis_setting(f, "tlskey"));
	static const char *const cs = "/run/containerd/containerd.sock";

	owner_check(ev, "3.1", f->service_unit, REG, false, "docker.service not found");
	mode_check(ev, "3.2", f->service_unit, REG, 0644, "docker.service not found");
	owner_check(ev, "3.3", f->socket_unit, REG, false, "docker.socket not found");
	mode_check(ev, "3.4", f->socket_unit, REG, 0644, "docker.socket not found");
	owner_check(ev, "3.5", "/etc/docker", DIRECTORY, false, "/etc/docker not found");
	mode_check(ev, "3.6", "/etc/docker", DIRECTORY, 0755, "/etc/docker not found");
	registry_certs(ev);
	owner_check(ev, "3.9", ca, REG, false, "no TLS CA certificate");
	mode_check(ev, "3.10", ca, REG, 0444, "no TLS CA certificate");
	owner_check(ev, "3.11", cert, REG, false, "no TLS server certificate");
	mode_check(ev, "3.12", cert, REG, 0444, "no TLS server certificate");
	owner_check(ev, "3.13", key, REG, false, "no TLS key");
	mode_check(ev, "3.14", key, REG, 0400, "no TLS key");
	owner_check(ev, "3.15", f->sock_path, EXISTS, true, "engine socket not found");
	mode_check(ev, "3.16", f->sock_path, EXISTS, 0660, "engine socket not found");
	owner_check(ev, "3.17", f->config_path, REG, false, "daemon.json not found");
	mode_check(ev, "3.18", f->config_path, REG, 0644, "daemon.json not found");
	owner_check(ev, "3.19", "/etc/default/docker", REG, false, "/etc/default/docker not found");
	mode_check(ev, "3.20", "/etc/default/docker", REG, 0644, "/etc/default/docker not found");
	mode_check(ev, "3.21", "/etc/sysconfig/docker", REG, 0644,
		   "/etc/sysconfig/docker not found");
	owner_check(ev, "3.22", "/etc/sysconfig/docker", REG, false,
		    "/etc/sysconfig/docker not found");
	owner_check(ev, "3.23", cs, EXISTS, false, "containerd socket not found");
	mode_check(ev, "3.24", cs, EXISTS, 0660, "containerd socket not found");
}

int moat_cis_evaluate(const struct moat_cis_facts *facts, struct moat_arena *arena,
		      struct moat_cis_report *ret, struct moat_error *err)
{
	size_t n;
	const struct moat_cis_check *checks = moat_cis_checks(&n);
	struct moat_cis_report rep = {moat_arena_calloc(arena, n, sizeof(*rep.items)), n};
	struct cis_eval ev = {facts, arena, &rep, 0};

	if (!rep.items)
		return moat_error_set(err, MOAT_E_LIMIT, "comply: out of memory (arena full)");
	for (size_t i = 0; i < n; i++) {
		rep.items[i].check = &checks[i];
		rep.items[i].verdict = checks[i].automated ? MOAT_CIS_INFO : MOAT_CIS_NOTE;
		rep.items[i].evidence = checks[i].automated ? "not evaluated" : "manual review";
	}
	cis_eval_host(&ev);
	cis_eval_daemon(&ev);
	cis_eval_files(&ev);
	cis_eval_images(&ev);
	cis_eval_containers(&ev);
	cis_eval_operations(&ev);
	if (ev.err)
		return moat_error_set(err, ev.err, "comply: out of memory (arena full)");
	*ret = rep;
	return 0;
}
