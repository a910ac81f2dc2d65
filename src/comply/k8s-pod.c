/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-pod.c - pod-level checks of a workload (host namespaces, volumes,
 * sysctls, seccomp/SELinux/AppArmor, service account) and the walk over
 * its containers.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "k8s-pod.h"

const char *pod_path(struct pod_ctx *p, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return k8s_printf(p->s, "%s", buf) ?: "";
}

void pod_report(struct pod_ctx *p, const char *id, unsigned line, const char *path,
		const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	k8s_report(p->s, p->o, id, line ? line : p->line, path, "%s %s: %s", p->o->kind,
		   p->o->name, msg);
}

/* Pod-level seccompProfile when name is NULL, else a container's. */
void pod_check_seccomp(struct pod_ctx *p, json_t *sc, const char *path, const char *name,
		       unsigned line)
{
	json_t *prof = k8s_get(sc, "seccompProfile");
	const char *type = k8s_str(prof, "type");
	const char *who = name ? name : "";

	if (type && !strcmp(type, "Unconfined"))
		pod_report(p, "MOAT-K8S-021", k8s_line(p->o, prof, "type"),
			   pod_path(p, "%s.seccompProfile.type", path),
			   "%s%s%sseccomp profile is Unconfined", name ? "container \"" : "pod ", who,
			   name ? "\" " : "");
	if (!name)
		return;
	/* restricted: the container's own profile, else the pod's, must be set */
	if (!type)
		type = k8s_str(k8s_get(p->psc, "seccompProfile"), "type");
	if (!type || (strcmp(type, "RuntimeDefault") != 0 && strcmp(type, "Localhost") != 0))
		pod_report(p, "MOAT-K8S-022", line, pod_path(p, "%s.seccompProfile.type", path),
			   "container \"%s\" has no RuntimeDefault or Localhost seccomp profile",
			   name);
}

void pod_check_selinux(struct pod_ctx *p, json_t *sc, const char *path, const char *name)
{
	static const char *const types[] = {"container_t", "container_init_t", "container_kvm_t",
					    "container_engine_t", NULL};
	json_t *opt = k8s_get(sc, "seLinuxOptions");
	const char *type = k8s_str(opt, "type");
	const char *who = name ? name : "";
	bool ok = true;

	if (!opt)
		return;
	if (type && *type) {
		ok = false;
		for (size_t i = 0; types[i]; i++)
			ok |= !strcmp(type, types[i]);
	}
	if (!ok || k8s_str(opt, "user") || k8s_str(opt, "role"))
		pod_report(p, "MOAT-K8S-024", k8s_line(p->o, sc, "seLinuxOptions"),
			   pod_path(p, "%s.seLinuxOptions", path), "%s%s%ssets SELinux %s%s",
			   name ? "container \"" : "pod ", who, name ? "\" " : "",
			   ok ? "user or role" : "type ", ok ? "" : type);
}

/* The beta annotation or securityContext.appArmorProfile of the container or pod. */
void pod_check_apparmor(struct pod_ctx *p, const struct cont *c)
{
	json_t *ann = k8s_get(p->meta, "annotations");
	char key[320];
	const char *v;
	json_t *prof = k8s_get(c->sc, "appArmorProfile");

	snprintf(key, sizeof(key), "container.apparmor.security.beta.kubernetes.io/%s", c->name);
	v = k8s_str(ann, key);
	if (v && strcmp(v, "runtime/default") != 0 && strncmp(v, "localhost/", 10) != 0)
		pod_report(p, "MOAT-K8S-023", k8s_line(p->o, ann, key),
			   pod_path(p, "%s.annotations[%s]", p->meta_path, key),
			   "container \"%s\" AppArmor profile is %s", c->name, v);
	if (!prof)
		prof = k8s_get(p->psc, "appArmorProfile");
	v = k8s_str(prof, "type");
	if (v && !strcmp(v, "Unconfined"))
		pod_report(p, "MOAT-K8S-023", k8s_line(p->o, prof, "type"),
			   pod_path(p, "%s.securityContext.appArmorProfile.type", c->path),
			   "container \"%s\" AppArmor profile is Unconfined", c->name);
}

static bool runtime_socket(const char *path)
{
	static const char *const socks[] = {"docker.sock", "containerd.sock", "crio.sock",
					    "dockershim.sock", "cri-dockerd.sock", NULL};
	size_t n = strlen(path);

	while (n > 1 && path[n - 1] == '/')
		n--;
	for (size_t i = 0; socks[i]; i++) {
		size_t k = strlen(socks[i]);

		if (n >= k && !memcmp(path + n - k, socks[i], k))
			return true;
	}
	/* the directories that hold them */
	return (n == 8 && !memcmp(path, "/var/run", 8)) || (n == 4 && !memcmp(path, "/run", 4)) ||
	       (n == 20 && !memcmp(path, "/var/run/containerd", 20));
}

static json_t *volume_named(struct pod_ctx *p, const char *name)
{
	json_t *vols = k8s_get(p->pod, "volumes");
	size_t i;
	json_t *v;

	json_array_foreach(vols, i, v)
		if (!strcmp(k8s_str(v, "name") ?: "", name))
			return v;
	return NULL;
}

/* A hostPath volume mounted without readOnly. */
void pod_check_mounts(struct pod_ctx *p, const struct cont *c)
{
	json_t *mounts = k8s_get(c->c, "volumeMounts");
	size_t i;
	json_t *m;

	json_array_foreach(mounts, i, m) {
		const char *name = k8s_str(m, "name");
		json_t *hp = name ? k8s_get(volume_named(p, name), "hostPath") : NULL;

		if (hp && !k8s_true(m, "readOnly"))
			pod_report(p, "MOAT-K8S-011", k8s_line_idx(p->o, mounts, i),
				   pod_path(p, "%s.volumeMounts[%zu]", c->path, i),
				   "container \"%s\" mounts host path %s writable", c->name,
				   k8s_str(hp, "path") ?: "?");
	}
}

static void check_volumes(struct pod_ctx *p)
{
	static const char *const allowed[] = {"configMap", "csi", "downwardAPI", "emptyDir",
					      "ephemeral", "persistentVolumeClaim", "projected",
					      "secret", "name", NULL};
	json_t *vols = k8s_get(p->pod, "volumes");
	size_t i;
	json_t *v;

	json_array_foreach(vols, i, v) {
		json_t *hp = k8s_get(v, "hostPath");
		unsigned line = k8s_line_idx(p->o, vols, i);
		const char *key;
		json_t *val;

		if (hp) {
			const char *path = k8s_str(hp, "path") ?: "?";

			pod_report(p, "MOAT-K8S-010", k8s_line(p->o, v, "hostPath") ?: line,
				   pod_path(p, "%s.volumes[%zu].hostPath", p->pp, i),
				   "volume %s mounts host path %s", k8s_str(v, "name") ?: "?", path);
			if (runtime_socket(path))
				pod_report(p, "MOAT-K8S-012", k8s_line(p->o, hp, "path") ?: line,
					   pod_path(p, "%s.volumes[%zu].hostPath.path", p->pp, i),
					   "host path %s (container runtime socket) is mounted", path);
		}
		json_object_foreach(v, key, val) {
			bool ok = false;

			for (size_t k = 0; allowed[k]; k++)
				ok |= !strcmp(key, allowed[k]);
			if (!ok)
				pod_report(p, "MOAT-K8S-028", k8s_line(p->o, v, key) ?: line,
					   pod_path(p, "%s.volumes[%zu].%s", p->pp, i, key),
					   "volume %s is of type %s", k8s_str(v, "name") ?: "?", key);
		}
	}
}

static void check_host(struct pod_ctx *p)
{
	static const struct {
		const char *key, *id, *what;
	} ns[] = {{"hostPID", "MOAT-K8S-002", "process"},
		  {"hostIPC", "MOAT-K8S-003", "IPC"},
		  {"hostNetwork", "MOAT-K8S-004", "network"}};

	for (size_t i = 0; i < 3; i++)
		if (k8s_true(p->pod, ns[i].key))
			pod_report(p, ns[i].id, k8s_line(p->o, p->pod, ns[i].key),
				   pod_path(p, "%s.%s", p->pp, ns[i].key),
				   "pod shares the host's %s namespace (%s: true)", ns[i].what,
				   ns[i].key);
}

static void check_sysctls(struct pod_ctx *p)
{
	static const char *const safe[] = {
		"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
		"net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
		"net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
		"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
		"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", NULL};
	json_t *list = k8s_get(p->psc, "sysctls");
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v) {
		const char *name = k8s_str(v, "name");
		bool ok = false;

		for (size_t k = 0; name && safe[k]; k++)
			ok |= !strcmp(name, safe[k]);
		if (name && !ok)
			pod_report(p, "MOAT-K8S-026", k8s_line_idx(p->o, list, i),
				   pod_path(p, "%s.securityContext.sysctls[%zu]", p->pp, i),
				   "pod sets sysctl %s", name);
	}
}

static void check_account(struct pod_ctx *p)
{
	const char *sa = k8s_str(p->pod, "serviceAccountName");
	const char *old = k8s_str(p->pod, "serviceAccount");

	if (!k8s_false(p->pod, "automountServiceAccountToken"))
		pod_report(p, "MOAT-K8S-050",
			   k8s_line(p->o, p->pod, "automountServiceAccountToken"),
			   pod_path(p, "%s.automountServiceAccountToken", p->pp),
			   "pod does not set automountServiceAccountToken: false");
	if (!sa)
		sa = old;
	if (!sa || !*sa || !strcmp(sa, "default"))
		pod_report(p, "MOAT-K8S-051", k8s_line(p->o, p->pod, "serviceAccountName"),
			   pod_path(p, "%s.serviceAccountName", p->pp),
			   "pod runs as the default service account");
	/* the API server mirrors serviceAccountName into serviceAccount: only a
	 * value of its own (or one alone) is the deprecated use */
	if (old && strcmp(old, k8s_str(p->pod, "serviceAccountName") ?: "") != 0)
		pod_report(p, "MOAT-K8S-052", k8s_line(p->o, p->pod, "serviceAccount"),
			   pod_path(p, "%s.serviceAccount", p->pp),
			   "serviceAccount is specified (%s), but this field is deprecated; use "
			   "serviceAccountName instead",
			   old);
	if (!strcmp(p->o->kind, "Pod") && !k8s_get(k8s_get(p->o->root, "metadata"),
						   "ownerReferences"))
		pod_report(p, "MOAT-K8S-055", p->o->line, "metadata", "pod has no controller");
}

static void walk_containers(struct pod_ctx *p)
{
	static const char *const lists[] = {"containers", "initContainers", "ephemeralContainers"};

	for (size_t l = 0; l < 3; l++) {
		json_t *arr = k8s_get(p->pod, lists[l]);
		size_t i;
		json_t *c;

		json_array_foreach(arr, i, c) {
			struct cont ct = {.c = c, .sc = k8s_get(c, "securityContext"),
					  .name = k8s_str(c, "name") ?: "",
					  .line = k8s_line_idx(p->o, arr, i),
					  .init = l == 1, .ephemeral = l == 2};

			if (!json_is_object(c))
				continue;
			ct.path = pod_path(p, "%s.%s[%zu]", p->pp, lists[l], i);
			pod_check_container(p, &ct);
		}
	}
}

/* The node at a dotted path below root, with its parent and last key. */
static json_t *walk_path(json_t *root, const char *path, json_t **ret_parent, char *last,
			 size_t cap)
{
	json_t *cur = root;

	*ret_parent = NULL;
	while (*path && cur) {
		size_t n = strcspn(path, ".");

		if (n >= cap)
			return NULL;
		memcpy(last, path, n);
		last[n] = 0;
		*ret_parent = cur;
		cur = k8s_get(cur, last);
		path += n + (path[n] == '.');
	}
	return cur;
}

void k8s_check_workload(struct moat_k8s_scan *s, const struct k8s_obj *o)
{
	struct pod_ctx p = {.s = s, .o = o, .pp = k8s_pod_path(o->kind)};
	json_t *parent;
	char last[64];
	size_t n = strlen(p.pp) - 4; /* "...spec" without "spec": the template */

	p.pod = walk_path(o->root, p.pp, &parent, last, sizeof(last));
	if (!json_is_object(p.pod))
		return;
	p.line = k8s_line(o, parent, last) ?: o->line;
	p.psc = k8s_get(p.pod, "securityContext");
	p.meta_path = n ? pod_path(&p, "%.*smetadata", (int)n, p.pp) : "metadata";
	p.meta = k8s_get(parent, "metadata");
	check_host(&p);
	check_volumes(&p);
	check_sysctls(&p);
	check_account(&p);
	pod_check_seccomp(&p, p.psc, pod_path(&p, "%s.securityContext", p.pp), NULL, p.line);
	pod_check_selinux(&p, p.psc, pod_path(&p, "%s.securityContext", p.pp), NULL);
	if (k8s_true(k8s_get(p.psc, "windowsOptions"), "hostProcess"))
		pod_report(&p, "MOAT-K8S-027", k8s_line(o, p.psc, "windowsOptions"),
			   pod_path(&p, "%s.securityContext.windowsOptions.hostProcess", p.pp),
			   "pod is a HostProcess pod");
	walk_containers(&p);
}
