/* SPDX-License-Identifier: Apache-2.0 */
/*
 * k8s-container.c - the checks of one container of a pod template:
 * security context (PSS baseline and restricted), capabilities, ports,
 * resources, image reference, environment, probes.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "k8s-pod.h"
#include "misconfig-int.h"

static bool cap_is(const char *cap, const char *want)
{
	if (!strncasecmp(cap, "CAP_", 4))
		cap += 4;
	return !strcasecmp(cap, want);
}

static bool cap_in(const char *cap, const char *const *set)
{
	for (; *set; set++)
		if (cap_is(cap, *set))
			return true;
	return false;
}

static bool caps_has(const json_t *list, const char *want)
{
	size_t i;
	json_t *v;

	json_array_foreach(list, i, v)
		if (json_is_string(v) && cap_is(json_string_value(v), want))
			return true;
	return false;
}

static void check_caps(struct pod_ctx *p, const struct cont *c)
{
	/* PSS baseline: what the runtime grants by default anyway */
	static const char *const baseline[] = {
		"AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
		"NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT", NULL};
	/* kubescape insecure-capabilities: container escape or host control */
	static const char *const dangerous[] = {
		"ALL", "SYS_ADMIN", "NET_ADMIN", "SYS_MODULE", "SYS_RAWIO", "SYS_PTRACE",
		"SYS_BOOT", "MAC_OVERRIDE", "MAC_ADMIN", "PERFMON", "BPF", "DAC_READ_SEARCH", NULL};
	json_t *caps = k8s_get(c->sc, "capabilities");
	json_t *add = k8s_get(caps, "add");
	json_t *drop = k8s_get(caps, "drop");
	const char *cp = pod_path(p, "%s.securityContext.capabilities", c->path);
	size_t i;
	json_t *v;

	json_array_foreach(add, i, v) {
		const char *cap = json_string_value(v);
		unsigned line = k8s_line_idx(p->o, add, i);
		const char *at = pod_path(p, "%s.add[%zu]", cp, i);

		if (!cap)
			continue;
		if (!cap_in(cap, baseline))
			pod_report(p, "MOAT-K8S-015", line, at, "container \"%s\" adds capability %s",
				   c->name, cap);
		if (cap_in(cap, dangerous))
			pod_report(p, "MOAT-K8S-016", line, at, "container \"%s\" adds capability %s",
				   c->name, cap);
		if (!cap_is(cap, "NET_BIND_SERVICE"))
			pod_report(p, "MOAT-K8S-018", line, at, "container \"%s\" adds capability %s",
				   c->name, cap);
	}
	if (!caps_has(drop, "ALL"))
		pod_report(p, "MOAT-K8S-017", drop ? k8s_line(p->o, caps, "drop") : c->line,
			   pod_path(p, "%s.drop", cp), "container \"%s\" does not drop ALL capabilities",
			   c->name);
	if (caps_has(add, "NET_RAW") || (!caps_has(drop, "ALL") && !caps_has(drop, "NET_RAW")))
		pod_report(p, "MOAT-K8S-019", drop ? k8s_line(p->o, caps, "drop") : c->line,
			   pod_path(p, "%s.drop", cp), "container \"%s\" keeps NET_RAW", c->name);
}

/* runAsNonRoot, runAsUser, runAsGroup: the container's value wins over the pod's. */
static void check_user(struct pod_ctx *p, const struct cont *c)
{
	static const char *const keys[] = {"runAsUser", "runAsGroup"};
	static const char *const ids[] = {"MOAT-K8S-008", "MOAT-K8S-009"};
	json_t *nonroot = k8s_get(c->sc, "runAsNonRoot");

	if (!nonroot)
		nonroot = k8s_get(p->psc, "runAsNonRoot");
	if (!json_is_true(nonroot))
		pod_report(p, "MOAT-K8S-007", c->line,
			   pod_path(p, "%s.securityContext.runAsNonRoot", c->path),
			   "container \"%s\" is not set to runAsNonRoot", c->name);
	for (size_t k = 0; k < 2; k++) {
		json_t *v = k8s_get(c->sc, keys[k]);
		bool own = v != NULL;

		if (!own)
			v = k8s_get(p->psc, keys[k]);
		if (!json_is_integer(v) || json_integer_value(v) != 0)
			continue;
		if (own)
			pod_report(p, ids[k], k8s_line(p->o, c->sc, keys[k]),
				   pod_path(p, "%s.securityContext.%s", c->path, keys[k]),
				   "container \"%s\" sets %s 0", c->name, keys[k]);
		else
			pod_report(p, ids[k], k8s_line(p->o, p->psc, keys[k]),
				   pod_path(p, "%s.securityContext.%s", p->pp, keys[k]),
				   "container \"%s\" inherits %s 0 from the pod", c->name, keys[k]);
	}
}

static void check_context(struct pod_ctx *p, const struct cont *c)
{
	json_t *sc = c->sc;
	const char *scp = pod_path(p, "%s.securityContext", c->path);
	const char *pm = k8s_str(sc, "procMount");

	if (k8s_true(sc, "privileged"))
		pod_report(p, "MOAT-K8S-001", k8s_line(p->o, sc, "privileged"),
			   pod_path(p, "%s.privileged", scp), "container \"%s\" is privileged", c->name);
	if (k8s_true(sc, "allowPrivilegeEscalation"))
		pod_report(p, "MOAT-K8S-005", k8s_line(p->o, sc, "allowPrivilegeEscalation"),
			   pod_path(p, "%s.allowPrivilegeEscalation", scp),
			   "container \"%s\" sets allowPrivilegeEscalation: true", c->name);
	if (!k8s_false(sc, "allowPrivilegeEscalation"))
		pod_report(p, "MOAT-K8S-006", c->line, pod_path(p, "%s.allowPrivilegeEscalation", scp),
			   "container \"%s\" does not set allowPrivilegeEscalation: false", c->name);
	if (!k8s_true(sc, "readOnlyRootFilesystem") && !c->ephemeral)
		pod_report(p, "MOAT-K8S-020",
			   k8s_line(p->o, sc, "readOnlyRootFilesystem") ?: c->line,
			   pod_path(p, "%s.readOnlyRootFilesystem", scp),
			   "container \"%s\" does not have a read-only root filesystem", c->name);
	if (pm && strcmp(pm, "Default") != 0)
		pod_report(p, "MOAT-K8S-025", k8s_line(p->o, sc, "procMount"),
			   pod_path(p, "%s.procMount", scp), "container \"%s\" sets procMount %s",
			   c->name, pm);
	if (k8s_true(k8s_get(sc, "windowsOptions"), "hostProcess"))
		pod_report(p, "MOAT-K8S-027", k8s_line(p->o, sc, "windowsOptions"),
			   pod_path(p, "%s.windowsOptions.hostProcess", scp),
			   "container \"%s\" is a HostProcess container", c->name);
	pod_check_seccomp(p, sc, scp, c->name, c->line);
	pod_check_selinux(p, sc, scp, c->name);
	pod_check_apparmor(p, c);
	check_user(p, c);
	check_caps(p, c);
}

static void check_ports(struct pod_ctx *p, const struct cont *c)
{
	json_t *ports = k8s_get(c->c, "ports");
	size_t i;
	json_t *port;

	json_array_foreach(ports, i, port) {
		json_t *hp = k8s_get(port, "hostPort");
		json_t *cp = k8s_get(port, "containerPort");
		unsigned line = k8s_line_idx(p->o, ports, i);

		if (json_is_integer(hp) && json_integer_value(hp) != 0)
			pod_report(p, "MOAT-K8S-013", k8s_line(p->o, port, "hostPort"),
				   pod_path(p, "%s.ports[%zu].hostPort", c->path, i),
				   "container \"%s\" binds host port %lld", c->name,
				   (long long)json_integer_value(hp));
		if (json_is_integer(cp) && json_integer_value(cp) > 0 &&
		    json_integer_value(cp) < 1024)
			pod_report(p, "MOAT-K8S-014", k8s_line(p->o, port, "containerPort") ?: line,
				   pod_path(p, "%s.ports[%zu].containerPort", c->path, i),
				   "port %lld is mapped in container \"%s\"",
				   (long long)json_integer_value(cp), c->name);
	}
}

static bool quantity_set(const json_t *v)
{
	const char *s = json_string_value(v);

	if (json_is_number(v))
		return json_number_value(v) > 0;
	return s && *s && strspn(s, "0.") != strlen(s);
}

static void check_resources(struct pod_ctx *p, const struct cont *c)
{
	static const struct {
		const char *kind, *res, *id;
	} want[] = {{"requests", "cpu", "MOAT-K8S-030"},
		    {"limits", "cpu", "MOAT-K8S-031"},
		    {"requests", "memory", "MOAT-K8S-032"},
		    {"limits", "memory", "MOAT-K8S-033"}};
	json_t *res = k8s_get(c->c, "resources");

	if (c->ephemeral)
		return; /* ephemeral containers take no resources */
	for (size_t i = 0; i < 4; i++) {
		json_t *k = k8s_get(res, want[i].kind);
		json_t *v = k8s_get(k, want[i].res);

		/* a limit alone also sets the request to the same value */
		if (!v && !strcmp(want[i].kind, "requests"))
			v = k8s_get(k8s_get(res, "limits"), want[i].res);
		if (!quantity_set(v))
			pod_report(p, want[i].id, k8s_line(p->o, k, want[i].res) ?: c->line,
				   pod_path(p, "%s.resources.%s.%s", c->path, want[i].kind,
					    want[i].res),
				   "container \"%s\" has no %s %s", c->name, want[i].res,
				   !strcmp(want[i].kind, "requests") ? "request" : "limit");
	}
}

/* An OCI digest (algorithm ":" encoded) after '@': sha256, blake3, sha512 must
 * have their exact length of lowercase hex; other algorithms their grammar. */
static bool valid_digest(const char *img)
{
	const char *at = strrchr(img, '@');
	const char *colon = at ? strchr(at, ':') : NULL;
	size_t alg, enc;

	if (!colon)
		return false;
	alg = (size_t)(colon - at - 1);
	enc = strlen(colon + 1);
	if (!alg || !enc || strspn(at + 1, "abcdefghijklmnopqrstuvwxyz0123456789+._-") != alg ||
	    strspn(colon + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-") !=
		    enc)
		return false;
	if (alg == 6 && !memcmp(at + 1, "sha256", 6))
		return enc == 64 && strspn(colon + 1, "0123456789abcdef") == 64;
	if (alg == 6 && !memcmp(at + 1, "blake3", 6))
		return enc == 64 && strspn(colon + 1, "0123456789abcdef") == 64;
	if (alg == 6 && !memcmp(at + 1, "sha512", 6))
		return enc == 128 && strspn(colon + 1, "0123456789abcdef") == 128;
	return true;
}

static void check_image(struct pod_ctx *p, const struct cont *c)
{
	const char *img = k8s_str(c->c, "image");
	unsigned line = k8s_line(p->o, c->c, "image") ?: c->line;
	const char *path = pod_path(p, "%s.image", c->path);
	const char *policy = k8s_str(c->c, "imagePullPolicy");
	const char *slash, *colon;

	if (!img)
		return;
	slash = strrchr(img, '/');
	colon = strrchr(slash ? slash : img, ':');
	if (!strchr(img, '@') && (!colon || !strcmp(colon, ":latest")))
		pod_report(p, "MOAT-K8S-040", line, path, "container \"%s\" uses image %s%s",
			   c->name, img, colon ? "" : " (no tag: latest)");
	if (!valid_digest(img))
		pod_report(p, "MOAT-K8S-041", line, path,
			   "container \"%s\" image %s is not pinned by a valid digest", c->name, img);
	if (!policy || strcmp(policy, "Always") != 0)
		pod_report(p, "MOAT-K8S-042",
			   k8s_line(p->o, c->c, "imagePullPolicy") ?: line,
			   pod_path(p, "%s.imagePullPolicy", c->path),
			   "container \"%s\" imagePullPolicy is %s", c->name,
			   policy ? policy : "unset");
}

/* An HTTP Authorization value: "Bearer TOKEN" or "Basic BASE64". */
static bool auth_value(const char *v)
{
	return (!strncasecmp(v, "bearer ", 7) && v[7]) || (!strncasecmp(v, "basic ", 6) && v[6]);
}

static void check_env(struct pod_ctx *p, const struct cont *c)
{
	json_t *env = k8s_get(c->c, "env");
	json_t *from = k8s_get(c->c, "envFrom");
	size_t i;
	json_t *e;

	json_array_foreach(from, i, e)
		if (k8s_get(e, "secretRef"))
			pod_report(p, "MOAT-K8S-044", k8s_line_idx(p->o, from, i),
				   pod_path(p, "%s.envFrom[%zu].secretRef", c->path, i),
				   "container \"%s\" reads secret %s into its environment", c->name,
				   k8s_str(k8s_get(e, "secretRef"), "name") ?: "?");
	json_array_foreach(env, i, e) {
		const char *name = k8s_str(e, "name");
		const char *value = k8s_str(e, "value");
		json_t *ref = k8s_get(k8s_get(e, "valueFrom"), "secretKeyRef");
		unsigned line = k8s_line_idx(p->o, env, i);
		const char *at = pod_path(p, "%s.env[%zu]", c->path, i);

		if (!name)
			continue;
		if (value && *value &&
		    (mc_secret_name(name) || mc_credential_shape(value) || auth_value(value)))
			pod_report(p, "MOAT-K8S-043", line, at,
				   "environment variable %s in container \"%s\" holds a secret", name,
				   c->name);
		if (ref)
			pod_report(p, "MOAT-K8S-044", line, at,
				   "environment variable %s in container \"%s\" uses secretKeyRef", name,
				   c->name);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(name, k8s_str(json_array_get(env, j), "name") ?: "")) {
				pod_report(p, "MOAT-K8S-045", line, at,
					   "environment variable %s in container \"%s\" is defined "
					   "twice",
					   name, c->name);
				break;
			}
	}
}

static void check_misc(struct pod_ctx *p, const struct cont *c)
{
	static const char *const cmd[] = {"command", "args"};

	for (size_t k = 0; k < 2; k++) {
		json_t *list = k8s_get(c->c, cmd[k]);
		size_t i;
		json_t *v;

		json_array_foreach(list, i, v) {
			const char *w = json_string_value(v);

			if (w && (!strcmp(w, "sudo") || !strncmp(w, "sudo ", 5) ||
				  strstr(w, " sudo ") || strstr(w, "/sudo"))) {
				pod_report(p, "MOAT-K8S-046", k8s_line_idx(p->o, list, i),
					   pod_path(p, "%s.%s[%zu]", c->path, cmd[k], i),
					   "container \"%s\" runs sudo", c->name);
				break;
			}
		}
	}
	if (c->init || c->ephemeral)
		return; /* probes are for long-running containers */
	if (!k8s_get(c->c, "livenessProbe"))
		pod_report(p, "MOAT-K8S-056", c->line, pod_path(p, "%s.livenessProbe", c->path),
			   "container \"%s\" does not specify a liveness probe", c->name);
	if (!k8s_get(c->c, "readinessProbe"))
		pod_report(p, "MOAT-K8S-057", c->line, pod_path(p, "%s.readinessProbe", c->path),
			   "container \"%s\" does not specify a readiness probe", c->name);
}

void pod_check_container(struct pod_ctx *p, const struct cont *c)
{
	check_context(p, c);
	check_ports(p, c);
	check_resources(p, c);
	check_image(p, c);
	check_env(p, c);
	check_misc(p, c);
	pod_check_mounts(p, c);
}
