/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cis-collect.c - gather what the CIS Docker checks decide on: the engine's
 * answers (info, version, containers with their processes and exec
 * sessions, images with their history, networks) and the host: the dockerd
 * process serving the audited socket (its flags), daemon.json, the systemd
 * units, the loaded audit rules, the docker group, the data root's mount.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "cis-int.h"
#include "moat/error.h"
#include "runtime/docker.h"

extern char **environ;

#define DEFAULT_SOCK "/var/run/docker.sock"
#define DEFAULT_CONFIG "/etc/docker/daemon.json"
/* Bounded: containers and images an audit inspects one by one. */
#define MAX_OBJECTS 10000u

/* Run argv, its stdout into out (at most max bytes); 0 when it exited 0. */
static int run_capture(char *const argv[], struct moat_buf *out, size_t max)
{
	posix_spawn_file_actions_t fa;
	int fd[2], status = 0, r;
	pid_t pid;
	char chunk[4096];

	if (pipe2(fd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	r = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (r) {
		close(fd[0]);
		return -r;
	}
	for (;;) {
		ssize_t n = read(fd[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len + (size_t)n <= max)
			moat_buf_append(out, chunk, (size_t)n);
	}
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	moat_buf_putc(out, 0);
	out->len--;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : MOAT_E_RUNTIME;
}

void cis_stat(const char *path, struct cis_file *out)
{
	struct stat st;

	memset(out, 0, sizeof(*out));
	out->path = path;
	if (!path || stat(path, &st) < 0)
		return;
	out->exists = true;
	out->is_reg = S_ISREG(st.st_mode);
	out->is_dir = S_ISDIR(st.st_mode);
	out->is_sock = S_ISSOCK(st.st_mode);
	out->uid = st.st_uid;
	out->gid = st.st_gid;
	out->mode = st.st_mode & 07777;
}

/* A unit file as docker-bench-security's get_service_file finds it. */
static const char *unit_path(struct moat_arena *a, const char *name)
{
	static const char *const dirs[] = {"/etc/systemd/system", "/lib/systemd/system",
					   "/run/systemd/system", "/usr/lib/systemd/system"};
	struct stat st;

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char *p = moat_arena_printf(a, "%s/%s", dirs[i], name);

		if (p && stat(p, &st) == 0)
			return p;
	}
	return NULL;
}

/* The host's socket paths compared through symlinks (/var/run -> /run). */
static bool same_path(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (!strcmp(a, b))
		return true;
	return realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

/* Does a dockerd with these flags serve sock? */
static bool serves(const json_t *flags, const char *sock)
{
	const json_t *hosts = json_object_get(flags, "hosts");
	size_t i;
	json_t *h;

	if (!json_array_size(hosts))
		return same_path(sock, DEFAULT_SOCK);
	json_array_foreach(hosts, i, h) {
		const char *s = json_string_value(h);

		if (!s)
			continue;
		if (!strncmp(s, "unix://", 7) && same_path(s + 7, sock))
			return true;
		if (!strncmp(s, "fd://", 5) && same_path(sock, DEFAULT_SOCK))
			return true;
	}
	return false;
}

/* Read /proc/PID/cmdline into words and flags. */
static int read_cmdline(struct moat_cis_facts *f, int pid, json_t **ret_flags,
			const char **ret_line)
{
	char path[64];
	struct moat_buf b;
	const char **argv;
	size_t argc;
	int r;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	moat_buf_init(&b, MOAT_CIS_FILE_MAX + 1);
	r = moat_read_file(path, MOAT_CIS_FILE_MAX, &b, NULL);
	if (r == 0)
		r = moat_cis_split_cmdline((const char *)b.data, b.len, false, f->arena, &argv,
					   &argc, NULL);
	moat_buf_release(&b);
	if (r < 0)
		return r;
	r = moat_cis_parse_daemon_args(argv, argc, ret_flags, NULL);
	if (r < 0)
		return r;
	{
		size_t len = 0;
		char *line;

		for (size_t i = 0; i < argc; i++)
			len += strlen(argv[i]) + 1;
		line = moat_arena_alloc(f->arena, len + 1);
		if (!line)
			return MOAT_E_LIMIT;
		line[0] = 0;
		for (size_t i = 0, o = 0; i < argc; i++)
			o += (size_t)snprintf(line + o, len + 1 - o, "%s%s", i ? " " : "", argv[i]);
		*ret_line = line;
	}
	return 0;
}

/* The dockerd serving the socket: by its -H flags; else the only one. */
static void find_daemon(struct moat_cis_facts *f)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int only = 0, n = 0;

	while (d && (e = readdir(d))) {
		char path[64], comm[64];
		char *end;
		long lpid = strtol(e->d_name, &end, 10);
		int pid = *end || lpid > INT_MAX ? 0 : (int)lpid;
		json_t *flags = NULL;
		const char *line = NULL;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		if (moat_read_small_file(path, comm, sizeof(comm)) <= 0 ||
		    strcmp(comm, "dockerd\n") != 0)
			continue;
		n++;
		only = pid;
		if (read_cmdline(f, pid, &flags, &line) < 0)
			continue;
		if (serves(flags, f->sock_path) && !f->pid) {
			f->pid = pid;
			json_decref(f->flags);
			f->flags = flags;
			f->cmdline = line;
			continue;
		}
		json_decref(flags);
	}
	if (d)
		closedir(d);
	if (!f->pid && n == 1) {
		json_t *flags = NULL;
		const char *line = NULL;

		if (read_cmdline(f, only, &flags, &line) == 0) {
			f->pid = only;
			json_decref(f->flags);
			f->flags = flags;
			f->cmdline = line;
		}
	}
	if (f->pid) {
		char path[64], exe[PATH_MAX];
		ssize_t len;

		snprintf(path, sizeof(path), "/proc/%d/exe", f->pid);
		len = readlink(path, exe, sizeof(exe) - 1);
		if (len > 0) {
			exe[len] = 0;
			f->dockerd_exe = moat_arena_strdup(f->arena, exe);
		}
		f->args_source = moat_arena_printf(f->arena, "process %d", f->pid);
	}
}

/* No process to read (another mount or PID namespace): the unit's ExecStart. */
static void daemon_from_unit(struct moat_cis_facts *f)
{
	struct moat_buf b;
	const char *exec = NULL;
	const char **argv;
	size_t argc;
	json_t *flags = NULL;

	if (f->pid || !f->service_unit)
		return;
	moat_buf_init(&b, MOAT_CIS_FILE_MAX + 1);
	if (moat_read_file(f->service_unit, MOAT_CIS_FILE_MAX, &b, NULL) == 0 &&
	    moat_cis_unit_value((const char *)b.data, b.len, "Service", "ExecStart", f->arena,
				&exec, NULL) == 0 &&
	    exec &&
	    moat_cis_split_cmdline(exec, strlen(exec), true, f->arena, &argv, &argc, NULL) == 0 &&
	    moat_cis_parse_daemon_args(argv, argc, &flags, NULL) == 0) {
		json_decref(f->flags);
		f->flags = flags;
		f->cmdline = exec;
		f->args_source = moat_arena_printf(f->arena, "unit %s", f->service_unit);
	}
	moat_buf_release(&b);
}

static void read_config(struct moat_cis_facts *f)
{
	const char *path = json_string_value(json_object_get(f->flags, "config-file"));
	struct moat_buf b;
	struct moat_error e = {0};
	int r;

	f->config_path = path && *path ? path : DEFAULT_CONFIG;
	moat_buf_init(&b, MOAT_CIS_FILE_MAX + 1);
	r = moat_read_file(f->config_path, MOAT_CIS_FILE_MAX, &b, &e);
	if (r == 0)
		r = moat_cis_parse_daemon_json((const char *)b.data, b.len, f->config_path,
					       &f->config, &e);
	if (r < 0 && r != -ENOENT)
		f->config_error = moat_arena_strdup(f->arena, e.msg);
	moat_buf_release(&b);
	f->effective = f->config ? json_deep_copy(f->config) : json_object();
	json_object_update(f->effective, f->flags);
}

/* Loaded rules (auditctl -l) when auditctl runs; else the rules files. */
static void read_audit(struct moat_cis_facts *f, const char *file)
{
	static const char *const ctl[] = {"/sbin/auditctl", "/usr/sbin/auditctl"};
	struct moat_buf b;
	size_t n;

	moat_buf_init(&b, MOAT_CIS_FILE_MAX + 1);
	if (file) {
		if (moat_read_file(file, MOAT_CIS_FILE_MAX, &b, NULL) == 0)
			f->audit_source = file;
	}
	for (size_t i = 0; !file && !f->audit_source && i < 2; i++) {
		char prog[32], dash_l[] = "-l";
		char *argv[] = {prog, dash_l, NULL};

		snprintf(prog, sizeof(prog), "%s", ctl[i]);

		if (access(ctl[i], X_OK) == 0 && run_capture(argv, &b, MOAT_CIS_FILE_MAX) == 0)
			f->audit_source = "auditctl -l";
	}
	if (!f->audit_source && !file) {
		DIR *d = opendir("/etc/audit/rules.d");
		struct dirent *e;
		struct moat_buf one;

		moat_buf_init(&one, MOAT_CIS_FILE_MAX + 1);
		if (moat_read_file("/etc/audit/audit.rules", MOAT_CIS_FILE_MAX, &one, NULL) == 0)
			moat_buf_append(&b, one.data, one.len), f->audit_source = "/etc/audit";
		while (d && (e = readdir(d))) {
			char *p = moat_arena_printf(f->arena, "/etc/audit/rules.d/%s", e->d_name);

			if (p && strstr(e->d_name, ".rules") && b.len < MOAT_CIS_FILE_MAX &&
			    moat_read_file(p, MOAT_CIS_FILE_MAX - b.len, &one, NULL) == 0) {
				moat_buf_putc(&b, '\n');
				moat_buf_append(&b, one.data, one.len);
				f->audit_source = "/etc/audit";
			}
		}
		if (d)
			closedir(d);
		moat_buf_release(&one);
	}
	if (moat_cis_audit_paths(b.data ? (const char *)b.data : "", b.len, f->arena,
				 &f->audit_paths, &n, NULL) < 0)
		f->audit_paths = NULL;
	moat_buf_release(&b);
}

static void read_group(struct moat_cis_facts *f)
{
	struct group *g = getgrnam("docker");
	size_t len = 1;
	char *s;

	f->docker_members = "";
	if (!g)
		return;
	f->docker_group = true;
	for (char **m = g->gr_mem; *m; m++)
		len += strlen(*m) + 1;
	s = moat_arena_alloc(f->arena, len);
	if (!s)
		return;
	s[0] = 0;
	for (char **m = g->gr_mem, *o = s; *m; m++)
		o += snprintf(o, len - (size_t)(o - s), "%s%s", m == g->gr_mem ? "" : ",", *m);
	f->docker_members = s;
}

/* A file system of its own: dir's device differs from its parent's. dockerd
 * bind-mounts its data root onto itself, so "is a mount point" says nothing
 * about a partition; the device does. */
static bool own_file_system(const char *dir)
{
	char parent[PATH_MAX];
	struct stat a, b;
	char *slash;

	snprintf(parent, sizeof(parent), "%s", dir);
	slash = strrchr(parent, '/');
	if (!slash)
		return false;
	if (slash == parent)
		slash[1] = 0;
	else
		*slash = 0;
	return stat(dir, &a) == 0 && stat(parent, &b) == 0 && a.st_dev != b.st_dev;
}

static bool has_security_option(const json_t *info, const char *prefix)
{
	const json_t *opts = json_object_get(info, "SecurityOptions");
	size_t i;
	json_t *o;

	json_array_foreach(opts, i, o)
		if (json_string_value(o) && !strncmp(json_string_value(o), prefix, strlen(prefix)))
			return true;
	return false;
}

static void read_root(struct moat_cis_facts *f)
{
	const char *root = moat_json_str(f->info, "DockerRootDir");
	char real[PATH_MAX];
	char *dir;

	if (!root)
		return;
	dir = moat_arena_strdup(f->arena, realpath(root, real) ? real : root);
	if (!dir)
		return;
	/* with user namespaces the root is a subdirectory (DATA-ROOT/UID.GID) */
	if (has_security_option(f->info, "name=userns") && strrchr(dir, '/') &&
	    strrchr(dir, '/') != dir)
		*strrchr(dir, '/') = 0;
	f->root_dir = dir;
	f->root_on_own_mount = own_file_system(dir);
}

static int fail_oom(struct moat_error *err)
{
	return moat_error_set(err, MOAT_E_LIMIT, "comply: out of memory (arena full)");
}

static int read_containers(struct moat_docker *docker, struct moat_cis_facts *f,
			   struct moat_error *err)
{
	json_t *list = NULL;
	size_t i;
	json_t *c;
	int r = moat_docker_container_list_all(docker, true, &list, err);

	if (r < 0)
		return r;
	f->n_ctrs_all = json_array_size(list);
	f->ctrs = moat_arena_calloc(f->arena, f->n_ctrs_all + 1, sizeof(*f->ctrs));
	f->used_images = moat_arena_calloc(f->arena, f->n_ctrs_all + 1, sizeof(char *));
	if (!f->ctrs || !f->used_images || f->n_ctrs_all > MAX_OBJECTS) {
		json_decref(list);
		return f->ctrs ? moat_error_set(err, MOAT_E_LIMIT, "comply: more than %u containers",
						MAX_OBJECTS)
			       : fail_oom(err);
	}
	json_array_foreach(list, i, c) {
		const char *id = moat_json_str(c, "Id");
		bool running = !strcmp(moat_json_str(c, "State") ? moat_json_str(c, "State") : "",
				       "running");
		struct cis_ctr *x;
		json_t *execs;
		size_t k;
		json_t *ex;

		f->n_ctrs_running += running;
		if (moat_json_str(c, "ImageID") && f->n_used < f->n_ctrs_all)
			f->used_images[f->n_used++] = moat_arena_strdup(f->arena,
									moat_json_str(c, "ImageID"));
		if (!id || (!running && !f->all_containers))
			continue;
		x = &f->ctrs[f->n_ctrs];
		r = moat_docker_container_inspect(docker, id, &x->inspect, err);
		if (r == MOAT_E_NOTFOUND)
			continue; /* removed since the list */
		if (r < 0)
			break;
		f->n_ctrs++;
		x->id = moat_arena_strdup(f->arena, id);
		x->name = moat_json_str(x->inspect, "Name");
		x->name = moat_arena_strdup(f->arena, x->name ? x->name + (*x->name == '/') : id);
		if (running && moat_docker_container_top(docker, id, &x->top, NULL) < 0)
			x->top = NULL;
		execs = json_object_get(x->inspect, "ExecIDs");
		x->execs = moat_arena_calloc(f->arena, json_array_size(execs) + 1, sizeof(json_t *));
		json_array_foreach(execs, k, ex) {
			if (x->execs && json_string_value(ex) &&
			    moat_docker_exec_inspect(docker, json_string_value(ex),
						     &x->execs[x->n_execs], NULL) == 0)
				x->n_execs++;
		}
	}
	json_decref(list);
	return r == MOAT_E_NOTFOUND ? 0 : r < 0 ? r : 0;
}

static int read_images(struct moat_docker *docker, struct moat_cis_facts *f,
		       struct moat_error *err)
{
	json_t *list = NULL;
	size_t i;
	json_t *img;
	int r = moat_docker_image_list(docker, &list, err);

	if (r < 0)
		return r;
	f->imgs = moat_arena_calloc(f->arena, json_array_size(list) + 1, sizeof(*f->imgs));
	if (!f->imgs || json_array_size(list) > MAX_OBJECTS) {
		json_decref(list);
		return f->imgs ? moat_error_set(err, MOAT_E_LIMIT, "comply: more than %u images",
						MAX_OBJECTS)
			       : fail_oom(err);
	}
	json_array_foreach(list, i, img) {
		const char *id = moat_json_str(img, "Id");
		const char *tag = json_string_value(json_array_get(json_object_get(img, "RepoTags"), 0));
		struct cis_img *x = &f->imgs[f->n_imgs];

		if (!id)
			continue;
		r = moat_docker_image_inspect(docker, id, &x->inspect, err);
		if (r == MOAT_E_NOTFOUND)
			continue;
		if (r < 0)
			break;
		f->n_imgs++;
		x->id = moat_arena_strdup(f->arena, id);
		x->name = moat_arena_strdup(f->arena, tag && strcmp(tag, "<none>:<none>") != 0 ? tag : id);
		if (moat_docker_image_history(docker, id, &x->history, NULL) < 0)
			x->history = NULL;
		for (size_t k = 0; k < f->n_used; k++) {
			if (f->used_images[k] && !strcmp(f->used_images[k], id)) {
				f->n_imgs_used++;
				break;
			}
		}
	}
	json_decref(list);
	return r == MOAT_E_NOTFOUND ? 0 : r < 0 ? r : 0;
}

int moat_cis_collect(struct moat_docker *docker, const struct moat_cis_opts *opts,
		     struct moat_arena *arena, struct moat_cis_facts **ret_facts,
		     struct moat_error *err)
{
	struct moat_cis_facts *f = moat_arena_zalloc(arena, sizeof(*f));
	int r;

	if (!f)
		return fail_oom(err);
	f->arena = arena;
	f->now = time(NULL);
	f->sock_path = moat_docker_sock_path(docker);
	f->all_containers = opts && opts->all_containers;
	f->trusted_users = opts ? opts->trusted_users : NULL;
	f->content_trust = getenv("DOCKER_CONTENT_TRUST");
	f->flags = json_object();
	r = moat_docker_info(docker, &f->info, err);
	if (r == 0)
		r = moat_docker_version(docker, &f->version, err);
	if (r == 0)
		r = moat_docker_network_list(docker, &f->networks, err);
	if (r == 0)
		r = read_containers(docker, f, err);
	if (r == 0)
		r = read_images(docker, f, err);
	if (r < 0) {
		moat_cis_facts_free(f);
		return r;
	}
	f->service_unit = unit_path(arena, "docker.service");
	f->socket_unit = unit_path(arena, "docker.socket");
	f->containerd_sock_unit = unit_path(arena, "containerd.sock");
	find_daemon(f);
	daemon_from_unit(f);
	read_config(f);
	if (!f->dockerd_exe)
		f->dockerd_exe = "/usr/bin/dockerd";
	read_audit(f, opts ? opts->audit_rules : NULL);
	read_group(f);
	read_root(f);
	*ret_facts = f;
	return 0;
}

void moat_cis_facts_free(struct moat_cis_facts *f)
{
	if (!f)
		return;
	json_decref(f->info);
	json_decref(f->version);
	json_decref(f->networks);
	json_decref(f->flags);
	json_decref(f->config);
	json_decref(f->effective);
	for (size_t i = 0; i < f->n_ctrs; i++) {
		json_decref(f->ctrs[i].inspect);
		json_decref(f->ctrs[i].top);
		for (size_t k = 0; k < f->ctrs[i].n_execs; k++)
			json_decref(f->ctrs[i].execs[k]);
	}
	for (size_t i = 0; i < f->n_imgs; i++) {
		json_decref(f->imgs[i].inspect);
		json_decref(f->imgs[i].history);
	}
	f->n_ctrs = f->n_imgs = 0;
	f->info = f->version = f->networks = f->flags = f->config = f->effective = NULL;
}

const json_t *cis_setting(const struct moat_cis_facts *f, const char *key)
{
	return json_object_get(f->effective, key);
}
