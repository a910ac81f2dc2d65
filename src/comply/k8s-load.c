/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-load.c - manifests into objects: every document of a file, the items
 * of List documents, the Helm template each document came from; the finding
 * list and its conversion to `moat config` findings.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "k8s-int.h"
#include "misconfig-int.h"
#include "moat/error.h"

int moat_k8s_open(struct moat_k8s_scan **ret, struct moat_error *err)
{
	struct moat_k8s_scan *s = calloc(1, sizeof(*s));

	if (s)
		s->arena = moat_arena_open(0);
	if (!s || !s->arena) {
		free(s);
		return moat_error_set(err, -ENOMEM, "kubernetes: out of memory");
	}
	*ret = s;
	return 0;
}

void moat_k8s_close(struct moat_k8s_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_streams; i++)
		moat_yaml_stream_release(&s->streams[i]);
	free(s->streams);
	free(s->objs);
	free(s->items);
	moat_arena_close(s->arena);
	free(s);
}

char *k8s_printf(struct moat_k8s_scan *s, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	p = n >= 0 ? moat_arena_alloc(s->arena, (size_t)n + 1) : NULL;
	if (!p) {
		s->err = -ENOMEM;
		return NULL;
	}
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void k8s_report(struct moat_k8s_scan *s, const struct k8s_obj *o, const char *id, unsigned line,
		const char *path, const char *fmt, ...)
{
	const struct moat_k8s_check *c = moat_k8s_check_find(id);
	struct moat_k8s_finding *f;
	va_list ap;
	char *msg;
	int n;

	if (!c || s->err)
		return;
	if (s->n_items == s->cap_items) {
		size_t cap = s->cap_items ? s->cap_items * 2 : 64;
		void *p = realloc(s->items, cap * sizeof(*s->items));

		if (!p) {
			s->err = -ENOMEM;
			return;
		}
		s->items = p;
		s->cap_items = cap;
	}
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	msg = n >= 0 ? moat_arena_alloc(s->arena, (size_t)n + 1) : NULL;
	if (!msg) {
		s->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, (size_t)n + 1, fmt, ap);
	va_end(ap);
	f = &s->items[s->n_items];
	*f = (struct moat_k8s_finding){.check = c, .file = o->file, .doc = o->doc,
				       .source = o->source, .kind = o->kind, .name = o->name,
				       .namespace = o->namespace, .line = line ? line : o->line,
				       .message = msg};
	f->path = k8s_printf(s, "%s%s", o->prefix, path);
	if (f->path)
		s->n_items++;
}

json_t *k8s_get(const json_t *obj, const char *key)
{
	return json_is_object(obj) ? json_object_get(obj, key) : NULL;
}

bool k8s_true(const json_t *obj, const char *key)
{
	return json_is_true(k8s_get(obj, key));
}

bool k8s_false(const json_t *obj, const char *key)
{
	return json_is_false(k8s_get(obj, key));
}

const char *k8s_str(const json_t *obj, const char *key)
{
	return json_string_value(k8s_get(obj, key));
}

unsigned k8s_line(const struct k8s_obj *o, const json_t *obj, const char *key)
{
	return moat_yaml_line_key(o->lines, obj, key);
}

unsigned k8s_line_idx(const struct k8s_obj *o, const json_t *arr, size_t idx)
{
	return moat_yaml_line_idx(o->lines, arr, idx);
}

const char *k8s_pod_path(const char *kind)
{
	static const char *const templ[] = {"Deployment", "DaemonSet", "StatefulSet",
					    "ReplicaSet", "ReplicationController", "Job",
					    "DeploymentConfig", NULL};

	if (!strcmp(kind, "Pod"))
		return "spec";
	if (!strcmp(kind, "CronJob"))
		return "spec.jobTemplate.spec.template.spec";
	if (!strcmp(kind, "PodTemplate"))
		return "template.spec";
	for (size_t i = 0; templ[i]; i++)
		if (!strcmp(kind, templ[i]))
			return "spec.template.spec";
	return NULL;
}

static void check_service_account(struct moat_k8s_scan *s, const struct k8s_obj *o)
{
	if (!k8s_false(o->root, "automountServiceAccountToken"))
		k8s_report(s, o, "MOAT-K8S-053", k8s_line(o, o->root, "automountServiceAccountToken"),
			   "automountServiceAccountToken",
			   "ServiceAccount %s does not set automountServiceAccountToken: false",
			   o->name);
}

/* Kinds that live in no namespace: the default-namespace check skips them. */
static bool cluster_scoped(const char *kind)
{
	static const char *const kinds[] = {
		"ClusterRole", "ClusterRoleBinding", "Namespace", "Node", "PersistentVolume",
		"StorageClass", "CustomResourceDefinition", "PriorityClass", "RuntimeClass",
		"ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
		"PodSecurityPolicy", "APIService", "IngressClass", "CSIDriver",
		"ClusterIssuer", NULL};

	for (size_t i = 0; kinds[i]; i++)
		if (!strcmp(kind, kinds[i]))
			return true;
	return false;
}

static void check_object(struct moat_k8s_scan *s, const struct k8s_obj *o)
{
	json_t *meta = k8s_get(o->root, "metadata");

	if (!cluster_scoped(o->kind)) {
		s->scope_count[MOAT_K8S_ANY]++;
		if (o->namespace && !strcmp(o->namespace, "default"))
			k8s_report(s, o, "MOAT-K8S-054", k8s_line(o, meta, "namespace"),
				   "metadata.namespace", "%s %s is in the default namespace",
				   o->kind, o->name);
	}
	if (k8s_pod_path(o->kind)) {
		s->scope_count[MOAT_K8S_WORKLOAD]++;
		k8s_check_workload(s, o);
	} else if (!strcmp(o->kind, "Role") || !strcmp(o->kind, "ClusterRole")) {
		s->scope_count[MOAT_K8S_RBAC_ROLE]++;
		k8s_check_role(s, o);
	} else if (!strcmp(o->kind, "RoleBinding") || !strcmp(o->kind, "ClusterRoleBinding")) {
		s->scope_count[MOAT_K8S_RBAC_BINDING]++;
		k8s_check_binding(s, o);
	} else if (!strcmp(o->kind, "ServiceAccount")) {
		s->scope_count[MOAT_K8S_SERVICE_ACCOUNT]++;
		check_service_account(s, o);
	}
}

/* The Helm template of the document whose root starts at line: a
 * "# Source: PATH" comment among the comment, blank and --- lines above it. */
static const char *helm_source(struct moat_k8s_scan *s, const uint8_t *data, size_t len,
			       const size_t *starts, size_t n_lines, unsigned line)
{
	for (size_t l = line > 1 ? line - 1 : 0; l >= 1 && l <= n_lines; l--) {
		const char *p = (const char *)data + starts[l - 1];
		size_t n = (l < n_lines ? starts[l] : len) - starts[l - 1];

		while (n && (p[n - 1] == '\n' || p[n - 1] == '\r' || p[n - 1] == ' '))
			n--;
		if (n > 10 && !memcmp(p, "# Source: ", 10))
			return moat_arena_strndup(s->arena, p + 10, n - 10);
		if (n && p[0] != '#' && !(n >= 3 && !memcmp(p, "---", 3)))
			return NULL;
	}
	return NULL;
}

static int add_obj(struct moat_k8s_scan *s, const struct k8s_obj *o)
{
	if (s->n_objs == s->cap_objs) {
		size_t cap = s->cap_objs ? s->cap_objs * 2 : 64;
		void *p = realloc(s->objs, cap * sizeof(*s->objs));

		if (!p)
			return -ENOMEM;
		s->objs = p;
		s->cap_objs = cap;
	}
	s->objs[s->n_objs++] = *o;
	check_object(s, o);
	return s->err;
}

/* A Kubernetes object has a string apiVersion and kind. */
static bool k8s_object(const json_t *j)
{
	return json_is_object(j) && k8s_str(j, "apiVersion") && k8s_str(j, "kind");
}

static int add_doc(struct moat_k8s_scan *s, struct k8s_obj *o)
{
	json_t *items = k8s_get(o->root, "items");
	const char *kind = k8s_str(o->root, "kind");
	size_t n = strlen(kind);
	struct k8s_obj item;
	int r = 0;

	/* kubectl get -o yaml/json: kind List (or FooList) with items */
	if (n >= 4 && !strcmp(kind + n - 4, "List") && json_is_array(items)) {
		for (size_t i = 0; i < json_array_size(items) && r == 0; i++) {
			json_t *it = json_array_get(items, i);

			if (!json_is_object(it))
				continue;
			item = *o;
			item.root = it;
			item.prefix = k8s_printf(s, "items[%zu].", i);
			item.line = k8s_line_idx(o, items, i);
			item.kind = k8s_str(it, "kind");
			/* list items from kubectl carry their kind; else the List's */
			if (!item.kind && n > 4 && strcmp(kind, "List") != 0)
				item.kind = k8s_printf(s, "%.*s", (int)(n - 4), kind);
			if (!item.kind || !item.prefix)
				continue;
			item.name = k8s_str(k8s_get(it, "metadata"), "name");
			item.namespace = k8s_str(k8s_get(it, "metadata"), "namespace");
			if (!item.name)
				item.name = "";
			r = add_obj(s, &item);
		}
		return r;
	}
	o->kind = kind;
	o->prefix = "";
	o->name = k8s_str(k8s_get(o->root, "metadata"), "name");
	o->namespace = k8s_str(k8s_get(o->root, "metadata"), "namespace");
	if (!o->name)
		o->name = "";
	return add_obj(s, o);
}

/* Line start offsets (for the Helm comments). */
static size_t *line_starts(const uint8_t *data, size_t len, size_t *ret_n)
{
	size_t n = 1;
	size_t *starts;

	for (size_t i = 0; i < len; i++)
		n += data[i] == '\n';
	starts = malloc(n * sizeof(*starts));
	if (!starts)
		return NULL;
	starts[0] = 0;
	n = 1;
	for (size_t i = 0; i + 1 < len; i++)
		if (data[i] == '\n')
			starts[n++] = i + 1;
	*ret_n = n;
	return starts;
}

int moat_k8s_add(struct moat_k8s_scan *s, const char *path, const uint8_t *data, size_t len,
		 struct moat_error *err)
{
	struct moat_yaml_stream st;
	size_t keep_objs = s->n_objs, keep_items = s->n_items;
	size_t n_lines = 0;
	size_t *starts = NULL;
	const char *file = moat_arena_strdup(s->arena, path);
	void *grown;
	int r;

	if (!file)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", path);
	r = moat_yaml_parse_stream(data, len, path, MOAT_K8S_MAX_FILE_BYTES, MOAT_K8S_MAX_DEPTH,
				   MOAT_K8S_MAX_DOCS, &st, err);
	if (r < 0)
		return r;
	grown = realloc(s->streams, (s->n_streams + 1) * sizeof(*s->streams));
	if (!grown) {
		moat_yaml_stream_release(&st);
		return moat_error_set(err, -ENOMEM, "%s: out of memory", path);
	}
	s->streams = grown;
	s->streams[s->n_streams++] = st;
	for (size_t d = 0; d < st.n && r == 0; d++) {
		struct k8s_obj o = {.root = st.docs[d], .file = file, .doc = (unsigned)d,
				    .line = st.doc_lines[d], .lines = st.lines};

		if (!k8s_object(o.root))
			continue;
		if (!starts && memmem(data, len, "# Source: ", 10))
			starts = line_starts(data, len, &n_lines);
		if (starts)
			o.source = helm_source(s, data, len, starts, n_lines, o.line);
		r = add_doc(s, &o);
	}
	free(starts);
	if (r < 0) {
		/* nothing of a failed file stays */
		s->n_objs = keep_objs;
		s->n_items = keep_items;
		s->err = 0;
		return moat_error_set(err, r, "%s: out of memory", path);
	}
	return 0;
}

int moat_k8s_add_object(struct moat_k8s_scan *s, const char *origin, json_t *obj,
			const char *kind, struct moat_error *err)
{
	struct k8s_obj o = {.root = obj, .file = origin, .prefix = ""};
	size_t keep_objs = s->n_objs, keep_items = s->n_items;
	int r;

	o.kind = kind ? kind : k8s_str(obj, "kind");
	if (!json_is_object(obj) || !o.kind)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not a Kubernetes object", origin);
	o.name = k8s_str(k8s_get(obj, "metadata"), "name");
	o.namespace = k8s_str(k8s_get(obj, "metadata"), "namespace");
	if (!o.name)
		o.name = "";
	r = add_obj(s, &o);
	if (r < 0) {
		s->n_objs = keep_objs;
		s->n_items = keep_items;
		s->err = 0;
		return moat_error_set(err, r, "%s: out of memory", origin);
	}
	return 0;
}

bool moat_k8s_checked_kind(const char *kind)
{
	return kind && (k8s_pod_path(kind) || !strcmp(kind, "Role") || !strcmp(kind, "ClusterRole") ||
			!strcmp(kind, "RoleBinding") || !strcmp(kind, "ClusterRoleBinding") ||
			!strcmp(kind, "ServiceAccount"));
}

static int cmp_finding(const void *pa, const void *pb)
{
	const struct moat_k8s_finding *a = pa, *b = pb;
	int c = strcmp(a->file, b->file);

	if (c)
		return c;
	if (a->doc != b->doc)
		return a->doc < b->doc ? -1 : 1;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	c = strcmp(a->check->info.id, b->check->info.id);
	return c ? c : strcmp(a->path, b->path);
}

int moat_k8s_finish(struct moat_k8s_scan *s, struct moat_error *err)
{
	k8s_bind_roles(s);
	if (s->err)
		return moat_error_set(err, s->err, "kubernetes: out of memory");
	if (s->n_items)
		qsort(s->items, s->n_items, sizeof(*s->items), cmp_finding);
	return 0;
}

const struct moat_k8s_finding *moat_k8s_findings(const struct moat_k8s_scan *s, size_t *ret_n)
{
	*ret_n = s->n_items;
	return s->items;
}

size_t moat_k8s_objects(const struct moat_k8s_scan *s, enum moat_k8s_scope scope)
{
	return scope < MOAT_K8S_N_SCOPES ? s->scope_count[scope] : s->n_objs;
}

int moat_k8s_to_misconfig(const struct moat_k8s_scan *s, struct moat_arena *arena,
			  struct moat_misconfig_list *out, struct moat_error *err)
{
	for (size_t i = 0; i < s->n_items; i++) {
		const struct moat_k8s_finding *f = &s->items[i];
		struct moat_misconfig m = {
			.check = &f->check->info,
			.file = moat_arena_strdup(arena, f->file),
			.line = f->line,
			.source = "kubernetes",
			.path = moat_arena_strdup(arena, f->path),
			.layer_index = -1,
			.doc = f->doc + 1,
			.object = moat_arena_printf(arena, "%s/%s", f->kind, f->name),
			.message = moat_arena_strdup(arena, f->message),
		};

		if (!m.file || !m.path || !m.object || !m.message ||
		    mc_add(arena, out, &m) < 0)
			return moat_error_set(err, -ENOMEM, "kubernetes: out of memory");
	}
	return 0;
}

bool moat_k8s_file_name(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && !strcmp(name + n - 5, ".yaml")) || (n > 4 && !strcmp(name + n - 4, ".yml")) ||
	       (n > 5 && !strcmp(name + n - 5, ".json"));
}
