/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netrules.c - destinations, the rules file, and the match of a connection
 * against an entry. Every field is bounded and checked before it is kept;
 * a bad line rejects the whole file (the defender keeps what it had).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/slice.h"
#include "moat/error.h"
#include "netrules.h"

#define FIELDS 6

int moat_net_parse_proto(const char *s, uint8_t *ret)
{
	if (!strcmp(s, "tcp"))
		*ret = MOAT_NET_TCP;
	else if (!strcmp(s, "udp"))
		*ret = MOAT_NET_UDP;
	else if (!strcmp(s, "any") || !strcmp(s, "*"))
		*ret = MOAT_NET_ANY;
	else
		return -1;
	return 0;
}

const char *moat_net_proto_name(uint8_t proto)
{
	return proto == MOAT_NET_TCP ? "tcp" : proto == MOAT_NET_UDP ? "udp" : "any";
}

/* Zero the host bits so equal networks compare equal. */
static void mask(uint8_t addr[16], unsigned bits)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * i : 0;

		addr[i] &= (uint8_t)(0xff00u >> keep);
	}
}

int moat_net_parse_cidr(const char *s, struct moat_net_to *to, struct moat_error *err)
{
	char text[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	uint64_t bits = 0;
	unsigned max;
	struct in_addr a4;

	if (alen == 0 || alen >= INET6_ADDRSTRLEN)
		return moat_error_set(err, MOAT_E_FORMAT, "bad address");
	memcpy(text, s, alen);
	text[alen] = 0;
	memset(to, 0, sizeof(*to));
	to->kind = MOAT_NET_TO_CIDR;
	if (inet_pton(AF_INET, text, &a4) == 1) {
		to->addr[10] = to->addr[11] = 0xff;
		memcpy(&to->addr[12], &a4, 4);
		max = 32;
	} else if (inet_pton(AF_INET6, text, to->addr) == 1) {
		max = 128;
	} else {
		return moat_error_set(err, MOAT_E_FORMAT, "bad address");
	}
	bits = max;
	if (slash && (!moat_slice_to_u64(moat_slice_str(slash + 1), &bits) || bits > max ||
		      !slash[1]))
		return moat_error_set(err, MOAT_E_FORMAT, "bad prefix length");
	to->bits = (uint8_t)(bits + 128 - max);
	mask(to->addr, to->bits);
	return 0;
}

/* A DNS name: labels of letters, digits, '-' and '_', 1-63 bytes, 253 in all. */
static bool dns_name_ok(const char *s)
{
	size_t len = strlen(s);
	size_t label = 0;

	if (len == 0 || len > 253)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (isalnum(c) || c == '-' || c == '_' || (c == '*' && i == 0)) {
			if (++label > 63)
				return false;
		} else {
			return false;
		}
	}
	return true;
}

/* Image references and ids: printable, no blanks or control bytes. */
static bool image_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len >= MOAT_NET_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

int moat_net_parse_to(const char *s, struct moat_net_to *to, struct moat_error *err)
{
	memset(to, 0, sizeof(*to));
	if (!strcmp(s, "*"))
		return 0;
	if (!strncmp(s, "cidr:", 5))
		return moat_net_parse_cidr(s + 5, to, err);
	if (!strncmp(s, "image:", 6)) {
		if (!image_name_ok(s + 6))
			return moat_error_set(err, MOAT_E_FORMAT, "bad image reference");
		to->kind = MOAT_NET_TO_IMAGE;
		snprintf(to->name, sizeof(to->name), "%s", s + 6);
		return 0;
	}
	if (!strncmp(s, "dns:", 4)) {
		if (!dns_name_ok(s + 4))
			return moat_error_set(err, MOAT_E_FORMAT, "bad DNS name");
		to->kind = MOAT_NET_TO_DNS;
		for (size_t i = 0; s[4 + i]; i++)
			to->name[i] = (char)tolower((unsigned char)s[4 + i]);
		return 0;
	}
	return moat_error_set(err, MOAT_E_FORMAT,
			      "destination must be *, image:REF, cidr:ADDR[/BITS] or dns:NAME");
}

void moat_net_addr_format(const uint8_t addr[16], char *out, size_t cap)
{
	static const uint8_t v4[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	char text[INET6_ADDRSTRLEN];

	if (!memcmp(addr, v4, 12))
		inet_ntop(AF_INET, addr + 12, text, sizeof(text));
	else
		inet_ntop(AF_INET6, addr, text, sizeof(text));
	snprintf(out, cap, "%s", text);
}

void moat_net_to_format(const struct moat_net_to *to, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	bool v4 = to->addr[10] == 0xff && to->addr[11] == 0xff && to->bits >= 96;

	switch (to->kind) {
	case MOAT_NET_TO_IMAGE:
		snprintf(out, cap, "image:%s", to->name);
		break;
	case MOAT_NET_TO_DNS:
		snprintf(out, cap, "dns:%s", to->name);
		break;
	case MOAT_NET_TO_CIDR:
		moat_net_addr_format(to->addr, a, sizeof(a));
		snprintf(out, cap, "cidr:%s/%u", a, v4 ? to->bits - 96u : to->bits);
		break;
	default:
		snprintf(out, cap, "*");
		break;
	}
}

static bool hex_prefix_of(const char *pattern, const char *image_id)
{
	const char *p = !strncmp(pattern, "sha256:", 7) ? pattern + 7 : pattern;
	const char *id = image_id && !strncmp(image_id, "sha256:", 7) ? image_id + 7 : image_id;
	size_t len = strlen(p);

	if (!id || len < 12 || len > 64 || strspn(p, "0123456789abcdef") != len)
		return false;
	return !strncmp(p, id, len);
}

bool moat_net_image_matches(const char *pattern, const char *image_id, const char *image_ref)
{
	size_t len = strlen(pattern);

	if (!strcmp(pattern, "*"))
		return true;
	if (hex_prefix_of(pattern, image_id))
		return true;
	if (!image_ref || !image_ref[0])
		return false;
	if (!strcmp(pattern, image_ref))
		return true;
	/* "name" is "name:latest"; neither may carry a digest or tag then */
	if (!strchr(pattern, ':') && !strncmp(image_ref, pattern, len) &&
	    !strcmp(image_ref + len, ":latest"))
		return true;
	return !strchr(image_ref, ':') && !strncmp(pattern, image_ref, strlen(image_ref)) &&
	       !strcmp(pattern + strlen(image_ref), ":latest");
}

static bool in_cidr(const struct moat_net_to *to, const uint8_t addr[16])
{
	uint8_t a[16];

	memcpy(a, addr, 16);
	mask(a, to->bits);
	return !memcmp(a, to->addr, 16);
}

bool moat_net_dns_matches(const char *pattern, const char *name)
{
	size_t pl = strlen(pattern);
	size_t nl = strlen(name);

	if (pattern[0] == '*' && pattern[1] == '.')
		return nl > pl - 1 && !strcasecmp(name + nl - (pl - 1), pattern + 1);
	return !strcasecmp(pattern, name);
}

bool moat_net_entry_matches(const struct moat_net_entry *e, const struct moat_net_conn *c)
{
	if (e->port && e->port != c->port)
		return false;
	if (e->proto && e->proto != c->proto)
		return false;
	switch (e->to.kind) {
	case MOAT_NET_TO_ALL:
		return true;
	case MOAT_NET_TO_CIDR:
		return in_cidr(&e->to, c->addr);
	case MOAT_NET_TO_IMAGE:
		return c->image_id && moat_net_image_matches(e->to.name, c->image_id, c->image_ref);
	case MOAT_NET_TO_DNS:
		for (size_t i = 0; i < c->n_dns; i++)
			if (moat_net_dns_matches(e->to.name, c->dns[i]))
				return true;
		return false;
	}
	return false;
}

/* Split a line into up to FIELDS blank-separated, NUL-terminated fields. */
static size_t split(char *line, char *f[FIELDS + 1])
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
		if (n == FIELDS + 1)
			return n;
		f[n++] = t;
	}
	return n;
}

static int parse_fields(char **f, struct moat_net_entry *e, struct moat_error *err)
{
	uint64_t port = 0;
	size_t idlen = strlen(f[0]);

	memset(e, 0, sizeof(*e));
	if (idlen >= MOAT_NET_ID_MAX || strspn(f[0], "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") != idlen)
		return moat_error_set(err, MOAT_E_FORMAT, "rule id: letters, digits, '-', '_', '.', "
				      "at most %u bytes", MOAT_NET_ID_MAX - 1);
	memcpy(e->id, f[0], idlen + 1);
	if (strcmp(f[1], "allow") != 0 && strcmp(f[1], "deny") != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "action must be allow or deny");
	e->deny = !strcmp(f[1], "deny");
	if (!image_name_ok(f[2]))
		return moat_error_set(err, MOAT_E_FORMAT, "bad source image");
	snprintf(e->from, sizeof(e->from), "%s", f[2]);
	if (moat_net_parse_to(f[3], &e->to, err) < 0)
		return MOAT_E_FORMAT;
	if (strcmp(f[4], "any") != 0 && (!moat_slice_to_u64(moat_slice_str(f[4]), &port) ||
				    port == 0 || port > 65535))
		return moat_error_set(err, MOAT_E_FORMAT, "port must be 1-65535 or any");
	e->port = (uint16_t)port;
	if (moat_net_parse_proto(f[5], &e->proto) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "protocol must be tcp, udp or any");
	return 0;
}

static int parse_line(char *line, struct moat_netrules *rs, size_t *cap, struct moat_error *err)
{
	char *f[FIELDS + 1];
	char *hash = strchr(line, '#');
	size_t n;

	if (hash)
		*hash = 0;
	n = split(line, f);
	if (n == 0)
		return 0;
	if (n != FIELDS)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "want 6 fields: ID allow|deny FROM TO PORT PROTO");
	if (rs->n == MOAT_NETRULES_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "more than %u rules", MOAT_NETRULES_MAX);
	if (rs->n == *cap) {
		size_t nc = *cap ? *cap * 2 : 16;
		struct moat_net_entry *v = realloc(rs->v, nc * sizeof(*v));

		if (!v)
			return moat_error_set(err, -ENOMEM, "out of memory");
		rs->v = v;
		*cap = nc;
	}
	if (parse_fields(f, &rs->v[rs->n], err) < 0)
		return MOAT_E_FORMAT;
	for (size_t i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].id, rs->v[rs->n].id))
			return moat_error_set(err, MOAT_E_FORMAT, "duplicate rule id %s",
					      rs->v[i].id);
	rs->n++;
	return 0;
}

int moat_netrules_parse(const uint8_t *data, size_t len, const char *origin,
			struct moat_netrules *ret, struct moat_error *err)
{
	struct moat_slice in = moat_slice_make(data, len);
	struct moat_slice line;
	struct moat_netrules rs = { 0 };
	char text[MOAT_NETRULES_MAX_LINE + 1];
	size_t cap = 0;
	unsigned lineno = 0;

	if (len > MOAT_NETRULES_MAX_FILE)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: larger than %u bytes", origin,
				      MOAT_NETRULES_MAX_FILE);
	while (moat_slice_line(&in, &line)) {
		struct moat_error e = { 0 };
		int r = 0;

		lineno++;
		if (line.len > MOAT_NETRULES_MAX_LINE)
			r = moat_error_set(&e, MOAT_E_LIMIT, "line longer than %u bytes",
					   MOAT_NETRULES_MAX_LINE);
		else if (memchr(line.ptr, 0, line.len))
			r = moat_error_set(&e, MOAT_E_FORMAT, "NUL byte");
		if (r == 0) {
			memcpy(text, line.ptr, line.len);
			text[line.len] = 0;
			r = parse_line(text, &rs, &cap, &e);
		}
		if (r < 0) {
			moat_netrules_free(&rs);
			return moat_error_set(err, r, "%s:%u: %s", origin, lineno, e.msg);
		}
	}
	*ret = rs;
	return 0;
}

int moat_netrules_load(const char *path, struct moat_netrules *ret, struct moat_error *err)
{
	struct moat_buf b;
	int r;

	moat_buf_init(&b, MOAT_NETRULES_MAX_FILE + 1);
	r = moat_read_file(path, MOAT_NETRULES_MAX_FILE, &b, err);
	if (r == 0)
		r = moat_netrules_parse(b.data, b.len, path, ret, err);
	moat_buf_release(&b);
	return r;
}

void moat_netrules_free(struct moat_netrules *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
}
