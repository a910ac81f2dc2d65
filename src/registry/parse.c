/* SPDX-License-Identifier: Apache-2.0 */
/*
 * parse.c - WWW-Authenticate, Link, references and platforms (parse.h).
 *
 * Header values come from whatever server answered, so every scan is a
 * single forward pass with an index that only grows, every copy is bounded
 * by its destination, and anything outside the grammar is an error naming
 * the offset, never a guess.
 */
#include <string.h>
#include <strings.h>

#include <stdio.h>

#include "base/json.h"
#include "moat/error.h"
#include "parse.h"

struct cursor {
	const char *s;
	size_t len;
	size_t i;
};

static bool is_tchar(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char peek(const struct cursor *c)
{
	if (c->i < c->len)
		return c->s[c->i];
	return '\0';
}

static void skip_ows(struct cursor *c)
{
	while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

/* A token; returns its length (0 = none). */
static size_t token(struct cursor *c, const char **ret)
{
	size_t start = c->i;

	while (c->i < c->len && is_tchar(c->s[c->i]))
		c->i++;
	*ret = c->s + start;
	return c->i - start;
}

static int copy_out(char *out, size_t size, const char *src, size_t len, const char *what,
		    struct moat_error *err)
{
	if (len >= size)
		return moat_error_set(err, MOAT_E_LIMIT, "header: %s over %zu bytes",
				      what, size - 1);
	memcpy(out, src, len);
	out[len] = '\0';
	return 0;
}

/* quoted-string or token after '='; the unescaped value goes to out. */
static int param_value(struct cursor *c, char *out, size_t size, struct moat_error *err)
{
	size_t n = 0;
	const char *tok;
	size_t tlen;

	if (peek(c) != '"') {
		tlen = token(c, &tok);
		if (tlen == 0)
			return moat_error_set(err, MOAT_E_FORMAT,
					      "header: empty parameter value at offset %zu",
					      c->i);
		return copy_out(out, size, tok, tlen, "parameter", err);
	}
	for (c->i++; c->i < c->len; c->i++) {
		char ch = c->s[c->i];

		if (ch == '"') {
			c->i++;
			out[n] = '\0';
			return 0;
		}
		if (ch == '\\' && ++c->i == c->len)
			break;
		ch = c->s[c->i];
		if ((unsigned char)ch < 0x20 && ch != '\t')
			return moat_error_set(err, MOAT_E_FORMAT,
					      "header: control byte at offset %zu", c->i);
		if (n + 1 >= size)
			return moat_error_set(err, MOAT_E_LIMIT,
					      "header: parameter over %zu bytes", size - 1);
		out[n++] = ch;
	}
	return moat_error_set(err, MOAT_E_FORMAT, "header: unterminated quoted string");
}

/* After a comma: does an auth-param ("name =") follow, or a new challenge? */
static bool param_follows(const struct cursor *c)
{
	struct cursor look = *c;
	const char *tok;

	skip_ows(&look);
	if (token(&look, &tok) == 0)
		return false;
	skip_ows(&look);
	if (peek(&look) != '=')
		return false;
	/* token68 ends in '=' padding ("YWJj=="): a value must follow a param's '='. */
	look.i++;
	skip_ows(&look);
	return peek(&look) == '"' || is_tchar(peek(&look));
}

static int one_param(struct cursor *c, struct moat_registry_challenge *ch, bool keep,
		     struct moat_error *err)
{
	char scratch[MOAT_REGISTRY_MAX_REALM];
	const char *name;
	size_t nlen = token(c, &name);
	char *out = scratch;
	size_t size = sizeof(scratch);

	skip_ows(c);
	if (nlen == 0 || peek(c) != '=')
		return moat_error_set(err, MOAT_E_FORMAT,
				      "WWW-Authenticate: want name=value at offset %zu", c->i);
	c->i++;
	skip_ows(c);
	if (keep && nlen == 5 && !strncasecmp(name, "realm", 5)) {
		out = ch->realm;
		size = sizeof(ch->realm);
	} else if (keep && nlen == 7 && !strncasecmp(name, "service", 7)) {
		out = ch->service;
		size = sizeof(ch->service);
	} else if (keep && nlen == 5 && !strncasecmp(name, "scope", 5)) {
		out = ch->scope;
		size = sizeof(ch->scope);
	} else if (keep && nlen == 5 && !strncasecmp(name, "error", 5)) {
		out = ch->error;
		size = sizeof(ch->error);
	}
	return param_value(c, out, size, err);
}

/* The parameters of one challenge, up to the comma before the next one. */
static int challenge_params(struct cursor *c, struct moat_registry_challenge *ch, bool keep,
			    struct moat_error *err)
{
	unsigned n = 0;
	int r;

	skip_ows(c);
	if (c->i == c->len || peek(c) == ',')
		return 0;
	if (!param_follows(c)) {
		/* token68: Basic/Negotiate credentials form; nothing we need. */
		while (c->i < c->len && peek(c) != ',' && peek(c) != ' ')
			c->i++;
		return 0;
	}
	for (;;) {
		if (++n > MOAT_REGISTRY_MAX_PARAMS)
			return moat_error_set(err, MOAT_E_LIMIT,
					      "WWW-Authenticate: more than %u parameters",
					      MOAT_REGISTRY_MAX_PARAMS);
		if ((r = one_param(c, ch, keep, err)) < 0)
			return r;
		skip_ows(c);
		if (c->i == c->len)
			return 0;
		if (peek(c) != ',')
			return moat_error_set(err, MOAT_E_FORMAT,
					      "WWW-Authenticate: unexpected byte at offset %zu", c->i);
		/* Empty list elements (",,") are allowed by the # rule. */
		while (peek(c) == ',' || peek(c) == ' ' || peek(c) == '\t')
			c->i++;
		if (c->i == c->len || !param_follows(c))
			return 0;       /* the end, or the next challenge's scheme */
	}
}

int moat_registry_parse_challenge(const char *value, size_t len,
				  struct moat_registry_challenge *ret, struct moat_error *err)
{
	struct cursor c = { value, len, 0 };
	struct moat_registry_challenge tmp;
	bool have_basic = false;
	unsigned n = 0;
	int r;

	memset(ret, 0, sizeof(*ret));
	for (;;) {
		const char *scheme;
		size_t slen;
		bool bearer, basic;

		while (peek(&c) == ',' || peek(&c) == ' ' || peek(&c) == '\t')
			c.i++;
		if (c.i == c.len)
			break;
		if (++n > MOAT_REGISTRY_MAX_CHALLENGES)
			return moat_error_set(err, MOAT_E_LIMIT,
					      "WWW-Authenticate: more than %u challenges",
					      MOAT_REGISTRY_MAX_CHALLENGES);
		slen = token(&c, &scheme);
		if (slen == 0)
			return moat_error_set(err, MOAT_E_FORMAT,
					      "WWW-Authenticate: want an auth scheme at offset %zu",
					      c.i);
		bearer = slen == 6 && !strncasecmp(scheme, "bearer", 6);
		basic = slen == 5 && !strncasecmp(scheme, "basic", 5);
		/* Bearer wins over Basic: keep the first Bearer, else the first Basic. */
		memset(&tmp, 0, sizeof(tmp));
		r = challenge_params(&c, &tmp, bearer || basic, err);
		if (r < 0)
			return r;
		if (bearer && ret->scheme != MOAT_REGISTRY_AUTH_BEARER) {
			*ret = tmp;
			ret->scheme = MOAT_REGISTRY_AUTH_BEARER;
		} else if (basic && !have_basic && ret->scheme == MOAT_REGISTRY_AUTH_NONE) {
			*ret = tmp;
			ret->scheme = MOAT_REGISTRY_AUTH_BASIC;
		}
		have_basic |= basic;
	}
	if (n == 0)
		return moat_error_set(err, MOAT_E_FORMAT, "WWW-Authenticate: empty");
	if (ret->scheme == MOAT_REGISTRY_AUTH_NONE)
		return moat_error_set(err, MOAT_E_UNSUPPORTED,
				      "WWW-Authenticate: no Basic or Bearer challenge");
	if (ret->scheme == MOAT_REGISTRY_AUTH_BEARER && !ret->realm[0])
		return moat_error_set(err, MOAT_E_FORMAT, "WWW-Authenticate: Bearer without realm");
	return 0;
}

/* One link-value: "<" URI ">" *( OWS ";" OWS link-param ). */
static int link_value(struct cursor *c, const char **ret_uri, size_t *ret_ulen, bool *ret_next,
		      struct moat_error *err)
{
	const char *uri = c->s + c->i + 1;
	const char *end = memchr(uri, '>', c->len - c->i - 1);
	char val[MOAT_REGISTRY_MAX_REALM];
	unsigned n = 0;
	int r;

	if (!end)
		return moat_error_set(err, MOAT_E_FORMAT, "Link: no '>' after offset %zu", c->i);
	*ret_uri = uri;
	*ret_ulen = (size_t)(end - uri);
	*ret_next = false;
	c->i = (size_t)(end - c->s) + 1;
	for (;;) {
		const char *name;
		size_t nlen;

		skip_ows(c);
		if (peek(c) != ';')
			return 0;
		c->i++;
		skip_ows(c);
		if (++n > MOAT_REGISTRY_MAX_PARAMS)
			return moat_error_set(err, MOAT_E_LIMIT, "Link: too many parameters");
		nlen = token(c, &name);
		skip_ows(c);
		if (nlen == 0 || peek(c) != '=')
			return moat_error_set(err, MOAT_E_FORMAT, "Link: bad parameter at offset %zu",
					      c->i);
		c->i++;
		skip_ows(c);
		r = param_value(c, val, sizeof(val), err);
		if (r < 0)
			return r;
		if (nlen != 3 || strncasecmp(name, "rel", 3) != 0)
			continue;
		for (char *save = NULL, *tok = strtok_r(val, " ", &save); tok;
		     tok = strtok_r(NULL, " ", &save))
			*ret_next |= !strcasecmp(tok, "next");
	}
}

int moat_registry_parse_link(const char *value, size_t len, char *next, size_t next_size,
			     struct moat_error *err)
{
	struct cursor c = { value, len, 0 };
	unsigned n = 0;

	for (;;) {
		const char *uri;
		size_t ulen;
		bool is_next;
		int r;

		while (peek(&c) == ',' || peek(&c) == ' ' || peek(&c) == '\t')
			c.i++;
		if (c.i == c.len)
			return 0;
		if (++n > MOAT_REGISTRY_MAX_CHALLENGES)
			return moat_error_set(err, MOAT_E_LIMIT, "Link: too many links");
		if (peek(&c) != '<')
			return moat_error_set(err, MOAT_E_FORMAT, "Link: want '<' at offset %zu", c.i);
		if ((r = link_value(&c, &uri, &ulen, &is_next, err)) < 0)
			return r;
		if (!is_next)
			continue;
		if (ulen == 0 || ulen >= next_size)
			return moat_error_set(err, MOAT_E_LIMIT, "Link: next URL empty or over %zu bytes",
					      next_size - 1);
		for (size_t i = 0; i < ulen; i++)
			if ((unsigned char)uri[i] <= 0x20 || uri[i] == 0x7f)
				return moat_error_set(err, MOAT_E_FORMAT,
						      "Link: space or control byte in the URL");
		memcpy(next, uri, ulen);
		next[ulen] = '\0';
		return 1;
	}
}

/* path-component: [a-z0-9]+ ((\.|_|__|-+)[a-z0-9]+)*, components joined by '/'. */
bool moat_registry_repo_valid(const char *repo, size_t len)
{
	bool need_alnum = true;

	if (len == 0 || len >= MOAT_REGISTRY_MAX_REPO)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = repo[i];
		bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');

		if (alnum) {
			need_alnum = false;
			continue;
		}
		if (need_alnum || !strchr("._-/", ch))
			return false;
		/* "__" and "--..." are separators too; "/" and "." must stand alone. */
		if ((ch == '/' || ch == '.') || !(i + 1 < len && repo[i + 1] == ch))
			need_alnum = true;
	}
	return !need_alnum;
}

bool moat_registry_tag_valid(const char *tag, size_t len)
{
	if (len == 0 || len > 128 || tag[0] == '.' || tag[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((tag[i] >= 'a' && tag[i] <= 'z') || (tag[i] >= 'A' && tag[i] <= 'Z') ||
		      (tag[i] >= '0' && tag[i] <= '9') || tag[i] == '_' || tag[i] == '.' ||
		      tag[i] == '-'))
			return false;
	return true;
}

static bool host_valid(const char *host, size_t len)
{
	if (len == 0 || len >= MOAT_REGISTRY_MAX_HOST)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= 'A' && host[i] <= 'Z') ||
		      (host[i] >= '0' && host[i] <= '9') || strchr(".-:[]", host[i])))
			return false;
	return true;
}

int moat_registry_ref_parse(const char *s, struct moat_registry_ref *ret, struct moat_error *err)
{
	const char *slash = strchr(s, '/');
	const char *at, *colon, *end;
	size_t hlen;

	memset(ret, 0, sizeof(*ret));
	if (!slash || !host_valid(s, (size_t)(slash - s)))
		return moat_error_set(err, MOAT_E_USAGE, "%s: want HOST[:PORT]/REPO[:TAG|@DIGEST]",
				      s);
	hlen = (size_t)(slash - s);
	memcpy(ret->host, s, hlen);
	at = strchr(slash, '@');
	colon = strrchr(slash, ':');
	if (at) {
		if (strlen(at + 1) >= sizeof(ret->digest) || !moat_digest_valid(at + 1, strlen(at + 1)))
			return moat_error_set(err, MOAT_E_USAGE, "%s: bad digest", s);
		snprintf(ret->digest, sizeof(ret->digest), "%s", at + 1);
		end = at;
		colon = memchr(slash, ':', (size_t)(at - slash));
		if (colon)      /* "repo:tag@digest": the digest decides, as in Docker */
			end = colon;
	} else if (colon) {
		if (!moat_registry_tag_valid(colon + 1, strlen(colon + 1)))
			return moat_error_set(err, MOAT_E_USAGE, "%s: bad tag", s);
		snprintf(ret->tag, sizeof(ret->tag), "%s", colon + 1);
		end = colon;
	} else {
		snprintf(ret->tag, sizeof(ret->tag), "%s", "latest");
		end = slash + strlen(slash);
	}
	if (!moat_registry_repo_valid(slash + 1, (size_t)(end - slash - 1)))
		return moat_error_set(err, MOAT_E_USAGE, "%s: bad repository name (lowercase "
				      "[a-z0-9] components separated by . _ - /)", s);
	memcpy(ret->repo, slash + 1, (size_t)(end - slash - 1));
	return 0;
}

static int part(const char **s, char *out, size_t size)
{
	const char *slash = strchr(*s, '/');
	size_t len = slash ? (size_t)(slash - *s) : strlen(*s);

	if (len == 0 || len >= size)
		return -1;
	memcpy(out, *s, len);
	out[len] = '\0';
	*s += len + (slash ? 1 : 0);
	return slash ? 1 : 0;
}

int moat_registry_platform_parse(const char *s, struct moat_registry_platform *ret,
				 struct moat_error *err)
{
	const char *p = s;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = part(&p, ret->os, sizeof(ret->os));
	if (r == 1)
		r = part(&p, ret->arch, sizeof(ret->arch));
	else
		r = -1;
	if (r == 1)
		r = part(&p, ret->variant, sizeof(ret->variant));
	if (r != 0)
		return moat_error_set(err, MOAT_E_USAGE, "--platform %s: want OS/ARCH[/VARIANT]", s);
	return 0;
}

static bool str_is(const json_t *obj, const char *key, const char *want)
{
	const char *v = moat_json_str(obj, key);

	return v && !strcmp(v, want);
}

const json_t *moat_registry_pick_platform(const json_t *index,
					  const struct moat_registry_platform *want,
					  struct moat_error *err)
{
	const json_t *manifests = json_object_get(index, "manifests");
	const json_t *fallback = NULL;
	char seen[160] = "";
	size_t i;
	json_t *d;

	json_array_foreach(manifests, i, d) {
		const json_t *plat = json_object_get(d, "platform");
		const char *variant = moat_json_str(plat, "variant");
		size_t n = strlen(seen);

		if (n < sizeof(seen) - 40 && moat_json_str(plat, "os") &&
		    moat_json_str(plat, "architecture"))
			snprintf(seen + n, sizeof(seen) - n, "%s%.16s/%.16s%s%.8s", n ? ", " : "",
				 moat_json_str(plat, "os"), moat_json_str(plat, "architecture"),
				 variant ? "/" : "", variant ? variant : "");
		if (!str_is(plat, "os", want->os) || !str_is(plat, "architecture", want->arch))
			continue;
		if (want->variant[0] && !str_is(plat, "variant", want->variant))
			continue;
		if (!want->variant[0] && variant && variant[0]) {
			if (!fallback)
				fallback = d;
			continue;
		}
		return d;
	}
	if (fallback)
		return fallback;
	moat_error_set(err, MOAT_E_NOTFOUND, "no manifest for platform %s/%s%s%s (the index has: %s)",
		       want->os, want->arch, want->variant[0] ? "/" : "", want->variant,
		       seen[0] ? seen : "none");
	return NULL;
}

bool moat_registry_media_is_index(const char *mt)
{
	return !strcmp(mt, MOAT_REGISTRY_MEDIA_OCI_INDEX) ||
	       !strcmp(mt, MOAT_REGISTRY_MEDIA_DOCKER_LIST);
}

/* Its own mediaType, else a plain Content-Type, else by shape. */
static void media_type(const json_t *doc, struct moat_slice ctype, char *out, size_t size)
{
	const char *mt = moat_json_str(doc, "mediaType");

	if (mt)
		snprintf(out, size, "%s", mt);
	else if (ctype.len && ctype.len < size && !memchr(ctype.ptr, ';', ctype.len))
		snprintf(out, size, "%.*s", (int)ctype.len, (const char *)ctype.ptr);
	else if (json_is_array(json_object_get(doc, "manifests")))
		snprintf(out, size, "%s", MOAT_REGISTRY_MEDIA_OCI_INDEX);
	else
		snprintf(out, size, "%s", MOAT_REGISTRY_MEDIA_OCI_MANIFEST);
}

int moat_registry_manifest_parse(const void *data, size_t len, struct moat_slice ctype,
				 const char *what, char *ret_type, size_t type_size,
				 json_t **ret_doc, struct moat_error *err)
{
	json_t *doc = NULL;
	json_t *sv;
	bool index;
	int r = moat_json_parse(data, len, MOAT_REGISTRY_MAX_MANIFEST, what, &doc, err);

	if (r < 0)
		return r;
	sv = json_object_get(doc, "schemaVersion");
	if (json_is_integer(sv) && json_integer_value(sv) == 1)
		r = moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: Docker schema 1 manifests are "
				   "not supported (re-push the image)", what);
	else if (!json_is_integer(sv) || json_integer_value(sv) != 2)
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: not a schemaVersion 2 manifest", what);
	if (r == 0) {
		media_type(doc, ctype, ret_type, type_size);
		index = moat_registry_media_is_index(ret_type);
		if (index ? !json_is_array(json_object_get(doc, "manifests"))
			  : !json_is_object(json_object_get(doc, "config")) ||
			    !json_is_array(json_object_get(doc, "layers")))
			r = moat_error_set(err, MOAT_E_FORMAT, "%s: %s without its %s", what,
					   ret_type, index ? "manifests" : "config and layers");
	}
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	*ret_doc = doc;
	return 0;
}
