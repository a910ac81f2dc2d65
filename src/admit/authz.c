/* SPDX-License-Identifier: Apache-2.0 */
/*
 * authz.c - decode Docker authorization plugin requests into workloads.
 *
 * The engine decodes its request bodies with Go's encoding/json, which
 * matches field names case-insensitively (with Unicode folding of 'ſ' and
 * the Kelvin sign) and lets the last duplicate win. We read the same way:
 * otherwise {"hostconfig":{"PRIVILEGED":true}} would pass us and run
 * privileged. Paths in the URI are cleaned before matching, and a create or
 * exec whose body the engine did not forward (too big, not JSON) is denied:
 * what we cannot see we cannot allow.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "admit.h"
#include "admit-int.h"
#include "base/arena.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"

/* Next byte of a field name, folded the way Go's encoding/json compares. */
static int fold_next(const char **p)
{
	const unsigned char *s = (const unsigned char *)*p;

	if (s[0] == 0xc5 && s[1] == 0xbf) { /* U+017F LATIN SMALL LETTER LONG S */
		*p += 2;
		return 's';
	}
	if (s[0] == 0xe2 && s[1] == 0x84 && s[2] == 0xaa) { /* U+212A KELVIN SIGN */
		*p += 3;
		return 'k';
	}
	*p += 1;
	return s[0] >= 'A' && s[0] <= 'Z' ? s[0] + 32 : s[0];
}

bool admit_key_eq(const char *key, const char *want)
{
	while (*key && *want)
		if (fold_next(&key) != fold_next(&want))
			return false;
	return !*key && !*want;
}

json_t *admit_get(json_t *obj, const char *name)
{
	json_t *hit = NULL;
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	json_object_foreach(obj, k, v)
		if (admit_key_eq(k, name))
			hit = v; /* the last one wins, as in Go */
	return json_is_null(hit) ? NULL : hit;
}

const char *admit_str(json_t *obj, const char *name)
{
	return json_string_value(admit_get(obj, name));
}

/* base64 (standard alphabet, padded) as Go encodes []byte. */
static int b64_decode(const char *in, size_t len, struct moat_arena *arena, uint8_t **ret,
		      size_t *ret_len)
{
	uint8_t *out;
	int n;
	size_t pad = 0;

	if (len % 4 || len > (size_t)MOAT_ADMIT_MAX_BODY * 2)
		return -EINVAL;
	out = moat_arena_alloc(arena, len / 4 * 3 + 1);
	if (!out)
		return MOAT_E_LIMIT;
	n = len ? EVP_DecodeBlock(out, (const unsigned char *)in, (int)len) : 0;
	if (n < 0)
		return -EINVAL;
	while (pad < 2 && len > pad && in[len - 1 - pad] == '=')
		pad++;
	*ret = out;
	*ret_len = (size_t)n - pad;
	out[*ret_len] = '\0';
	return 0;
}

/* Percent-decode and clean the URI path; the query goes to *ret_query. */
static char *clean_uri(const char *uri, struct moat_arena *arena, const char **ret_query)
{
	size_t n = strcspn(uri, "?");
	char *dec = moat_arena_alloc(arena, n + 1);
	char *out = moat_arena_alloc(arena, n + 2);
	size_t o = 0;

	if (!dec || !out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned hi, lo;

		if (uri[i] == '%' && i + 2 < n + 1 && sscanf(uri + i + 1, "%1x%1x", &hi, &lo) == 2) {
			dec[o++] = (char)(unsigned char)(hi << 4 | lo);
			i += 2;
		} else {
			dec[o++] = uri[i];
		}
	}
	dec[o] = '\0';
	moat_policy_path_clean(dec, out, n + 2);
	*ret_query = uri[n] == '?' ? uri + n + 1 : "";
	return out;
}

/* Value of a query parameter, percent-decoded, or NULL. */
static const char *query_get(const char *q, const char *name, struct moat_arena *arena)
{
	size_t nl = strlen(name);

	for (const char *p = q; *p;) {
		size_t n = strcspn(p, "&");

		if (n > nl && !strncmp(p, name, nl) && p[nl] == '=') {
			char *v = moat_arena_alloc(arena, n - nl);
			size_t o = 0;

			if (!v)
				return NULL;
			for (size_t i = nl + 1; i < n; i++) {
				unsigned hi, lo;

				if (p[i] == '%' && i + 2 < n && sscanf(p + i + 1, "%1x%1x", &hi, &lo) == 2) {
					v[o++] = (char)(unsigned char)(hi << 4 | lo);
					i += 2;
				} else if (p[i] == '+') {
					v[o++] = ' ';
				} else {
					v[o++] = p[i];
				}
			}
			v[o] = '\0';
			return v;
		}
		p += n + (p[n] == '&');
	}
	return NULL;
}

/* Strip "/v1.41" and split into at most 4 components. */
static size_t split_path(char *path, char **parts, size_t max)
{
	size_t n = 0;
	char *p = path;

	if (p[0] == '/' && p[1] == 'v' && p[2] >= '0' && p[2] <= '9') {
		p = strchr(p + 1, '/');
		if (!p)
			return 0;
	}
	while (*p == '/' && n < max) {
		char *e;

		p++;
		e = strchr(p, '/');
		parts[n++] = p;
		if (!e)
			break;
		*e = '/';
		p = e;
	}
	for (size_t i = 0; i < n; i++) {
		char *e = strchr(parts[i], '/');

		if (e)
			*e = '\0';
	}
	return n;
}

static bool is_root_user(const char *u)
{
	size_t n;

	if (!u)
		return false;
	n = strcspn(u, ":");
	return (n == 1 && u[0] == '0') || (n == 4 && !strncmp(u, "root", 4));
}

/* --userns/--cgroupns host, --device, --device-cgroup-rule, --volumes-from. */
static int decode_isolation(json_t *hc, struct moat_arena *arena, struct moat_authz_req *r,
			    struct moat_container *c)
{
	struct admit_strs devs = { 0 }, from = { 0 };
	const char *mode;
	json_t *v;
	size_t i;
	int rc;

	r->workload.host_userns = (mode = admit_str(hc, "UsernsMode")) && !strcmp(mode, "host");
	r->workload.host_cgroupns = (mode = admit_str(hc, "CgroupnsMode")) &&
				    !strcmp(mode, "host");
	json_array_foreach(admit_get(hc, "Devices"), i, v) {
		const char *dev = admit_str(v, "PathOnHost");

		if (dev && *dev && (rc = admit_strs_add(&devs, arena, dev)) < 0)
			return rc;
	}
	json_array_foreach(admit_get(hc, "DeviceCgroupRules"), i, v) {
		const char *rule = json_string_value(v);
		const char *s = rule ? moat_arena_printf(arena, "cgroup rule '%s'", rule) : NULL;

		if (rule && (!s || (rc = admit_strs_add(&devs, arena, s)) < 0))
			return MOAT_E_LIMIT;
	}
	/* "NAME[:ro|:rw]": the container's name or id */
	json_array_foreach(admit_get(hc, "VolumesFrom"), i, v) {
		const char *s = json_string_value(v);
		char *name = s ? moat_arena_strndup(arena, s, strcspn(s, ":")) : NULL;

		if (s && (!name || (rc = admit_strs_add(&from, arena, name)) < 0))
			return MOAT_E_LIMIT;
	}
	c->devices = (const char *const *)devs.items;
	c->n_devices = devs.n;
	c->volumes_from = (const char *const *)from.items;
	c->n_volumes_from = from.n;
	return 0;
}

static int decode_create(json_t *body, struct moat_arena *arena, struct moat_authz_req *r)
{
	json_t *hc = admit_get(body, "HostConfig");
	struct moat_container *c = moat_arena_zalloc(arena, sizeof(*c));
	struct admit_strs caps = { 0 }, paths = { 0 };
	json_t *v;
	size_t i;
	int rc;

	if (!c)
		return MOAT_E_LIMIT;
	c->image = admit_str(body, "Image");
	c->run_as_root = is_root_user(admit_str(body, "User"));
	r->workload.labels = admit_get(body, "Labels");
	if (json_is_object(hc)) {
		const char *mode;

		c->privileged = json_is_true(admit_get(hc, "Privileged"));
		r->workload.host_pid = (mode = admit_str(hc, "PidMode")) && !strcmp(mode, "host");
		r->workload.host_network = (mode = admit_str(hc, "NetworkMode")) &&
					   !strcmp(mode, "host");
		r->workload.host_ipc = (mode = admit_str(hc, "IpcMode")) && !strcmp(mode, "host");
		r->workload.host_uts = (mode = admit_str(hc, "UTSMode")) && !strcmp(mode, "host");
		json_array_foreach(admit_get(hc, "CapAdd"), i, v)
			if (json_is_string(v) && (rc = admit_strs_add(&caps, arena,
								      json_string_value(v))) < 0)
				return rc;
		json_array_foreach(admit_get(hc, "SecurityOpt"), i, v) {
			const char *s = json_string_value(v);

			if (!s)
				continue;
			if (!strcmp(s, "seccomp=unconfined") || !strcmp(s, "seccomp:unconfined"))
				c->seccomp_unconfined = true;
			if (!strcmp(s, "apparmor=unconfined") || !strcmp(s, "apparmor:unconfined"))
				c->apparmor_unconfined = true;
		}
		if ((rc = admit_docker_mounts(hc, arena, &paths)) < 0)
			return rc;
		if ((rc = decode_isolation(hc, arena, r, c)) < 0)
			return rc;
	}
	c->cap_add = (const char *const *)caps.items;
	c->n_cap_add = caps.n;
	c->host_paths = (const char *const *)paths.items;
	c->n_host_paths = paths.n;
	r->workload.kind = "container";
	r->workload.containers = c;
	r->workload.n_containers = 1;
	return 0;
}

static int decode_exec(json_t *body, const char *id, struct moat_arena *arena,
		       struct moat_authz_req *r)
{
	struct moat_container *c = moat_arena_zalloc(arena, sizeof(*c));

	if (!c)
		return MOAT_E_LIMIT;
	c->name = id;
	c->privileged = json_is_true(admit_get(body, "Privileged"));
	c->run_as_root = is_root_user(admit_str(body, "User"));
	r->workload.kind = "exec";
	r->workload.name = id;
	r->workload.containers = c;
	r->workload.n_containers = 1;
	return 0;
}

/* Pull and push name one image; only the trust rules look at them. */
static int image_only(const char *image, const char *kind, struct moat_arena *arena,
		      struct moat_authz_req *r)
{
	struct moat_container *c = moat_arena_zalloc(arena, sizeof(*c));

	if (!c)
		return MOAT_E_LIMIT;
	c->image = image;
	r->target = image;
	r->workload.kind = kind;
	r->workload.containers = c;
	r->workload.n_containers = 1;
	return 0;
}

/* A local volume with o=bind (or type=none) and a device is a host mount made
 * in two steps: volume create, then a plain volume mount. */
static int decode_volume(json_t *body, struct moat_arena *arena, struct moat_authz_req *r)
{
	json_t *opts = admit_get(body, "DriverOpts");
	const char *dev = admit_str(opts, "device");
	struct admit_strs paths = { 0 };
	struct moat_container *c;
	int rc;

	if (!dev || dev[0] != '/')
		return 0;
	c = moat_arena_zalloc(arena, sizeof(*c));
	if (!c || (rc = admit_strs_add(&paths, arena, dev)) < 0)
		return MOAT_E_LIMIT;
	c->name = admit_str(body, "Name");
	c->host_paths = (const char *const *)paths.items;
	c->n_host_paths = paths.n;
	r->kind = MOAT_AUTHZ_CREATE;
	r->workload.kind = "volume";
	r->workload.containers = c;
	r->workload.n_containers = 1;
	return 0;
}

static int classify(struct moat_authz_req *r, const char *b64, size_t b64_len,
		    struct moat_arena *arena, struct moat_error *err)
{
	const char *query;
	char *path = clean_uri(r->uri, arena, &query);
	char *parts[16];
	size_t n;
	uint8_t *raw = NULL;
	size_t raw_len = 0;
	json_t *body = NULL;
	int rc = 0;

	if (!path)
		return moat_error_set(err, MOAT_E_LIMIT, "authz request: out of memory");
	n = split_path(path, parts, 16);
	if (strcmp(r->method, "POST") != 0 || n < 2)
		return 0;
	if (!strcmp(parts[0], "images") && n == 2 && !strcmp(parts[1], "create")) {
		const char *from = query_get(query, "fromImage", arena);
		const char *tag = query_get(query, "tag", arena);

		if (!from)
			return 0; /* docker import (fromSrc): nothing is pulled */
		r->kind = MOAT_AUTHZ_PULL;
		if (tag && *tag)
			from = moat_arena_printf(arena, "%s%s%s", from,
						 strncmp(tag, "sha256:", 7) ? ":" : "@", tag);
		return from ? image_only(from, "pull", arena, r) : MOAT_E_LIMIT;
	}
	if (!strcmp(parts[0], "images") && n >= 3 && !strcmp(parts[n - 1], "push")) {
		/* the name may hold slashes: every part between images/ and /push */
		const char *tag = query_get(query, "tag", arena);
		char *name;

		name = moat_arena_strdup(arena, parts[1]);
		for (size_t i = 2; name && i + 1 < n; i++)
			name = moat_arena_printf(arena, "%s/%s", name, parts[i]);
		if (name && tag && *tag)
			name = moat_arena_printf(arena, "%s:%s", name, tag);
		r->kind = MOAT_AUTHZ_PUSH;
		return name ? image_only(name, "push", arena, r) : MOAT_E_LIMIT;
	}
	if (!strcmp(parts[0], "containers") && n == 2 && !strcmp(parts[1], "create"))
		r->kind = MOAT_AUTHZ_CREATE;
	else if (!strcmp(parts[0], "containers") && n == 3 && !strcmp(parts[2], "exec"))
		r->kind = MOAT_AUTHZ_EXEC;
	else if (!strcmp(parts[0], "volumes") && n == 2 && !strcmp(parts[1], "create"))
		r->kind = MOAT_AUTHZ_OTHER;
	else
		return 0;
	if (!b64) {
		if (r->kind == MOAT_AUTHZ_OTHER)
			return 0;
		return moat_error_set(err, MOAT_E_FORMAT, "%s %s: the engine did not pass the "
				      "request body (not JSON or over 1 MiB), so it cannot be "
				      "checked", r->method, r->uri);
	}
	if ((rc = b64_decode(b64, b64_len, arena, &raw, &raw_len)) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "RequestBody: not base64");
	if ((rc = moat_json_parse(raw, raw_len, MOAT_ADMIT_MAX_BODY, "RequestBody", &body, err)) < 0)
		return rc;
	if (!json_is_object(body)) {
		json_decref(body);
		return moat_error_set(err, MOAT_E_FORMAT, "RequestBody: not a JSON object");
	}
	if ((rc = admit_keep(arena, body)) < 0) {
		json_decref(body);
		return moat_error_set(err, rc, "authz request: out of memory");
	}
	if (r->kind == MOAT_AUTHZ_CREATE)
		rc = decode_create(body, arena, r);
	else if (r->kind == MOAT_AUTHZ_EXEC)
		rc = decode_exec(body, parts[1], arena, r);
	else
		rc = decode_volume(body, arena, r);
	return rc < 0 ? moat_error_set(err, rc, "authz request: out of memory") : 0;
}

int moat_authz_decode(const uint8_t *data, size_t len, struct moat_arena *arena,
		      struct moat_authz_req *ret, struct moat_error *err)
{
	struct moat_authz_req r = { 0 };
	json_t *doc = NULL;
	const char *b64;
	size_t b64_len = 0;
	int rc;

	if ((rc = moat_json_parse(data, len, (uint64_t)MOAT_ADMIT_MAX_BODY * 2, "authz request", &doc,
				  err)) < 0)
		return rc;
	if (!json_is_object(doc) || (rc = admit_keep(arena, doc)) < 0) {
		json_decref(doc);
		return moat_error_set(err, MOAT_E_FORMAT, "authz request: not a JSON object");
	}
	r.method = moat_json_str(doc, "RequestMethod");
	r.uri = moat_json_str(doc, "RequestUri");
	r.user = moat_json_str(doc, "User");
	if (!r.user)
		r.user = "";
	if (!r.method || !r.uri)
		return moat_error_set(err, MOAT_E_FORMAT, "authz request: no RequestMethod or "
				      "RequestUri");
	b64 = moat_json_strn(doc, "RequestBody", &b64_len);
	if ((rc = classify(&r, b64, b64_len, arena, err)) < 0)
		return rc;
	*ret = r;
	return 0;
}

int moat_authz_encode(bool allow, const char *msg, const char *errmsg, struct moat_buf *out)
{
	struct moat_jw jw;

	moat_jw_init(&jw, out, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kbool(&jw, "Allow", allow);
	if (msg && *msg)
		moat_jw_kstr(&jw, "Msg", msg);
	if (errmsg && *errmsg)
		moat_jw_kstr(&jw, "Err", errmsg);
	moat_jw_obj_end(&jw);
	return moat_jw_finish(&jw);
}

int moat_authz_inherit(struct moat_authz_req *r, json_t *const *inspects,
		       struct moat_arena *arena)
{
	struct moat_container *c;
	struct admit_strs paths = { 0 };
	json_t *m;
	size_t i;
	int rc;

	if (r->kind != MOAT_AUTHZ_CREATE || r->workload.n_containers != 1)
		return 0;
	/* the container is the request's own, from this arena */
	c = (struct moat_container *)(uintptr_t)r->workload.containers;
	for (i = 0; i < c->n_host_paths; i++)
		if ((rc = admit_strs_add(&paths, arena, c->host_paths[i])) < 0)
			return rc;
	for (size_t k = 0; k < c->n_volumes_from; k++) {
		/* "Mounts" holds what the source got by its own --volumes-from too */
		json_array_foreach(json_object_get(inspects[k], "Mounts"), i, m) {
			const char *type = moat_json_str(m, "Type");
			const char *src = moat_json_str(m, "Source");

			if (type && !strcmp(type, "bind") && src && src[0] == '/' &&
			    (rc = admit_strs_add(&paths, arena, src)) < 0)
				return rc;
		}
	}
	c->host_paths = (const char *const *)paths.items;
	c->n_host_paths = paths.n;
	return 0;
}
