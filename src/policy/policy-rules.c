/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-rules.c - the rule table: one row per check, with its id, its
 * action in the built-in default policy and its check. Adding a rule is
 * adding a row (and a line in docs/policy.md); loading, on/off, alert/block
 * and reporting come from the table.
 */
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy-int.h"

const char *const policy_engine_sockets[] = {
	"/var/run/docker.sock", "/run/docker.sock",
	"/var/run/containerd/containerd.sock", "/run/containerd/containerd.sock",
	"/var/run/crio/crio.sock", "/run/crio/crio.sock",
	"/var/run/podman/podman.sock", "/run/podman/podman.sock",
	"/var/run/cri-dockerd.sock", "/run/cri-dockerd.sock",
	NULL,
};

const char *const policy_default_host_prefixes[] = {
	"/", NULL,
};

void moat_policy_path_clean(const char *path, char *out, size_t len)
{
	size_t o = 0;

	if (len < 2) {
		if (len)
			out[0] = '\0';
		return;
	}
	out[o++] = '/';
	for (const char *p = path; *p;) {
		size_t n;

		while (*p == '/')
			p++;
		n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 1 && out[o - 1] != '/')
				o--;
			if (o > 1)
				o--; /* the slash before the dropped component */
		} else if (o + n + 1 < len) {
			if (o > 1)
				out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	out[o] = '\0';
}

bool policy_path_under(const char *path, const char *prefix)
{
	char a[4096], b[4096];
	size_t n;

	moat_policy_path_clean(path, a, sizeof(a));
	moat_policy_path_clean(prefix, b, sizeof(b));
	n = strlen(b);
	if (n == 1)
		return true; /* "/" holds everything */
	return !strncmp(a, b, n) && (a[n] == '\0' || a[n] == '/');
}

/* The boolean rules: a flag of the workload or the container, named by the
 * table row (flag_off, flag_msg). */
static bool hit_flag(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
		     size_t len)
{
	const struct policy_rule_def *def = &policy_rule_defs[r - cx->policy->rules];
	const char *base = def->scope == POLICY_SCOPE_WORKLOAD ? (const char *)cx->w :
			   (const char *)cx->c;
	bool set;

	memcpy(&set, base + def->flag_off, sizeof(set));
	snprintf(msg, len, "%s", def->flag_msg);
	return set;
}

/* A socket mount, or a mount of a directory that holds one ("/", "/run"). */
static bool hit_engine_socket(const struct policy_ctx *cx, const struct policy_rule *r,
			      char *msg, size_t len)
{
	(void)r;
	for (size_t i = 0; i < cx->c->n_host_paths; i++)
		for (const char *const *s = policy_engine_sockets; *s; s++)
			if (policy_path_under(*s, cx->c->host_paths[i])) {
				snprintf(msg, len, "mounts the container engine socket %s (host "
					 "path %s): full control of the host", *s,
					 cx->c->host_paths[i]);
				return true;
			}
	return false;
}

static bool hit_host_path(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
			  size_t len)
{
	const char *const *defs = policy_default_host_prefixes;

	for (size_t i = 0; i < cx->c->n_host_paths; i++) {
		const char *hp = cx->c->host_paths[i];

		for (size_t k = 0; k < r->list.n; k++)
			if (policy_path_under(hp, r->list.items[k])) {
				snprintf(msg, len, "mounts host path %s (under %s)", hp,
					 r->list.items[k]);
				return true;
			}
		for (size_t k = 0; !r->list.n && defs[k]; k++)
			if (policy_path_under(hp, defs[k])) {
				snprintf(msg, len, "mounts host path %s", hp);
				return true;
			}
	}
	return false;
}

static const char *cap_name(const char *c)
{
	return strncasecmp(c, "CAP_", 4) ? c : c + 4;
}

static bool hit_cap_add(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
			size_t len)
{
	for (size_t i = 0; i < cx->c->n_cap_add; i++) {
		const char *cap = cap_name(cx->c->cap_add[i]);
		bool allowed = false;

		for (size_t k = 0; k < r->list.n; k++)
			allowed |= !strcasecmp(cap, cap_name(r->list.items[k]));
		if (!allowed) {
			snprintf(msg, len, "adds capability %s", cap);
			return true;
		}
	}
	return false;
}

/* A host device not on the allow list (whole paths, cleaned). */
static bool hit_devices(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
			size_t len)
{
	for (size_t i = 0; i < cx->c->n_devices; i++) {
		const char *dev = cx->c->devices[i];
		char a[4096], b[4096];
		bool allowed = false;

		moat_policy_path_clean(dev, a, sizeof(a));
		for (size_t k = 0; dev[0] == '/' && k < r->list.n; k++) {
			moat_policy_path_clean(r->list.items[k], b, sizeof(b));
			allowed |= !strcmp(a, b);
		}
		if (!allowed) {
			snprintf(msg, len, "gets host device %s", dev);
			return true;
		}
	}
	return false;
}

static bool hit_volumes_from(const struct policy_ctx *cx, const struct policy_rule *r,
			     char *msg, size_t len)
{
	(void)r;
	if (!cx->c->n_volumes_from)
		return false;
	snprintf(msg, len, "inherits the mounts of container %s (--volumes-from)",
		 cx->c->volumes_from[0]);
	return true;
}

/* Trusted when the registry, a REGISTRY/REPO glob or the digest is listed.
 * A rule that lists nothing trusts everything. */
static bool hit_trusted(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
			size_t len)
{
	struct moat_image_ref ref;
	char full[800];
	const char *dig;

	if (!r->registries.n && !r->repos.n && !r->digests.n)
		return false;
	if (moat_image_ref_parse(cx->c->image, &ref) < 0) {
		snprintf(msg, len, "image reference '%s' cannot be parsed", cx->c->image);
		return true;
	}
	snprintf(full, sizeof(full), "%s/%s", ref.registry, ref.repo);
	dig = ref.digest[0] ? ref.digest : cx->verdict ? cx->verdict->digest : NULL;
	if (dig && policy_strs_has(&r->digests, dig))
		return false;
	if (ref.registry[0] && policy_strs_has(&r->registries, ref.registry))
		return false;
	for (size_t i = 0; ref.repo[0] && i < r->repos.n; i++)
		if (!fnmatch(r->repos.items[i], full, 0))
			return false;
	/* a glob with a tag or digest ("reg/app:1.*") is read against the whole reference */
	if (ref.repo[0] && r->repos.n && policy_image_match(&r->repos, cx->c->image))
		return false;
	snprintf(msg, len, "image %s is not from a trusted registry, repository or digest",
		 cx->c->image);
	return true;
}

/* An image named by a tag (which can move), not by its digest. */
static bool hit_digest(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
		       size_t len)
{
	(void)r;
	if (!cx->c->image || strchr(cx->c->image, '@') || !strncmp(cx->c->image, "sha256:", 7))
		return false;
	snprintf(msg, len, "image %s is named by a tag, not by a digest (NAME@sha256:...)",
		 cx->c->image);
	return true;
}

bool policy_image_match(const struct policy_strs *globs, const char *image)
{
	struct moat_image_ref ref;
	char forms[3][1024];
	size_t n = 0;

	if (moat_image_ref_parse(image, &ref) == 0 && ref.repo[0]) {
		snprintf(forms[n++], sizeof(forms[0]), "%s/%s", ref.registry, ref.repo);
		if (ref.digest[0])
			snprintf(forms[n++], sizeof(forms[0]), "%s/%s@%s", ref.registry, ref.repo,
				 ref.digest);
		else
			snprintf(forms[n++], sizeof(forms[0]), "%s/%s:%s", ref.registry, ref.repo,
				 ref.tag);
	}
	for (size_t i = 0; i < globs->n; i++) {
		if (!fnmatch(globs->items[i], image, 0))
			return true;
		for (size_t k = 0; k < n; k++)
			if (!fnmatch(globs->items[i], forms[k], 0))
				return true;
	}
	return false;
}

static bool hit_vulns(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
		      size_t len)
{
	(void)r;
	if (!cx->verdict || cx->verdict->state != MOAT_VERDICT_FAIL)
		return false;
	snprintf(msg, len, "image %s fails the vulnerability policy: %s", cx->c->image,
		 cx->verdict->summary ? cx->verdict->summary : "findings over the threshold");
	return true;
}

static bool hit_unscanned(const struct policy_ctx *cx, const struct policy_rule *r, char *msg,
			  size_t len)
{
	(void)r;
	if (cx->verdict && cx->verdict->state != MOAT_VERDICT_UNKNOWN)
		return false;
	snprintf(msg, len, "image %s has not been scanned by moat yet%s%s%s", cx->c->image,
		 cx->verdict && cx->verdict->summary ? " (" : "",
		 cx->verdict && cx->verdict->summary ? cx->verdict->summary : "",
		 cx->verdict && cx->verdict->summary ? ")" : "");
	return true;
}

#define W_FLAG(f) .flag_off = offsetof(struct moat_workload, f)
#define C_FLAG(f) .flag_off = offsetof(struct moat_container, f)

const struct policy_rule_def policy_rule_defs[] = {
	{ "privileged", MOAT_POLICY_BLOCK, POLICY_SCOPE_CONTAINER, NULL, hit_flag,
	  C_FLAG(privileged), "privileged container" },
	{ "engine_socket", MOAT_POLICY_BLOCK, POLICY_SCOPE_CONTAINER, NULL, hit_engine_socket },
	{ "host_pid", MOAT_POLICY_BLOCK, POLICY_SCOPE_WORKLOAD, NULL, hit_flag,
	  W_FLAG(host_pid), "shares the host PID namespace" },
	{ "host_network", MOAT_POLICY_BLOCK, POLICY_SCOPE_WORKLOAD, NULL, hit_flag,
	  W_FLAG(host_network), "shares the host network namespace" },
	{ "host_ipc", MOAT_POLICY_BLOCK, POLICY_SCOPE_WORKLOAD, NULL, hit_flag,
	  W_FLAG(host_ipc), "shares the host IPC namespace" },
	{ "host_uts", MOAT_POLICY_OFF, POLICY_SCOPE_WORKLOAD, NULL, hit_flag,
	  W_FLAG(host_uts), "shares the host UTS namespace" },
	{ "host_userns", MOAT_POLICY_OFF, POLICY_SCOPE_WORKLOAD, NULL, hit_flag,
	  W_FLAG(host_userns), "runs in the host user namespace (--userns host: no remapping)" },
	{ "host_cgroupns", MOAT_POLICY_OFF, POLICY_SCOPE_WORKLOAD, NULL, hit_flag,
	  W_FLAG(host_cgroupns), "shares the host cgroup namespace" },
	{ "host_devices", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, "allow", hit_devices },
	{ "volumes_from", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, NULL, hit_volumes_from },
	{ "host_path", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, "prefixes", hit_host_path },
	{ "cap_add", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, "allow", hit_cap_add },
	{ "seccomp_unconfined", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, NULL, hit_flag,
	  C_FLAG(seccomp_unconfined), "runs with seccomp unconfined" },
	{ "apparmor_unconfined", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, NULL, hit_flag,
	  C_FLAG(apparmor_unconfined), "runs with AppArmor unconfined" },
	{ "run_as_root", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, NULL, hit_flag,
	  C_FLAG(run_as_root), "may run as root (not forced to a non-root user)" },
	{ "trusted_images", MOAT_POLICY_OFF, POLICY_SCOPE_IMAGE, NULL, hit_trusted },
	{ "require_digest", MOAT_POLICY_OFF, POLICY_SCOPE_CONTAINER, NULL, hit_digest },
	{ "vulnerabilities", MOAT_POLICY_BLOCK, POLICY_SCOPE_IMAGE, NULL, hit_vulns },
	{ "unscanned", MOAT_POLICY_ALERT, POLICY_SCOPE_IMAGE, NULL, hit_unscanned },
};
const size_t policy_n_rule_defs = sizeof(policy_rule_defs) / sizeof(policy_rule_defs[0]);

static int copy_part(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* Docker's reading: the first component is a registry when it has a '.' or
 * ':' or is "localhost"; else the image is on docker.io, and a one-part
 * name there is under library/. */
int moat_image_ref_parse(const char *s, struct moat_image_ref *ret)
{
	struct moat_image_ref r = { 0 };
	const char *at = strchr(s, '@');
	size_t name_len = at ? (size_t)(at - s) : strlen(s);
	const char *slash = memchr(s, '/', name_len);
	const char *name = s;
	const char *colon;

	if (!name_len || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"0123456789._-/:@+") != strlen(s))
		return -1;
	if (at && copy_part(r.digest, sizeof(r.digest), at + 1, strlen(at + 1)))
		return -1;
	if (!strncmp(s, "sha256:", 7) && !slash) {
		/* a bare image id: no registry or repository */
		return copy_part(r.digest, sizeof(r.digest), s, name_len) ? -1 : (*ret = r, 0);
	}
	if (slash && (memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
		      (slash - s == 9 && !strncmp(s, "localhost", 9)))) {
		if (copy_part(r.registry, sizeof(r.registry), s, (size_t)(slash - s)))
			return -1;
		name = slash + 1;
	} else {
		snprintf(r.registry, sizeof(r.registry), "docker.io");
	}
	name_len -= (size_t)(name - s);
	colon = memchr(name, ':', name_len);
	if (colon) {
		if (copy_part(r.tag, sizeof(r.tag), colon + 1, name_len - (size_t)(colon - name) - 1))
			return -1;
		name_len = (size_t)(colon - name);
	}
	if (!name_len)
		return -1;
	if (!strcmp(r.registry, "docker.io") && !memchr(name, '/', name_len)) {
		if (name_len + 8 >= sizeof(r.repo))
			return -1;
		memcpy(r.repo, "library/", 8);
		memcpy(r.repo + 8, name, name_len);
		r.repo[8 + name_len] = '\0';
	} else if (copy_part(r.repo, sizeof(r.repo), name, name_len)) {
		return -1;
	}
	if (!r.tag[0] && !r.digest[0])
		snprintf(r.tag, sizeof(r.tag), "latest");
	*ret = r;
	return 0;
}
