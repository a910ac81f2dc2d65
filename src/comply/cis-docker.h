/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cis-docker.h - the CIS Docker Benchmark 1.6 checks of `moat comply docker`:
 * host configuration, daemon configuration, daemon files, images, container
 * runtime and operations (sections 1-6), with the benchmark's own ids
 * ("2.2", "5.4") as docker-bench-security numbers them.
 *
 * Two steps: moat_cis_collect() reads the live engine (through
 * runtime/docker.h) and the host (the dockerd process and its flags,
 * daemon.json, systemd units, audit rules, file modes, the docker group,
 * mounts) into a facts object; moat_cis_evaluate() turns facts into one
 * result per check. Every string lives in the caller's arena. Each check
 * maps to controls of NIST SP 800-190, PCI DSS 4.0, HIPAA and GDPR through
 * its themes (controls.h). docs/comply.md describes every check.
 */
#ifndef MOAT_COMPLY_CIS_DOCKER_H
#define MOAT_COMPLY_CIS_DOCKER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct moat_arena;
struct moat_docker;
struct moat_error;
struct moat_cis_facts;

enum moat_cis_verdict {
	MOAT_CIS_PASS = 0,
	MOAT_CIS_WARN = 1, /* the recommendation is not met */
	MOAT_CIS_INFO = 2, /* not applicable, or facts shown for a manual review */
	MOAT_CIS_NOTE = 3, /* manual: nothing moat can read decides it */
};

/* One check of the benchmark: static data. */
struct moat_cis_check {
	const char *id;		 /* "5.4" */
	const char *title;	 /* the benchmark's wording */
	unsigned level;		 /* CIS profile: 1 or 2 */
	bool automated;		 /* the benchmark's "(Automated)" */
	const char *remediation; /* what to change */
	unsigned themes;	 /* MOAT_T_* bits: which controls it serves (controls.h) */
};

struct moat_cis_result {
	const struct moat_cis_check *check;
	enum moat_cis_verdict verdict;
	const char *evidence; /* what was seen: values, files, container names; arena */
};

struct moat_cis_report {
	struct moat_cis_result *items; /* catalogue order */
	size_t count;
};

struct moat_cis_opts {
	const char *sock_path;	  /* engine socket; NULL = the client's default */
	bool all_containers;	  /* also stopped containers (default: running only) */
	const char *trusted_users; /* 1.1.2: comma-separated trusted docker group members */
	const char *audit_rules;  /* read audit rules from this file instead of auditctl -l */
};

/* Every check, in benchmark order; *ret_n set. */
const struct moat_cis_check *moat_cis_checks(size_t *ret_n);
const struct moat_cis_check *moat_cis_check_find(const char *id);
const char *moat_cis_verdict_name(enum moat_cis_verdict v);

/* Read the engine behind docker and the host it runs on. Engine errors
 * (the daemon does not answer, a bad answer) fail; host files that are
 * missing or unreadable are facts, not errors. */
int moat_cis_collect(struct moat_docker *docker, const struct moat_cis_opts *opts,
		     struct moat_arena *arena, struct moat_cis_facts **ret_facts,
		     struct moat_error *err);
/* Release the JSON the facts hold (the rest is in the arena). NULL is a no-op. */
void moat_cis_facts_free(struct moat_cis_facts *facts);
/* One result per check. 0 or MOAT_E_LIMIT (arena full). */
int moat_cis_evaluate(const struct moat_cis_facts *facts, struct moat_arena *arena,
		      struct moat_cis_report *ret, struct moat_error *err);

/* Parsers (cis-parse.c), on untrusted bytes, bounded. */

/* Max bytes of daemon.json, a unit file or an audit rules text. */
#define MOAT_CIS_FILE_MAX (1u << 20)
/* Max daemon command-line words. */
#define MOAT_CIS_ARGS_MAX 4096u

/* daemon.json: a JSON object (else MOAT_E_FORMAT naming origin). */
int moat_cis_parse_daemon_json(const char *data, size_t len, const char *origin,
			       json_t **ret_obj, struct moat_error *err);
/* dockerd's argv (argv[0] included) as daemon.json keys: "--icc=false" ->
 * "icc": false, "-H x" -> "hosts": ["x"], "--default-ulimit nofile=1:2" ->
 * "default-ulimits": {"nofile": "1:2"}. Unknown flags keep their name. */
int moat_cis_parse_daemon_args(const char *const *argv, size_t argc, json_t **ret_obj,
			       struct moat_error *err);
/* A NUL-separated /proc/PID/cmdline (or an ExecStart line split on blanks
 * when split_blanks) into words; arena strings. */
int moat_cis_split_cmdline(const char *data, size_t len, bool split_blanks,
			   struct moat_arena *arena, const char ***ret_argv, size_t *ret_argc,
			   struct moat_error *err);
/* A systemd unit file: the value of key in [section] (the last assignment;
 * an empty assignment resets, as systemd reads ExecStart=), with
 * backslash-continued lines joined. NULL when absent; arena string.
 * MOAT_E_FORMAT for a line that is no section, comment or KEY=VALUE. */
int moat_cis_unit_value(const char *data, size_t len, const char *section, const char *key,
			struct moat_arena *arena, const char **ret_value, struct moat_error *err);
/* Audit rules (auditctl -l output or a rules file): the paths watched, from
 * "-w PATH" and "-F path=PATH" / "-F dir=PATH" of "-a" rules; comments and
 * other lines skipped. NULL-ended arena array. */
int moat_cis_audit_paths(const char *data, size_t len, struct moat_arena *arena,
			 const char ***ret_paths, size_t *ret_n, struct moat_error *err);

#endif
