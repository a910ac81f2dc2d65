/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cpolicy.h - the console's baseline and firewall policies as a defender
 * applies them, and the scope every defender policy has (docs/console.md,
 * "Policy pull"; runtime policies are rules-policy.h's, with this scope).
 *
 *   scope     {"images":[PAT...], "namespaces":[GLOB...], "labels":["KEY" | "KEY=GLOB"...]}
 *             each list given must match (one of its items); none given: every container
 *   baseline  {"images":[PAT...], "mode":"learn|alert|enforce", "learn_minutes":N, "scope"}
 *   firewall  {"allow":[FLOW...], "deny":[FLOW...], "default":"allow|deny", "scope"}
 *             FLOW {"from":"*|IMAGE|image:IMAGE", "to":"*|image:X|cidr:A/B|dns:NAME",
 *                   "port":0-65535, "proto":"tcp|udp|any"}
 *
 * An image pattern is a reference glob (`shop/web*`, `nginx` for nginx:latest)
 * or an image id / digest (sha256:HEX, or 12+ hex digits of it). A policy
 * whose mode is "alert" is a dry run: a baseline's enforce becomes alert,
 * a firewall's denials only alert. Everything is bounded (MOAT_CPOL_*); a
 * policy that breaks a rule is MOAT_E_FORMAT naming it and nothing is taken.
 */
#ifndef MOAT_DEFEND_CPOLICY_H
#define MOAT_DEFEND_CPOLICY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "defend/netrules.h"
#include "defend/state.h"

struct moat_error;

#define MOAT_CPOL_MAX 64u              /* baseline and firewall policies taken */
#define MOAT_CPOL_PATTERNS 256u        /* items of one list (images, namespaces, labels) */
#define MOAT_CPOL_FLOWS 1024u          /* allow + deny flows of one firewall policy */
#define MOAT_CPOL_NAME 64u             /* policy names are cut to this in alerts */

/* What a scope is matched against: one container. */
struct moat_scope_target {
	const char *image_id;          /* "sha256:..." or NULL */
	const char *image_ref;         /* as it was run, or NULL */
	const char *k8s_ns;            /* io.kubernetes.pod.namespace, or NULL */
	const char *labels;            /* "KEY=VALUE\n" lines, or NULL */
};

struct moat_scope {
	char **images, **namespaces, **labels;
	size_t n_images, n_namespaces, n_labels;
};

enum moat_cpol_kind {
	MOAT_CPOL_BASELINE,
	MOAT_CPOL_FIREWALL,
};

struct moat_cpol {
	enum moat_cpol_kind kind;
	char name[MOAT_CPOL_NAME];
	bool block;                    /* policy mode block; alert: a dry run */
	struct moat_scope scope;
	/* baseline */
	char **images;                 /* none: every image in scope */
	size_t n_images;
	enum moat_state_mode mode;     /* as it applies (a dry run's enforce is alert) */
	uint64_t learn_sec;            /* 0: none */
	/* firewall: allow and deny flows, in the rules file's form (id: "console:NAME") */
	struct moat_net_entry *flows;
	size_t n_flows;
	bool default_deny;
};

struct moat_cpolicy;

/* Called by moat_cpolicy_foreach for one enabled policy: pol is its object,
 * idx its place in the list (for errors). A negative return stops the walk. */
typedef int (*moat_cpolicy_fn)(const json_t *pol, const char *kind, size_t idx, void *ctx,
			       struct moat_error *err);
/* Each enabled policy of the console's list whose kind is in kinds (NULL
 * ended), in order. A list that is not one, or an entry with no kind, fails
 * the whole set: the caller keeps the last good one. */
int moat_cpolicy_foreach(const json_t *policies, const char *const *kinds, moat_cpolicy_fn fn,
			 void *ctx, struct moat_error *err);

/* The enabled baseline and firewall policies of the console's list. */
int moat_cpolicy_parse(const json_t *policies, struct moat_cpolicy **ret, struct moat_error *err);
void moat_cpolicy_free(struct moat_cpolicy *cp);
size_t moat_cpolicy_count(const struct moat_cpolicy *cp);
const struct moat_cpol *moat_cpolicy_get(const struct moat_cpolicy *cp, size_t i);

/* A scope from JSON (NULL or {} = every container); where names the policy
 * in errors. moat_scope_release frees what it holds. */
int moat_scope_parse(const json_t *v, const char *where, struct moat_scope *ret,
		     struct moat_error *err);
void moat_scope_release(struct moat_scope *s);
bool moat_scope_matches(const struct moat_scope *s, const struct moat_scope_target *t);
/* An image pattern (see above) against an image. */
bool moat_cpol_image_matches(const char *pattern, const char *image_id, const char *image_ref);

/* The baseline mode the console sets for a container: 1 and *ret_mode,
 * *ret_learn_sec, *ret_name (the strictest of the policies that apply:
 * enforce over alert over learn), else 0. cp NULL: 0. */
int moat_cpolicy_baseline(const struct moat_cpolicy *cp, const struct moat_scope_target *t,
			  enum moat_state_mode *ret_mode, uint64_t *ret_learn_sec,
			  const char **ret_name);
/* A baseline policy's mode for an image whose model began learning at
 * start (0: not yet), now: learn_sec is a learning window before the mode
 * applies, and learn after it means alert. */
enum moat_state_mode moat_cpolicy_window(enum moat_state_mode mode, uint64_t learn_sec,
					 uint64_t start, uint64_t now);
/* The firewall policies that apply to a container, as bits of their index. */
uint64_t moat_cpolicy_firewall(const struct moat_cpolicy *cp, const struct moat_scope_target *t);

#endif
