/* SPDX-License-Identifier: Apache-2.0 */
/*
 * review.c - Kubernetes AdmissionReview v1: find the pod spec of a Pod or of
 * a workload's pod template, normalise every container (init and ephemeral
 * ones too: they run with the same powers), and write the response.
 */
#include <string.h>

#include "admit.h"
#include "admit-int.h"
#include "base/arena.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"

/* Where each kind keeps its pod spec; its pod template's metadata is beside. */
static const struct {
	const char *kind;
	const char *path[5];
} pod_spec_paths[] = {
	{ "Pod", { "spec", NULL } },
	{ "Deployment", { "spec", "template", "spec", NULL } },
	{ "StatefulSet", { "spec", "template", "spec", NULL } },
	{ "DaemonSet", { "spec", "template", "spec", NULL } },
	{ "ReplicaSet", { "spec", "template", "spec", NULL } },
	{ "ReplicationController", { "spec", "template", "spec", NULL } },
	{ "Job", { "spec", "template", "spec", NULL } },
	{ "CronJob", { "spec", "jobTemplate", "spec", "template", "spec" } },
};

static const json_t *walk(const json_t *obj, const char *const *path, size_t n)
{
	for (size_t i = 0; i < n && path[i] && obj; i++)
		obj = json_object_get(obj, path[i]);
	return obj;
}

static long long int_or(const json_t *obj, const char *key, long long def)
{
	const json_t *v = json_object_get(obj, key);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

/* Not forced to a non-root user: runAsNonRoot is not true and the uid is unset or 0. */
static bool maybe_root(const json_t *pod_sc, const json_t *sc)
{
	const json_t *nonroot = json_object_get(sc, "runAsNonRoot");
	long long uid = int_or(sc, "runAsUser", int_or(pod_sc, "runAsUser", -1));

	if (!nonroot)
		nonroot = json_object_get(pod_sc, "runAsNonRoot");
	if (uid == 0)
		return true;
	return uid < 0 && !json_is_true(nonroot);
}

static bool unconfined(const json_t *sc, const char *key)
{
	const char *t = moat_json_str(json_object_get(sc, key), "type");

	return t && !strcmp(t, "Unconfined");
}

static int container_from(const json_t *pod, const json_t *meta, const json_t *cj,
			  struct moat_arena *arena, struct moat_container *c)
{
	const json_t *pod_sc = json_object_get(pod, "securityContext");
	const json_t *sc = json_object_get(cj, "securityContext");
	const json_t *annotations = json_object_get(meta, "annotations");
	struct admit_strs caps = { 0 }, paths = { 0 };
	const json_t *v, *m;
	size_t i, k;
	int r;

	c->name = moat_json_str(cj, "name");
	c->image = moat_json_str(cj, "image");
	c->privileged = json_is_true(json_object_get(sc, "privileged"));
	c->run_as_root = maybe_root(pod_sc, sc);
	c->seccomp_unconfined = unconfined(sc, "seccompProfile") ||
				(!json_object_get(sc, "seccompProfile") &&
				 unconfined(pod_sc, "seccompProfile"));
	c->apparmor_unconfined = unconfined(sc, "appArmorProfile") ||
				 (!json_object_get(sc, "appArmorProfile") &&
				  unconfined(pod_sc, "appArmorProfile"));
	if (c->name && json_is_object(annotations)) {
		char key[512];
		const char *a;

		snprintf(key, sizeof(key), "container.apparmor.security.beta.kubernetes.io/%s",
			 c->name);
		a = moat_json_str(annotations, key);
		c->apparmor_unconfined |= a && !strcmp(a, "unconfined");
	}
	json_array_foreach(json_object_get(json_object_get(sc, "capabilities"), "add"), i, v)
		if (json_is_string(v) && (r = admit_strs_add(&caps, arena, json_string_value(v))) < 0)
			return r;
	/* hostPath volumes this container mounts */
	json_array_foreach(json_object_get(cj, "volumeMounts"), i, m) {
		const char *name = moat_json_str(m, "name");

		json_array_foreach(json_object_get(pod, "volumes"), k, v) {
			const char *vn = moat_json_str(v, "name");
			const char *hp = moat_json_str(json_object_get(v, "hostPath"), "path");

			if (name && vn && hp && !strcmp(name, vn) &&
			    (r = admit_strs_add(&paths, arena, hp)) < 0)
				return r;
		}
	}
	c->cap_add = (const char *const *)caps.items;
	c->n_cap_add = caps.n;
	c->host_paths = (const char *const *)paths.items;
	c->n_host_paths = paths.n;
	return 0;
}

static int pod_workload(const json_t *pod, const json_t *meta, struct moat_arena *arena,
			struct moat_workload *w)
{
	static const char *const lists[] = { "initContainers", "containers",
					     "ephemeralContainers" };
	struct moat_container *cs;
	size_t n = 0, total = 0;
	int r;

	for (size_t l = 0; l < 3; l++)
		total += json_array_size(json_object_get(pod, lists[l]));
	cs = moat_arena_calloc(arena, total + 1, sizeof(*cs));
	if (!cs)
		return MOAT_E_LIMIT;
	for (size_t l = 0; l < 3; l++) {
		const json_t *cj;
		size_t i;

		json_array_foreach(json_object_get(pod, lists[l]), i, cj) {
			if (!json_is_object(cj))
				return MOAT_E_FORMAT;
			if ((r = container_from(pod, meta, cj, arena, &cs[n++])) < 0)
				return r;
		}
	}
	w->host_pid = json_is_true(json_object_get(pod, "hostPID"));
	w->host_network = json_is_true(json_object_get(pod, "hostNetwork"));
	w->host_ipc = json_is_true(json_object_get(pod, "hostIPC"));
	w->containers = cs;
	w->n_containers = n;
	return 0;
}

int moat_review_decode(const uint8_t *body, size_t len, struct moat_arena *arena,
		       struct moat_review *ret, struct moat_error *err)
{
	struct moat_review rv = { 0 };
	json_t *doc = NULL;
	const json_t *req, *obj, *meta;
	int r;

	if ((r = moat_json_parse(body, len, MOAT_ADMIT_MAX_BODY, "AdmissionReview", &doc, err)) < 0)
		return r;
	if ((r = admit_keep(arena, doc)) < 0) {
		json_decref(doc);
		return moat_error_set(err, r, "AdmissionReview: out of memory");
	}
	rv.api_version = moat_json_str(doc, "apiVersion");
	if (!rv.api_version || strcmp(rv.api_version, "admission.k8s.io/v1") != 0 ||
	    !moat_json_str(doc, "kind") || strcmp(moat_json_str(doc, "kind"), "AdmissionReview") != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "AdmissionReview: want apiVersion "
				      "admission.k8s.io/v1 and kind AdmissionReview");
	req = json_object_get(doc, "request");
	rv.uid = moat_json_str(req, "uid");
	if (!json_is_object(req) || !rv.uid || !*rv.uid)
		return moat_error_set(err, MOAT_E_FORMAT, "AdmissionReview: no request.uid");
	rv.operation = moat_json_str(req, "operation");
	rv.dry_run = json_is_true(json_object_get(req, "dryRun"));
	rv.kind = moat_json_str(json_object_get(req, "kind"), "kind");
	obj = json_object_get(req, "object");
	if (obj && !json_is_object(obj) && !json_is_null(obj))
		return moat_error_set(err, MOAT_E_FORMAT, "AdmissionReview: request.object is not "
				      "a mapping");
	meta = json_object_get(obj, "metadata");
	rv.object = json_is_object(obj) ? json_object_get(req, "object") : NULL;
	rv.workload.kind = rv.kind ? rv.kind : "";
	rv.workload.name = moat_json_str(meta, "name");
	if (!rv.workload.name)
		rv.workload.name = moat_json_str(req, "name");
	rv.workload.namespace = moat_json_str(req, "namespace");
	if (!rv.workload.namespace)
		rv.workload.namespace = moat_json_str(meta, "namespace");
	rv.workload.labels = json_object_get(meta, "labels");
	for (size_t i = 0; rv.kind && json_is_object(obj) &&
	     i < sizeof(pod_spec_paths) / sizeof(pod_spec_paths[0]); i++) {
		const json_t *spec;
		const json_t *tmeta = meta;
		size_t depth = 0;

		if (strcmp(rv.kind, pod_spec_paths[i].kind) != 0)
			continue;
		while (depth < 5 && pod_spec_paths[i].path[depth])
			depth++;
		spec = walk(obj, pod_spec_paths[i].path, depth);
		if (depth > 1)  /* the template's metadata (apparmor annotations) */
			tmeta = json_object_get(walk(obj, pod_spec_paths[i].path, depth - 1),
						"metadata");
		if (!json_is_object(spec))
			return moat_error_set(err, MOAT_E_FORMAT, "AdmissionReview: %s without a "
					      "pod spec", rv.kind);
		if ((r = pod_workload(spec, tmeta, arena, &rv.workload)) < 0)
			return moat_error_set(err, r, "AdmissionReview: %s: bad containers",
					      rv.kind);
		rv.supported = true;
	}
	*ret = rv;
	return 0;
}

int moat_review_encode(const struct moat_review *rv, const struct moat_decision *d,
		       struct moat_arena *arena, struct moat_buf *out)
{
	struct moat_jw jw;

	moat_jw_init(&jw, out, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "apiVersion", "admission.k8s.io/v1");
	moat_jw_kstr(&jw, "kind", "AdmissionReview");
	moat_jw_key(&jw, "response");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "uid", rv->uid);
	moat_jw_kbool(&jw, "allowed", d->allow);
	if (!d->allow) {
		moat_jw_key(&jw, "status");
		moat_jw_obj_begin(&jw);
		moat_jw_kint(&jw, "code", 403);
		moat_jw_kstr(&jw, "reason", "Forbidden");
		moat_jw_kstr(&jw, "message", moat_arena_printf(arena, "moat: %s denied: %s",
				rv->kind ? rv->kind : "object", moat_decision_summary(d, false, arena)));
		moat_jw_obj_end(&jw);
	}
	if (d->n_warnings) {
		moat_jw_key(&jw, "warnings");
		moat_jw_arr_begin(&jw);
		for (size_t i = 0; i < d->n_warnings; i++) {
			const struct moat_finding_msg *m = &d->warnings[i];

			moat_jw_str(&jw, m->container ?
				    moat_arena_printf(arena, "moat: %s (container %s): %s", m->rule,
						      m->container, m->msg) :
				    moat_arena_printf(arena, "moat: %s: %s", m->rule, m->msg));
		}
		moat_jw_arr_end(&jw);
	}
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	return moat_jw_finish(&jw);
}
