/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-int.h - private layout of a loaded policy and the rule table that
 * policy.c (loading) and policy-eval.c (deciding) share.
 */
#ifndef MOAT_POLICY_INT_H
#define MOAT_POLICY_INT_H

#include "base/digest.h"
#include "policy.h"

/* A list of strings parsed from the file (owned by the policy). */
struct policy_strs {
	char **items;
	size_t n;
};

/* One rule as configured. */
struct policy_rule {
	enum moat_policy_action action;
	struct policy_strs list;        /* host_path: prefixes; cap_add: allowed caps */
	struct policy_strs registries;  /* trusted_images only */
	struct policy_strs repos;       /* trusted_images only, globs over REGISTRY/REPO */
	struct policy_strs digests;     /* trusted_images only */
};

struct policy_ctx;

enum policy_scope {
	POLICY_SCOPE_WORKLOAD,          /* once per workload (host namespaces) */
	POLICY_SCOPE_CONTAINER,         /* once per container */
	POLICY_SCOPE_IMAGE,             /* once per container, needs the image verdict */
};

/* A rule kind: id, default action in the built-in policy, which extra keys
 * its object form accepts, and the check. Plain boolean settings use the
 * shared hit_flag with the flag's offset and message. hit() writes what it found into
 * msg (NUL-terminated) and returns true on a finding. */
struct policy_rule_def {
	const char *id;
	enum moat_policy_action builtin;
	enum policy_scope scope;
	const char *list_key;           /* name of the rule's list parameter, or NULL */
	bool (*hit)(const struct policy_ctx *cx, const struct policy_rule *rule, char *msg,
		    size_t len);
	size_t flag_off;                /* hit_flag rules: offset of a bool in the workload/container */
	const char *flag_msg;           /* hit_flag rules: what the flag means */
};

extern const struct policy_rule_def policy_rule_defs[];
extern const size_t policy_n_rule_defs;

struct moat_policy {
	char *origin;                   /* file name or "built-in default" */
	json_t *doc;                    /* the document (ignore list lives here) */
	char hash[MOAT_DIGEST_STR_MAX];
	struct moat_policy_vuln vuln;
	bool fail_open;
	enum moat_policy_scan_mode scan_mode;
	unsigned scan_timeout;
	/* scope: empty = everything */
	struct policy_strs namespaces;
	struct policy_strs exclude_namespaces;
	struct policy_strs images;      /* scope.images: reference globs (policy_image_match) */
	json_t *match_labels;           /* object or NULL */
	struct policy_rule *rules;      /* parallel to policy_rule_defs */
	json_t *comply;                 /* {BENCH: {"default": ACTION, "checks": {ID: ACTION}}},
	                                 * actions as integers; NULL when the file has none */
};

/* off/disabled/false, alert/warn, block/deny; -EINVAL for anything else. */
int policy_parse_action(const json_t *v, enum moat_policy_action *ret);
/* The comply: section (policy-comply.c). */
int policy_load_comply(struct moat_policy *p, json_t *v, struct moat_error *err);

/* Evaluation state the checks see. */
struct policy_ctx {
	const struct moat_policy *policy;
	const struct moat_workload *w;
	const struct moat_container *c;         /* NULL for workload rules */
	const struct moat_image_verdict *verdict; /* image rules only */
};

/* Engine sockets whose mount hands over the host (path prefixes). */
extern const char *const policy_engine_sockets[];
/* Host paths the host_path rule watches when it names none. */
extern const char *const policy_default_host_prefixes[];

/* True when path is prefix or below it, by whole components. */
bool policy_path_under(const char *path, const char *prefix);
bool policy_strs_has(const struct policy_strs *s, const char *v);
/* True when image (as written) matches one of the globs, read against the
 * reference as written and as Docker normalises it (REGISTRY/REPO:TAG,
 * REGISTRY/REPO@DIGEST, REGISTRY/REPO). */
bool policy_image_match(const struct policy_strs *globs, const char *image);

#endif
