/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-vuln.h - the vulnerability half of `moat scan`: DB, matching, base
 * image, risk, filters, suppressions and the CI gate.
 */
#ifndef MOAT_CLI_SCAN_VULN_H
#define MOAT_CLI_SCAN_VULN_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "report/report.h"
#include "vuln/match.h"
#include "vuln/owner.h"

struct moat_catalog_ctx;
struct moat_error;
struct moat_vulndb;

struct vuln_args {
	const char *db_path;            /* --db; NULL = the default DB if present */
	bool no_vuln;                   /* --no-vuln */
	const char *base_image;         /* --base-image TARGET */
	const char *context;            /* --context FILE (risk environment) */
	const char *ignore_file;        /* --ignore-file FILE */
	const char *vex[8];             /* --vex FILE (OpenVEX or CycloneDX VEX), repeatable */
	size_t n_vex;
	const char *policy;             /* --policy FILE */
	unsigned fail_on;               /* bit per severity rank (+1), 0 = no gate */
	bool fail_on_fixable;
	int fail_on_risk;               /* fail when a finding's risk >= this; <0 = off */
	unsigned severity_mask;         /* --severity: shown severities; 0 = all */
	bool ignore_unfixed;
	bool no_os, no_lang;            /* --pkg-types */
	bool lang_declared;             /* --lang-declared: match declared packages too */
	long max_db_age_days;           /* warn when older; default 7 */
	const char *gate_rule;          /* what the user asked for, for the summary */
	char gate_rule_buf[256];
	json_t *policy_doc;             /* the policy's ignore list, or NULL */
};

struct vuln_state {
	struct moat_vulndb *db;
	struct moat_base_index *index;
	struct moat_vuln_list list;
	struct moat_base base;
	struct moat_gate gate;
	size_t n_suppressed;
	bool used;                      /* a DB was opened and matched */
	json_t *policy_doc_owner;       /* released with the state */
};

/* Long options for getopt_long, codes from 0x200. */
extern const struct option scan_vuln_options[];
extern const size_t scan_vuln_n_options;
void scan_vuln_usage(FILE *out);
void scan_vuln_args_init(struct vuln_args *va);
/* Handle one option code; 1 = handled, 0 = not ours, <0 = bad value (printed). */
int scan_vuln_option(int code, const char *arg, struct vuln_args *va);

/* Before the image is read: load the policy and open the DB, verified.
 * Fails (naming the DB) when a gate is asked for and there is no usable DB,
 * so a gate never passes unevaluated. */
int scan_vulns_open(struct vuln_args *va, struct vuln_state *st, struct moat_error *err);
/* The policy file's secrets.allow as detect allow entries: *ret (malloc'd)
 * points into *ret_owner (the policy's list); both go with
 * scan_secret_allow_free() once moat_detect_open() has copied them. No
 * policy or no list: *ret NULL, 0. */
struct moat_detect_allow;
int scan_secret_allow(const char *policy, struct moat_detect_allow **ret, size_t *ret_n,
		      json_t **ret_owner, struct moat_error *err);
void scan_secret_allow_free(struct moat_detect_allow *a, size_t n, json_t *owner);
/* Match, attribute, score, filter, gate (after scan_vulns_open()); with no DB
 * open, nothing. Fills res->vulns etc. */
int scan_vulns(struct vuln_args *va, const struct moat_image_opts *base_opts,
	       struct moat_catalog_ctx *cat, struct vuln_state *st,
	       struct moat_scan_result *res, struct moat_error *err);
void scan_vulns_release(struct vuln_state *st);
/* The base image of cat's image (st->base), for owners of content findings
 * when vulnerability matching did not find it already. */
int scan_vulns_find_base(struct vuln_args *va, const struct moat_image_opts *base_opts,
			 struct moat_catalog_ctx *cat, struct vuln_state *st,
			 struct moat_error *err);

#endif
