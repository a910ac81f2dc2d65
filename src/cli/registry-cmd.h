/* SPDX-License-Identifier: Apache-2.0 */
/*
 * registry-cmd.h - what `moat registry scan` and `moat registry listen`
 * share (registry.c, registry-listen.c): the options, the scan cache and
 * the job runner.
 *
 * Each image is scanned by a child `moat scan -f json -o REPORT` run on
 * registry://HOST/REPO@DIGEST, so a registry scan reads and reports exactly
 * what `moat scan` does, and one hostile image cannot take the others down.
 * At most `jobs` children run at once. The cache holds one entry per
 * manifest digest with the DB checksum it was scanned against: a digest is
 * scanned again only when the DB changed.
 */
#ifndef MOAT_CLI_REGISTRY_CMD_H
#define MOAT_CLI_REGISTRY_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "registry/registry.h"

#define REG_MAX_JOBS 64
#define REG_MAX_PASS 24                 /* options handed on to each `moat scan` */

struct reg_args {
	const char *host;               /* registry HOST[:PORT] */
	const char *repos;              /* glob over repository names, "*" */
	const char *tags;               /* glob over tags, "*" */
	long long since_sec;            /* only images created in the last N s; 0 = all */
	const char *cache_dir;
	const char *listen;             /* listen: ADDR:PORT */
	unsigned jobs;
	size_t max_images;
	const char *db_path;            /* --db, for the cache key too */
	bool no_vuln;
	struct moat_registry_opts reg;
	const char *insecure[17];
	const char *platform;
	const char *console;            /* --console URL: upload each report (POST /api/v1/scans) */
	const char *token;              /* --token T or $MOAT_CONSOLE_TOKEN */
	const char *console_cacert;
	const char *pass[REG_MAX_PASS + 1];     /* argv tail for `moat scan` */
	size_t npass;
	char db_key[80];                /* "sha256:..." of the DB, or "none" */
	char cache_buf[4096];
};

struct reg_job {
	pid_t pid;
	char repo[MOAT_REGISTRY_MAX_REPO];
	char digest[MOAT_DIGEST_STR_MAX];
	char tags[512];                 /* JSON array text: ["1","latest"] */
	char report[4200];
	char errlog[4200];
};

struct reg_runner {
	struct reg_args *args;
	struct reg_job jobs[REG_MAX_JOBS];
	unsigned running;
	unsigned scanned;
	unsigned failed;
};

/* True when the cache has digest, scanned against the current DB. */
bool reg_cache_fresh(const struct reg_args *a, const char *digest);
/* Start a scan of repo@digest, waiting for a free slot first. tags_json is
 * a JSON array of the tags that point at it (for the output line). */
int reg_run_start(struct reg_runner *rr, const char *repo, const char *digest,
		  const char *tags_json);
/* Wait for one (block) or every running scan; print their JSON lines. */
void reg_run_wait(struct reg_runner *rr, bool all);
/* Collect finished scans without waiting. */
void reg_run_reap(struct reg_runner *rr);
/* Finish the options after parsing: cache dir, DB key. 0 or exit code. */
int reg_args_finish(struct reg_args *a, const char *cmd);

int reg_cmd_listen(int argc, char **argv);
/* Parse the options both subcommands take; 1 = --help printed. */
int reg_parse(int argc, char **argv, struct reg_args *a, bool listen);

#endif
