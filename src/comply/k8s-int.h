/* SPDX-License-Identifier: Apache-2.0 */
/* k8s-int.h - what the Kubernetes check files share (private to comply/). */
#ifndef MOAT_COMPLY_K8S_INT_H
#define MOAT_COMPLY_K8S_INT_H

#include <jansson.h>
#include <stdarg.h>

#include "base/yaml.h"
#include "k8s.h"

/* One Kubernetes object: a document, or one item of a List document. */
struct k8s_obj {
	json_t *root;
	const char *file;
	unsigned doc;
	const char *source;	 /* Helm template, or NULL */
	const char *prefix;	 /* "" or "items[N]." */
	const char *kind;
	const char *name;
	const char *namespace;	 /* NULL when unset */
	unsigned line;		 /* where the object starts */
	const struct moat_yaml_lines *lines;
};

struct moat_k8s_scan {
	struct moat_arena *arena;
	struct moat_yaml_stream *streams; /* one per file: the trees the objects point into */
	size_t n_streams;
	struct k8s_obj *objs;
	size_t n_objs;
	size_t cap_objs;
	struct moat_k8s_finding *items;
	size_t n_items;
	size_t cap_items;
	size_t scope_count[MOAT_K8S_N_SCOPES];
	int err; /* first -ENOMEM */
};

/* Report check id on o at YAML path (relative to the object; the object's
 * prefix is added) and line (0: the object's line). */
void k8s_report(struct moat_k8s_scan *s, const struct k8s_obj *o, const char *id, unsigned line,
		const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
char *k8s_printf(struct moat_k8s_scan *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Line of member key of obj (0 when absent or unknown). */
unsigned k8s_line(const struct k8s_obj *o, const json_t *obj, const char *key);
unsigned k8s_line_idx(const struct k8s_obj *o, const json_t *arr, size_t idx);
/* Member key of obj when obj is an object, else NULL. */
json_t *k8s_get(const json_t *obj, const char *key);
/* True when member key of obj is JSON true / false. */
bool k8s_true(const json_t *obj, const char *key);
bool k8s_false(const json_t *obj, const char *key);
const char *k8s_str(const json_t *obj, const char *key);

/* The checks of one workload (k8s-pod.c, k8s-container.c), RBAC roles and
 * bindings (k8s-rbac.c), a ServiceAccount. */
void k8s_check_workload(struct moat_k8s_scan *s, const struct k8s_obj *o);
void k8s_check_role(struct moat_k8s_scan *s, const struct k8s_obj *o);
void k8s_check_binding(struct moat_k8s_scan *s, const struct k8s_obj *o);
/* After loading: each binding also reports what its (loaded) role grants. */
void k8s_bind_roles(struct moat_k8s_scan *s);

/* Where a kind keeps its pod spec ("spec.template.spec"), or NULL. */
const char *k8s_pod_path(const char *kind);

#endif
