/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-rbac.c - RBAC checks (CIS Kubernetes 5.1): what a Role or ClusterRole
 * grants, rule by rule, and who a RoleBinding or ClusterRoleBinding binds.
 */
#include <stdio.h>
#include <string.h>

#include "k8s-int.h"

struct rule {
	json_t *groups, *resources, *verbs;
	const char *path; /* "rules[N]" */
	unsigned line;
};

static bool list_has(const json_t *list, const char *want)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), want))
			return true;
	return false;
}

static bool any_of(const json_t *list, const char *const *want)
{
	if (list_has(list, "*"))
		return true;
	for (; *want; want++) {
		const char *slash = strchr(*want, '/');
		char parent[64];

		if (list_has(list, *want))
			return true;
		/* "pods/<star>" names every subresource of pods */
		if (slash && (size_t)(slash - *want) + 3 <= sizeof(parent)) {
			snprintf(parent, sizeof(parent), "%.*s/*", (int)(slash - *want), *want);
			if (list_has(list, parent))
				return true;
		}
	}
	return false;
}

/* The rule grants one of verbs on resource of API group group. */
static bool grants(const struct rule *r, const char *group, const char *resource,
		   const char *const *verbs)
{
	const char *res[] = {resource, NULL};
	const char *grp[] = {group, NULL};

	/* a rule without apiGroups is invalid; read it as the core group */
	if (r->groups ? !any_of(r->groups, grp) : *group != 0)
		return false;
	return any_of(r->resources, res) && any_of(r->verbs, verbs);
}

static void check_rule(struct moat_k8s_scan *s, const struct k8s_obj *o, const struct rule *r)
{
	static const char *const read[] = {"get", "list", "watch", NULL};
	static const char *const create[] = {"create", NULL};
	static const char *const exec[] = {"create", "get", NULL};
	static const char *const write[] = {"create", "update", "patch", "delete", NULL};
	static const char *const update[] = {"update", "patch", NULL};
	static const char *const approve[] = {"approve", NULL};
	static const char *const imp[] = {"impersonate", NULL};
	static const char *const esc_bind[] = {"escalate", "bind", NULL};
	static const struct {
		const char *id, *group, *resource;
		const char *const *verbs;
		const char *what;
	} table[] = {
		{"MOAT-K8S-061", "", "secrets", read, "read secrets"},
		{"MOAT-K8S-062", "", "pods", create, "create pods"},
		{"MOAT-K8S-063", "", "pods/exec", exec, "exec into pods"},
		{"MOAT-K8S-063", "", "pods/attach", exec, "attach to pods"},
		{"MOAT-K8S-065", "", "nodes/proxy", exec, "reach nodes/proxy"},
		{"MOAT-K8S-066", "", "serviceaccounts/token", create, "create service account tokens"},
		{"MOAT-K8S-067", "admissionregistration.k8s.io", "validatingwebhookconfigurations",
		 write, "change validating webhooks"},
		{"MOAT-K8S-067", "admissionregistration.k8s.io", "mutatingwebhookconfigurations",
		 write, "change mutating webhooks"},
		{"MOAT-K8S-068", "certificates.k8s.io", "certificatesigningrequests/approval", update,
		 "approve certificate signing requests"},
		{"MOAT-K8S-068", "certificates.k8s.io", "signers", approve, "approve for signers"},
		{"MOAT-K8S-069", "", "persistentvolumes", create, "create persistent volumes"},
		{"MOAT-K8S-070", "", "pods/portforward", exec, "port-forward into pods"},
		/* "*" verbs include escalate, bind and impersonate */
		{"MOAT-K8S-064", "", "users", imp, "impersonate users"},
		{"MOAT-K8S-064", "", "groups", imp, "impersonate groups"},
		{"MOAT-K8S-064", "", "serviceaccounts", imp, "impersonate service accounts"},
		{"MOAT-K8S-064", "rbac.authorization.k8s.io", "roles", esc_bind,
		 "escalate or bind roles"},
		{"MOAT-K8S-064", "rbac.authorization.k8s.io", "clusterroles", esc_bind,
		 "escalate or bind cluster roles"},
	};
	static const char *const esc[] = {"escalate", "bind", "impersonate", NULL};
	const char *last = NULL;

	if (list_has(r->groups, "*") || list_has(r->resources, "*") || list_has(r->verbs, "*"))
		k8s_report(s, o, "MOAT-K8S-060", r->line, r->path, "%s %s: rule uses a wildcard",
			   o->kind, o->name);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		/* one finding per check and rule */
		if (last && !strcmp(last, table[i].id))
			continue;
		if (grants(r, table[i].group, table[i].resource, table[i].verbs)) {
			k8s_report(s, o, table[i].id, r->line, r->path, "%s %s can %s", o->kind,
				   o->name, table[i].what);
			last = table[i].id;
		}
	}
	/* the 064 rows come last: when one matched, the explicit verbs add nothing */
	if (last && !strcmp(last, "MOAT-K8S-064"))
		return;
	for (size_t i = 0; esc[i]; i++)
		if (list_has(r->verbs, esc[i])) {
			k8s_report(s, o, "MOAT-K8S-064", r->line, r->path, "%s %s has verb %s",
				   o->kind, o->name, esc[i]);
			return;
		}
}

void k8s_check_role(struct moat_k8s_scan *s, const struct k8s_obj *o)
{
	json_t *rules = k8s_get(o->root, "rules");
	size_t i;
	json_t *v;

	json_array_foreach(rules, i, v) {
		struct rule r = {.groups = k8s_get(v, "apiGroups"),
				 .resources = k8s_get(v, "resources"),
				 .verbs = k8s_get(v, "verbs"),
				 .path = k8s_printf(s, "rules[%zu]", i),
				 .line = k8s_line_idx(o, rules, i)};

		if (r.path)
			check_rule(s, o, &r);
	}
}

void k8s_check_binding(struct moat_k8s_scan *s, const struct k8s_obj *o)
{
	json_t *ref = k8s_get(o->root, "roleRef");
	json_t *subjects = k8s_get(o->root, "subjects");
	/* Kubernetes' own default bindings (kube-system service accounts) */
	bool bootstrap = !strcmp(k8s_str(k8s_get(k8s_get(o->root, "metadata"), "labels"),
					 "kubernetes.io/bootstrapping") ?: "",
				 "rbac-defaults");
	size_t i;
	json_t *v;

	if (!strcmp(k8s_str(ref, "name") ?: "", "cluster-admin"))
		k8s_report(s, o, "MOAT-K8S-071", k8s_line(o, ref, "name"), "roleRef.name",
			   "%s %s binds cluster-admin", o->kind, o->name);
	json_array_foreach(subjects, i, v) {
		const char *kind = k8s_str(v, "kind") ?: "";
		const char *name = k8s_str(v, "name") ?: "";
		unsigned line = k8s_line_idx(o, subjects, i);
		const char *path = k8s_printf(s, "subjects[%zu]", i);

		if (!path)
			return;
		if (!strcmp(name, "system:anonymous") || !strcmp(name, "system:unauthenticated") ||
		    (!strcmp(kind, "Group") && !strcmp(name, "system:authenticated")))
			k8s_report(s, o, "MOAT-K8S-072", line, path, "%s %s binds %s %s", o->kind,
				   o->name, kind, name);
		if (!strcmp(kind, "Group") && !strcmp(name, "system:masters"))
			k8s_report(s, o, "MOAT-K8S-073", line, path, "%s %s binds group %s",
				   o->kind, o->name, name);
		if (!strcmp(kind, "ServiceAccount") && !strcmp(name, "default") && !bootstrap)
			k8s_report(s, o, "MOAT-K8S-074", line, path,
				   "%s %s binds %s to the default service account", o->kind,
				   o->name, k8s_str(ref, "name") ?: "?");
	}
}

static bool same_ns(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* What a binding's role grants is what the binding gives its subjects: the
 * role's RBAC findings are reported on every binding that references it (as
 * kube-linter and kubescape do), each check once per binding. */
void k8s_bind_roles(struct moat_k8s_scan *s)
{
	size_t n_items = s->n_items;

	for (size_t b = 0; b < s->n_objs; b++) {
		const struct k8s_obj *o = &s->objs[b];
		json_t *ref = k8s_get(o->root, "roleRef");
		const char *kind = k8s_str(ref, "kind");
		const char *name = k8s_str(ref, "name");
		size_t n_checks;
		const struct moat_k8s_check *all = moat_k8s_checks(&n_checks);
		bool seen[128] = {false};

		if (!kind || !name ||
		    (strcmp(o->kind, "RoleBinding") != 0 && strcmp(o->kind, "ClusterRoleBinding") != 0))
			continue;
		for (size_t i = 0; i < n_items; i++) {
			const struct moat_k8s_finding *f = &s->items[i];

			size_t ci = (size_t)(f->check - all);

			if (f->check->scope != MOAT_K8S_RBAC_ROLE || ci >= 128 || seen[ci] ||
			    strcmp(f->kind, kind) != 0 || strcmp(f->name, name) != 0 ||
			    (!strcmp(kind, "Role") && !same_ns(f->namespace, o->namespace)))
				continue;
			seen[ci] = true;
			k8s_report(s, o, f->check->info.id, k8s_line(o, ref, "name"), "roleRef.name",
				   "%s %s binds %s %s: %s", o->kind, o->name, kind, name,
				   f->check->info.title);
		}
	}
}
