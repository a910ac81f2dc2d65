/* SPDX-License-Identifier: Apache-2.0 */
/* cpolicy.c - the console's baseline and firewall policies, and scopes (cpolicy.h). */
#include "defend/cpolicy.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "moat/error.h"
#include "sensor/container.h"

struct moat_cpolicy {
	struct moat_cpol v[MOAT_CPOL_MAX];
	size_t n;
};

/* ---- scopes ---- */

static void strings_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A list of 1..MOAT_NET_NAME_MAX-1 byte strings; absent = none. */
static int strings_parse(const json_t *list, const char *where, const char *key,
			 char ***ret, size_t *ret_n, struct moat_error *err)
{
	const json_t *s;
	size_t i;

	*ret = NULL;
	*ret_n = 0;
	if (!list)
		return 0;
	if (!json_is_array(list) || json_array_size(list) > MOAT_CPOL_PATTERNS)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: want a list of at most %u "
				      "strings", where, key, MOAT_CPOL_PATTERNS);
	*ret = calloc(json_array_size(list) + 1, sizeof(**ret));
	if (!*ret)
		return moat_error_set(err, -ENOMEM, "out of memory");
	json_array_foreach(list, i, s) {
		const char *t = json_string_value(s);

		if (!t || !t[0] || strlen(t) >= MOAT_NET_NAME_MAX)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s[%zu]: want a string of 1 to "
					      "%u bytes", where, key, i, MOAT_NET_NAME_MAX - 1);
		if (!((*ret)[i] = strdup(t)))
			return moat_error_set(err, -ENOMEM, "out of memory");
		(*ret_n)++;
	}
	return 0;
}

int moat_scope_parse(const json_t *v, const char *where, struct moat_scope *ret,
		     struct moat_error *err)
{
	size_t known;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	if (!v || json_is_null(v))
		return 0;
	known = !!json_object_get(v, "images") + !!json_object_get(v, "namespaces") +
		!!json_object_get(v, "labels");
	if (!json_is_object(v) || json_object_size(v) != known)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: scope: want an object of \"images\", "
				      "\"namespaces\" and \"labels\" only", where);
	r = strings_parse(json_object_get(v, "images"), where, "scope.images", &ret->images,
			  &ret->n_images, err);
	if (r == 0)
		r = strings_parse(json_object_get(v, "namespaces"), where, "scope.namespaces",
				  &ret->namespaces, &ret->n_namespaces, err);
	if (r == 0)
		r = strings_parse(json_object_get(v, "labels"), where, "scope.labels", &ret->labels,
				  &ret->n_labels, err);
	if (r < 0)
		moat_scope_release(ret);
	return r;
}

void moat_scope_release(struct moat_scope *s)
{
	strings_free(s->images, s->n_images);
	strings_free(s->namespaces, s->n_namespaces);
	strings_free(s->labels, s->n_labels);
	memset(s, 0, sizeof(*s));
}

bool moat_cpol_image_matches(const char *pattern, const char *image_id, const char *image_ref)
{
	const char *digest = image_ref ? strchr(image_ref, '@') : NULL;

	if (moat_net_image_matches(pattern, image_id, image_ref))
		return true;
	if (digest && !strcmp(pattern, digest + 1))
		return true;            /* a repo digest: ref@sha256:... */
	return image_ref && image_ref[0] && fnmatch(pattern, image_ref, 0) == 0;
}

/* "KEY" is there, or "KEY=GLOB" matches its value. */
static bool label_matches(const char *pat, const char *labels)
{
	const char *eq = strchr(pat, '=');
	size_t klen = eq ? (size_t)(eq - pat) : strlen(pat);
	const char *line = labels;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char value[MOAT_CONTAINER_LABELS];

		if (len > klen && line[klen] == '=' && !strncmp(line, pat, klen)) {
			if (!eq)
				return true;
			snprintf(value, sizeof(value), "%.*s", (int)(len - klen - 1), line + klen + 1);
			if (fnmatch(eq + 1, value, 0) == 0)
				return true;
		}
		line = end ? end + 1 : NULL;
	}
	return false;
}

bool moat_scope_matches(const struct moat_scope *s, const struct moat_scope_target *t)
{
	bool ok;

	if (!s)
		return true;
	ok = !s->n_images;
	for (size_t i = 0; !ok && i < s->n_images; i++)
		ok = moat_cpol_image_matches(s->images[i], t->image_id, t->image_ref);
	if (!ok)
		return false;
	ok = !s->n_namespaces;
	for (size_t i = 0; !ok && i < s->n_namespaces; i++)
		ok = t->k8s_ns && t->k8s_ns[0] && fnmatch(s->namespaces[i], t->k8s_ns, 0) == 0;
	if (!ok)
		return false;
	ok = !s->n_labels;
	for (size_t i = 0; !ok && i < s->n_labels; i++)
		ok = label_matches(s->labels[i], t->labels);
	return ok;
}

/* ---- policies ---- */

static int baseline_parse(struct moat_cpol *p, const json_t *rules, const char *where,
			  struct moat_error *err)
{
	const char *mode = moat_json_str(rules, "mode");
	const json_t *mins = json_object_get(rules, "learn_minutes");
	struct moat_error e = { 0 };
	int r;

	if (!mode || moat_state_mode_parse(mode, &p->mode, &e) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.mode: learn, alert or enforce",
				      where);
	if (!p->block && p->mode == MOAT_STATE_ENFORCE)
		p->mode = MOAT_STATE_ALERT;     /* a dry run kills nothing */
	if (mins && !json_is_null(mins)) {
		if (!json_is_integer(mins) || json_integer_value(mins) < 1 ||
		    json_integer_value(mins) > 60L * 24 * 90)
			return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.learn_minutes: 1 to "
					      "129600", where);
		p->learn_sec = (uint64_t)json_integer_value(mins) * 60u;
	}
	r = strings_parse(json_object_get(rules, "images"), where, "rules.images", &p->images,
			  &p->n_images, err);
	return r;
}

static int flow_parse(struct moat_net_entry *e, const json_t *f, bool deny, const char *name,
		      const char *where, size_t i, struct moat_error *err)
{
	const char *from = moat_json_str(f, "from");
	const char *to = moat_json_str(f, "to");
	const char *proto = moat_json_str(f, "proto");
	const json_t *port = json_object_get(f, "port");
	struct moat_error e2 = { 0 };
	const char *list = deny ? "deny" : "allow";

	memset(e, 0, sizeof(*e));
	if (!json_is_object(f) || !from || !to || !from[0] || strlen(from) >= MOAT_NET_NAME_MAX)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.%s[%zu]: want {\"from\", \"to\", "
				      "\"port\", \"proto\"}", where, list, i);
	if (moat_net_parse_to(to, &e->to, &e2) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.%s[%zu].to: %s", where, list, i,
				      e2.msg);
	if (port && !json_is_null(port) && (!json_is_integer(port) ||
					    json_integer_value(port) < 0 ||
					    json_integer_value(port) > 65535))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.%s[%zu].port: 0 to 65535",
				      where, list, i);
	e->port = json_is_integer(port) ? (uint16_t)json_integer_value(port) : 0;
	if (proto && moat_net_parse_proto(proto, &e->proto) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.%s[%zu].proto: tcp, udp or any",
				      where, list, i);
	e->deny = deny;
	/* "image:REF" as in `to` (the console's forms write it so) is REF */
	snprintf(e->from, sizeof(e->from), "%s", strncmp(from, "image:", 6) ? from : from + 6);
	snprintf(e->id, sizeof(e->id), "console:%.54s", name);
	return 0;
}

static int firewall_parse(struct moat_cpol *p, const json_t *rules, const char *where,
			  struct moat_error *err)
{
	const json_t *allow = json_object_get(rules, "allow");
	const json_t *deny = json_object_get(rules, "deny");
	const char *def = moat_json_str(rules, "default");
	size_t n = 0;
	const json_t *f;
	size_t i;
	int r;

	if ((allow && !json_is_array(allow)) || (deny && !json_is_array(deny)))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.allow and rules.deny: lists of "
				      "flows", where);
	if (def && strcmp(def, "allow") != 0 && strcmp(def, "deny") != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rules.default: allow or deny", where);
	p->default_deny = def && !strcmp(def, "deny");
	if (json_array_size(allow) + json_array_size(deny) > MOAT_CPOL_FLOWS)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u flows", where,
				      MOAT_CPOL_FLOWS);
	p->flows = calloc(json_array_size(allow) + json_array_size(deny) + 1, sizeof(*p->flows));
	if (!p->flows)
		return moat_error_set(err, -ENOMEM, "out of memory");
	/* denials first: they win over every allow (docs/console.md) */
	json_array_foreach(deny, i, f)
		if ((r = flow_parse(&p->flows[n++], f, true, p->name, where, i, err)) < 0)
			return r;
	json_array_foreach(allow, i, f)
		if ((r = flow_parse(&p->flows[n++], f, false, p->name, where, i, err)) < 0)
			return r;
	p->n_flows = n;
	return 0;
}

static void cpol_release(struct moat_cpol *p)
{
	moat_scope_release(&p->scope);
	strings_free(p->images, p->n_images);
	free(p->flows);
	memset(p, 0, sizeof(*p));
}

static int parse_one(struct moat_cpolicy *cp, const json_t *pol, enum moat_cpol_kind kind,
		     size_t idx, struct moat_error *err)
{
	const json_t *rules = json_object_get(pol, "rules");
	const char *name = moat_json_str(pol, "name");
	const char *mode = moat_json_str(pol, "mode");
	struct moat_cpol *p;
	char where[128];
	int r;

	snprintf(where, sizeof(where), "policies[%zu] (%s policy %.48s)", idx,
		 kind == MOAT_CPOL_BASELINE ? "baseline" : "firewall", name ? name : "?");
	if (cp->n == MOAT_CPOL_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u baseline and firewall "
				      "policies", where, MOAT_CPOL_MAX);
	if (!json_is_object(rules))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: \"rules\" is not an object", where);
	p = &cp->v[cp->n];
	p->kind = kind;
	snprintf(p->name, sizeof(p->name), "%s", name ? name : "?");
	p->block = mode && !strcmp(mode, "block");
	r = moat_scope_parse(json_object_get(rules, "scope"), where, &p->scope, err);
	if (r == 0)
		r = kind == MOAT_CPOL_BASELINE ? baseline_parse(p, rules, where, err)
					       : firewall_parse(p, rules, where, err);
	if (r < 0) {
		cpol_release(p);
		return r;
	}
	cp->n++;
	return 0;
}

int moat_cpolicy_foreach(const json_t *policies, const char *const *kinds, moat_cpolicy_fn fn,
			 void *ctx, struct moat_error *err)
{
	const json_t *pol;
	size_t i;

	if (!json_is_array(policies))
		return moat_error_set(err, MOAT_E_FORMAT, "\"policies\" is not a list");
	json_array_foreach(policies, i, pol) {
		const char *kind = moat_json_str(pol, "kind");
		int r = 0;

		if (!json_is_object(pol) || !kind)
			return moat_error_set(err, MOAT_E_FORMAT, "policies[%zu]: no kind", i);
		if (!json_is_true(json_object_get(pol, "enabled")))
			continue;
		for (size_t k = 0; kinds[k]; k++)
			if (!strcmp(kind, kinds[k])) {
				r = fn(pol, kind, i, ctx, err);
				break;
			}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_each(const json_t *pol, const char *kind, size_t idx, void *ctx,
		      struct moat_error *err)
{
	return parse_one(ctx, pol, !strcmp(kind, "baseline") ? MOAT_CPOL_BASELINE
							     : MOAT_CPOL_FIREWALL, idx, err);
}

int moat_cpolicy_parse(const json_t *policies, struct moat_cpolicy **ret, struct moat_error *err)
{
	static const char *const kinds[] = { "baseline", "firewall", NULL };
	struct moat_cpolicy *cp = calloc(1, sizeof(*cp));
	int r;

	*ret = NULL;
	if (!cp)
		return moat_error_set(err, -ENOMEM, "out of memory");
	r = moat_cpolicy_foreach(policies, kinds, parse_each, cp, err);
	if (r < 0) {
		moat_cpolicy_free(cp);
		return r;
	}
	*ret = cp;
	return 0;
}

void moat_cpolicy_free(struct moat_cpolicy *cp)
{
	if (!cp)
		return;
	for (size_t i = 0; i < cp->n; i++)
		cpol_release(&cp->v[i]);
	free(cp);
}

size_t moat_cpolicy_count(const struct moat_cpolicy *cp)
{
	return cp ? cp->n : 0;
}

const struct moat_cpol *moat_cpolicy_get(const struct moat_cpolicy *cp, size_t i)
{
	return &cp->v[i];
}

static bool baseline_applies(const struct moat_cpol *p, const struct moat_scope_target *t)
{
	bool img = !p->n_images;

	for (size_t i = 0; !img && i < p->n_images; i++)
		img = moat_cpol_image_matches(p->images[i], t->image_id, t->image_ref);
	return img && moat_scope_matches(&p->scope, t);
}

int moat_cpolicy_baseline(const struct moat_cpolicy *cp, const struct moat_scope_target *t,
			  enum moat_state_mode *ret_mode, uint64_t *ret_learn_sec,
			  const char **ret_name)
{
	const struct moat_cpol *best = NULL;

	for (size_t i = 0; cp && i < cp->n; i++) {
		const struct moat_cpol *p = &cp->v[i];

		if (p->kind != MOAT_CPOL_BASELINE || !baseline_applies(p, t))
			continue;
		if (!best || p->mode > best->mode)
			best = p;
	}
	if (!best)
		return 0;
	*ret_mode = best->mode;
	*ret_learn_sec = best->learn_sec;
	*ret_name = best->name;
	return 1;
}

uint64_t moat_cpolicy_firewall(const struct moat_cpolicy *cp, const struct moat_scope_target *t)
{
	uint64_t mask = 0;

	for (size_t i = 0; cp && i < cp->n; i++)
		if (cp->v[i].kind == MOAT_CPOL_FIREWALL && moat_scope_matches(&cp->v[i].scope, t))
			mask |= 1ull << i;
	return mask;
}

enum moat_state_mode moat_cpolicy_window(enum moat_state_mode mode, uint64_t learn_sec,
					 uint64_t start, uint64_t now)
{
	if (!learn_sec)
		return mode;
	if (!start || now < start || now - start < learn_sec)
		return MOAT_STATE_LEARN;
	return mode == MOAT_STATE_LEARN ? MOAT_STATE_ALERT : mode;
}
