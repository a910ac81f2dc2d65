/* SPDX-License-Identifier: Apache-2.0 */
/* netpolicy.c - a learned allow-list as a Kubernetes NetworkPolicy. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "netmodel.h"
#include "netpolicy.h"
#include "state.h"

#define LABEL_KEY "app.kubernetes.io/name"

void moat_netpolicy_label(const char *ref, char out[64])
{
	const char *start = ref ? ref : "";
	const char *slash = strrchr(start, '/');
	size_t n = 0;

	if (slash)
		start = slash + 1;
	/* the tag or digest is not part of the name */
	for (const char *p = start; *p && *p != ':' && *p != '@' && n < 63; p++) {
		unsigned char c = (unsigned char)*p;

		out[n++] = isalnum(c) || c == '-' || c == '_' || c == '.' ? (char)c : '-';
	}
	while (n && !isalnum((unsigned char)out[n - 1]))
		n--;
	out[n] = 0;
	n = strspn(out, "-_.");
	memmove(out, out + n, strlen(out + n) + 1);
}

static bool label_ok(const char *s, size_t len, size_t max)
{
	if (len > max)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_./", s[i]))
			return false;
	return len == 0 || (isalnum((unsigned char)s[0]) && isalnum((unsigned char)s[len - 1]));
}

static int check(const struct moat_netpolicy_opts *o, struct moat_error *err)
{
	for (size_t i = 0; i < o->n_selector; i++) {
		const char *eq = strchr(o->selector[i], '=');

		if (!eq || eq == o->selector[i] || !label_ok(o->selector[i],
							     (size_t)(eq - o->selector[i]), 253) ||
		    strchr(eq + 1, '/') || !label_ok(eq + 1, strlen(eq + 1), 63))
			return moat_error_set(err, MOAT_E_USAGE,
					      "selector %s: want key=value with label characters",
					      o->selector[i]);
	}
	if (o->name && !label_ok(o->name, strlen(o->name), 253))
		return moat_error_set(err, MOAT_E_USAGE, "policy name %s: not a Kubernetes name",
				      o->name);
	if (o->k8s_namespace && (!label_ok(o->k8s_namespace, strlen(o->k8s_namespace), 63) ||
				 strchr(o->k8s_namespace, '/')))
		return moat_error_set(err, MOAT_E_USAGE, "namespace %s: not a Kubernetes name",
				      o->k8s_namespace);
	return 0;
}

static void selector(struct moat_jw *jw, const struct moat_netpolicy_opts *o, const char *label)
{
	moat_jw_obj_begin(jw);
	moat_jw_key(jw, "matchLabels");
	moat_jw_obj_begin(jw);
	if (o && o->n_selector) {
		for (size_t i = 0; i < o->n_selector; i++) {
			const char *eq = strchr(o->selector[i], '=');
			char key[256];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - o->selector[i]), o->selector[i]);
			moat_jw_kstr(jw, key, eq + 1);
		}
	} else {
		moat_jw_kstr(jw, LABEL_KEY, label);
	}
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

static void ports(struct moat_jw *jw, const struct moat_net_entry *e)
{
	static const char *const names[] = { "TCP", "UDP" };
	static const uint8_t protos[] = { MOAT_NET_TCP, MOAT_NET_UDP };

	if (!e->port && !e->proto)
		return;       /* every port of every protocol: no "ports" at all */
	moat_jw_key(jw, "ports");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < 2; i++) {
		if (e->proto && e->proto != protos[i])
			continue;
		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "protocol", names[i]);
		if (e->port)
			moat_jw_kuint(jw, "port", e->port);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

/* One egress rule; false when the entry has no NetworkPolicy form. */
static bool egress(struct moat_jw *jw, const struct moat_net_learned *l)
{
	char to[MOAT_NET_NAME_MAX + 16];
	char label[64];

	if (l->e.to.kind == MOAT_NET_TO_DNS)
		return false;
	if (l->e.to.kind == MOAT_NET_TO_IMAGE) {
		moat_netpolicy_label(l->ref, label);
		if (!label[0])
			return false;
	}
	moat_jw_obj_begin(jw);
	if (l->e.to.kind != MOAT_NET_TO_ALL) {
		moat_jw_key(jw, "to");
		moat_jw_arr_begin(jw);
		moat_jw_obj_begin(jw);
		if (l->e.to.kind == MOAT_NET_TO_IMAGE) {
			moat_jw_key(jw, "podSelector");
			selector(jw, NULL, label);
		} else {
			moat_net_to_format(&l->e.to, to, sizeof(to));
			moat_jw_key(jw, "ipBlock");
			moat_jw_obj_begin(jw);
			moat_jw_kstr(jw, "cidr", to + 5);
			moat_jw_obj_end(jw);
		}
		moat_jw_obj_end(jw);
		moat_jw_arr_end(jw);
	}
	ports(jw, &l->e);
	moat_jw_obj_end(jw);
	return true;
}

int moat_netpolicy_write(const struct moat_netmodel *m, const struct moat_netpolicy_opts *o,
			 struct moat_buf *out, size_t *ret_skipped, struct moat_error *err)
{
	char label[64];
	char name[300];
	struct moat_jw jw;
	size_t skipped = 0;
	int r = check(o, err);

	if (r < 0)
		return r;
	moat_netpolicy_label(o->image_ref, label);
	if (!label[0] && !o->n_selector)
		return moat_error_set(err, MOAT_E_USAGE, "image %s: no repository name to select "
				      "pods by; give a selector", o->image_ref ? o->image_ref : "");
	snprintf(name, sizeof(name), "%s", o->name ? o->name : "");
	if (!o->name)
		snprintf(name, sizeof(name), "moat-%s", label[0] ? label : "policy");
	for (char *p = name; *p; p++)
		*p = (char)tolower((unsigned char)(*p == '_' || *p == '.' ? '-' : *p));
	moat_jw_init(&jw, out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "apiVersion", "networking.k8s.io/v1");
	moat_jw_kstr(&jw, "kind", "NetworkPolicy");
	moat_jw_key(&jw, "metadata");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "name", name);
	if (o->k8s_namespace)
		moat_jw_kstr(&jw, "namespace", o->k8s_namespace);
	moat_jw_key(&jw, "annotations");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "moat.dev/image", o->image_ref ? o->image_ref : "");
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_key(&jw, "spec");
	moat_jw_obj_begin(&jw);
	moat_jw_key(&jw, "podSelector");
	selector(&jw, o, label);
	moat_jw_key(&jw, "policyTypes");
	moat_jw_arr_begin(&jw);
	moat_jw_str(&jw, "Egress");
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "egress");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < m->n; i++)
		if (!egress(&jw, &m->v[i]))
			skipped++;
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	if (ret_skipped)
		*ret_skipped = skipped;
	r = moat_jw_finish(&jw);
	return r < 0 ? moat_error_set(err, r, "network policy: %s", moat_strerror(r)) : 0;
}

/* The first reference the image ran under, for the policy's labels. */
static void first_ref(struct moat_state *st, const char *key, char *out, size_t cap)
{
	struct moat_error err = { 0 };
	struct moat_buf refs;

	moat_buf_init(&refs, 0);
	out[0] = 0;
	if (moat_state_refs(st, key, &refs, &err) == 0 && refs.len) {
		const char *nl = memchr(refs.data, '\n', refs.len);
		size_t n = nl ? (size_t)(nl - (const char *)refs.data) : refs.len;

		snprintf(out, cap, "%.*s", (int)n, (const char *)refs.data);
	}
	moat_buf_release(&refs);
}

int moat_netpolicy_export(struct moat_state *st, const char *key, const char *image,
			  const struct moat_netpolicy_opts *o, struct moat_buf *out,
			  size_t *ret_skipped, struct moat_error *err)
{
	struct moat_netpolicy_opts po = *o;
	char ref[MOAT_STATE_REF_MAX + 1];
	struct moat_netmodel m = { 0 };
	struct moat_buf in;
	int r;

	if (!po.image_ref) {
		first_ref(st, key, ref, sizeof(ref));
		po.image_ref = ref;
	}
	moat_buf_init(&in, MOAT_NETMODEL_FILE_MAX + 1);
	r = moat_state_read(st, key, "network.json", &in, err);
	if (r == -ENOENT)
		r = moat_error_set(err, MOAT_E_NOTFOUND, "image %s: no network learned yet", image);
	if (r == 0)
		r = moat_netmodel_parse(in.data, in.len, "network.json", &m, err);
	if (r == 0)
		r = moat_netpolicy_write(&m, &po, out, ret_skipped, err);
	if (r == 0 && (!out->len || out->data[out->len - 1] != '\n'))
		r = moat_buf_putc(out, '\n');
	moat_netmodel_free(&m);
	moat_buf_release(&in);
	return r;
}
