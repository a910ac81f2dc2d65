/* SPDX-License-Identifier: Apache-2.0 */
/*
 * misconfig.h - Dockerfile and image misconfiguration checks and findings.
 *
 * One check catalogue (ids MOAT-DF-NNN for Dockerfile instructions,
 * MOAT-IMG-NNN for what only an image shows) serves four inputs:
 *   - a parsed Dockerfile (moat config),
 *   - an image config and its history (history created_by lines are
 *     Dockerfile instructions, so they go through the same checks),
 *   - one file of the image's merged filesystem,
 *   - the image's package list.
 * Findings are appended to a list in the caller's arena; every string in a
 * finding lives there too. docs/config-checks.md describes every check.
 */
#ifndef MOAT_COMPLY_MISCONFIG_H
#define MOAT_COMPLY_MISCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_arena;
struct moat_dockerfile;
struct moat_error;
struct moat_fs;
struct moat_fs_stat;
struct moat_image_meta;
struct moat_pkg_list;

/* One check: static data, never freed. */
struct moat_check_info {
	const char *id;	      /* "MOAT-DF-001" */
	const char *severity; /* "low", "medium", "high", "critical" */
	const char *title;
	const char *remediation;
	const char
		*references[4]; /* "hadolint:DL3007", "trivy:DS001", "cis-docker:4.1"; NULL-ended */
};

struct moat_misconfig {
	const struct moat_check_info *check;
	const char *message; /* this occurrence, with the offending text */
	const char *file;    /* Dockerfile path; NULL for image findings */
	unsigned line;	     /* 1-based; 0 = not tied to a line */
	const char *source;  /* NULL (a Dockerfile), "config", "history", "file", "package" */
	const char *path;    /* file in the image (source "file"/"package"), else NULL */
	int layer_index;     /* layer of the image, -1 unknown or not applicable */
	unsigned doc;	     /* Kubernetes manifest: document index + 1; 0 = not one */
	const char *object;  /* Kubernetes manifest: "Kind/name", else NULL */
};

struct moat_misconfig_list {
	struct moat_misconfig *items;
	size_t count;
	size_t cap;
	const char *last_cache; /* cache directory reported last (one finding per directory) */
};

/* Every check, in id order. */
const struct moat_check_info *moat_checks(size_t *ret_n);
/* The check with this id, or NULL. */
const struct moat_check_info *moat_check_find(const char *id);

/* True when list (ids separated by commas or blanks; NULL = empty) names the
 * check by its id or by a hadolint rule it references (DL3008). */
bool moat_check_listed(const struct moat_check_info *c, const char *list);

/* Run every Dockerfile check on df; findings name df->path. 0 or MOAT_E_LIMIT. */
int moat_misconfig_dockerfile(const struct moat_dockerfile *df, struct moat_arena *arena,
			      struct moat_misconfig_list *out, struct moat_error *err);

/* The image's config and history: the user it runs as, exposed ports,
 * healthcheck, environment, base tag (org.opencontainers.image.base.name),
 * and every history created_by run through the instruction checks (source
 * "history", line = history index + 1). 0 or MOAT_E_LIMIT. */
int moat_misconfig_image_config(const struct moat_image_meta *meta, struct moat_arena *arena,
				struct moat_misconfig_list *out, struct moat_error *err);

/* One file of the merged view (path without a leading '/'). base_layers is
 * the number of bottom layers that belong to the base image: setuid/setgid
 * binaries are only reported in later (application) layers; 0 = unknown:
 * the bottom layer is taken as the base (a base's own setuid programs --
 * su, passwd, mount -- are not news). */
int moat_misconfig_image_file(const char *path, const struct moat_fs_stat *st, unsigned base_layers,
			      struct moat_arena *arena, struct moat_misconfig_list *out,
			      struct moat_error *err);

/* The package inventory: an SSH server or sudo installed. */
int moat_misconfig_image_packages(const struct moat_pkg_list *pkgs, struct moat_arena *arena,
				  struct moat_misconfig_list *out, struct moat_error *err);

/* All three image steps: meta (may be NULL; a dir: target's synthetic
 * config is skipped), every entry of the merged
 * view fs (may be NULL), pkgs (may be NULL). `moat config --image` and the
 * misconfig content scanner (src/detect/misconfig-scan.c) both run this. */
int moat_misconfig_image(const struct moat_image_meta *meta, struct moat_fs *fs,
			 const struct moat_pkg_list *pkgs, unsigned base_layers,
			 struct moat_arena *arena, struct moat_misconfig_list *out,
			 struct moat_error *err);

/* The credential-shape oracle of the ENV/ARG/LABEL value checks: one list
 * of credential shapes, the secret scanner's (src/detect: moat_secret_shape;
 * comply sits below detect, so the caller sets it: `moat config` and the
 * misconfig content scanner do, before any check runs). Returns the
 * credential's name or NULL. Unset: values are not checked for shapes, only
 * variable names are. */
typedef const char *(*moat_credential_shape_fn)(const char *value);
void moat_misconfig_set_credential_shape(moat_credential_shape_fn fn);

/* Sort by file, line, id (stable output). */
void moat_misconfig_sort(struct moat_misconfig_list *list);

#endif
