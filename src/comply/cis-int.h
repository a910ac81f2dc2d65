/* SPDX-License-Identifier: Apache-2.0 */
/* cis-int.h - what the CIS Docker files share (private to comply/). */
#ifndef MOAT_COMPLY_CIS_INT_H
#define MOAT_COMPLY_CIS_INT_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "cis-docker.h"
#include "controls.h"

/* A host path as stat(2) saw it. */
struct cis_file {
	const char *path;
	bool exists;
	bool is_reg, is_dir, is_sock;
	uid_t uid;
	gid_t gid;
	unsigned mode; /* permission bits (07777) */
};

struct cis_ctr {
	const char *name; /* without the leading '/' */
	const char *id;
	json_t *inspect;  /* GET /containers/{id}/json */
	json_t *top;	  /* GET /containers/{id}/top, NULL when not running or unreadable */
	json_t **execs;	  /* GET /exec/{id}/json of each ExecID */
	size_t n_execs;
};

struct cis_img {
	const char *id;
	const char *name; /* first repo tag, else the id */
	json_t *inspect;
	json_t *history;  /* NULL when unreadable */
};

struct moat_cis_facts {
	struct moat_arena *arena;
	time_t now;
	const char *sock_path;	  /* the socket audited */
	json_t *info, *version;	  /* GET /info, /version */
	json_t *networks;	  /* GET /networks */
	struct cis_ctr *ctrs;	  /* running (or all, with all_containers) */
	size_t n_ctrs;
	size_t n_ctrs_all;	  /* every container the engine has */
	size_t n_ctrs_running;
	struct cis_img *imgs;
	size_t n_imgs;
	size_t n_imgs_used;	  /* images some container (running or not) uses */
	const char **used_images; /* ImageID of every container */
	size_t n_used;
	/* the daemon process */
	int pid;		  /* 0 when not found */
	const char *cmdline;	  /* its command line, blanks between words */
	const char *args_source;  /* "process PID", "unit FILE" or NULL */
	json_t *flags;		  /* its flags as daemon.json keys (object, never NULL) */
	const char *config_path;  /* --config-file or /etc/docker/daemon.json */
	json_t *config;		  /* daemon.json, NULL when absent */
	const char *config_error; /* daemon.json unreadable or not JSON */
	json_t *effective;	  /* config with the flags over it */
	/* host */
	const char *service_unit; /* docker.service path, NULL if none */
	const char *socket_unit;  /* docker.socket */
	const char *containerd_sock_unit;
	const char *dockerd_exe;  /* the daemon's binary (/proc/PID/exe), else /usr/bin/dockerd */
	const char **audit_paths; /* watched paths, NULL-ended */
	const char *audit_source; /* "auditctl -l", a file, or NULL (no rules readable) */
	bool docker_group;	  /* the group exists */
	const char *docker_members; /* comma-separated, "" when none */
	const char *trusted_users;  /* from the options, or NULL */
	bool root_on_own_mount;	  /* DockerRootDir (or its parent with userns): own file system */
	const char *root_dir;
	const char *content_trust; /* $DOCKER_CONTENT_TRUST, or NULL */
	bool all_containers;
};

/* Results being built: one slot per check, in catalogue order. */
struct cis_eval {
	const struct moat_cis_facts *f;
	struct moat_arena *arena;
	struct moat_cis_report *rep;
	int err; /* first MOAT_E_LIMIT */
};

/* Set check id's verdict with a printf evidence (may be NULL). */
void cis_set(struct cis_eval *ev, const char *id, enum moat_cis_verdict v, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* stat(2) path into *out (exists false when it cannot be read). */
void cis_stat(const char *path, struct cis_file *out);
/* The effective daemon setting key (flags over daemon.json), or NULL. */
const json_t *cis_setting(const struct moat_cis_facts *f, const char *key);
/* A list of names growing in the arena, for evidence. */
struct cis_names {
	char *text;
	size_t n;
};
void cis_names_add(struct cis_eval *ev, struct cis_names *l, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sections 1-3 (cis-eval-host.c) and 4-6 (cis-eval-ctr.c). */
void cis_eval_host(struct cis_eval *ev);
void cis_eval_daemon(struct cis_eval *ev);
void cis_eval_files(struct cis_eval *ev);
void cis_eval_images(struct cis_eval *ev);
void cis_eval_containers(struct cis_eval *ev);
void cis_eval_operations(struct cis_eval *ev);

#endif
