/* SPDX-License-Identifier: Apache-2.0 */
/* k8s-pod.h - one pod template while its checks run (private to comply/). */
#ifndef MOAT_COMPLY_K8S_POD_H
#define MOAT_COMPLY_K8S_POD_H

#include "k8s-int.h"

struct pod_ctx {
	struct moat_k8s_scan *s;
	const struct k8s_obj *o;
	json_t *pod;	     /* the pod spec */
	const char *pp;	     /* its YAML path: "spec.template.spec" */
	unsigned line;	     /* line of the pod spec (or the object) */
	json_t *psc;	     /* pod securityContext, or NULL */
	json_t *meta;	     /* the pod template's metadata, or NULL */
	const char *meta_path;
};

/* One container of containers, initContainers or ephemeralContainers. */
struct cont {
	json_t *c;
	json_t *sc; /* its securityContext, or NULL */
	const char *path;
	const char *name;
	unsigned line;
	bool init;
	bool ephemeral;
};

const char *pod_path(struct pod_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pod_report(struct pod_ctx *p, const char *id, unsigned line, const char *path,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

void pod_check_container(struct pod_ctx *p, const struct cont *c);
/* seccompProfile of a pod (name NULL) or container securityContext sc at path. */
void pod_check_seccomp(struct pod_ctx *p, json_t *sc, const char *path, const char *name,
		       unsigned line);
void pod_check_selinux(struct pod_ctx *p, json_t *sc, const char *path, const char *name);
void pod_check_apparmor(struct pod_ctx *p, const struct cont *c);
void pod_check_mounts(struct pod_ctx *p, const struct cont *c);

#endif
