/* SPDX-License-Identifier: Apache-2.0 */
/*
 * netrules.h - the container firewall's vocabulary: destinations (an image,
 * a CIDR, a DNS name), ports and protocols; the user's rules file; and the
 * match of one connection against an entry (docs/network.md).
 *
 * Rules file (`moat defender --net-rules FILE`), one rule per line, '#'
 * starts a comment, fields separated by blanks:
 *
 *   ID  allow|deny  FROM  TO  PORT  PROTO
 *
 *   FROM   *, an image reference (as `docker run` named it) or an image id
 *          (sha256:HEX or a prefix of 12+ hex digits)
 *   TO     *, image:REF|ID, cidr:ADDR[/BITS] (IPv4 or IPv6), dns:NAME
 *   PORT   1-65535 or any;  PROTO tcp, udp or any
 *
 * Bounds: MOAT_NETRULES_MAX_FILE bytes, MOAT_NETRULES_MAX rules, lines of
 * MOAT_NETRULES_MAX_LINE bytes; an error names the file and line.
 */
#ifndef MOAT_DEFEND_NETRULES_H
#define MOAT_DEFEND_NETRULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;

#define MOAT_NETRULES_MAX_FILE (1u << 20)
#define MOAT_NETRULES_MAX 4096u
#define MOAT_NETRULES_MAX_LINE 1024u
#define MOAT_NET_ID_MAX 64u        /* rule id, bytes with the NUL */
#define MOAT_NET_NAME_MAX 256u     /* image reference or DNS name, with the NUL */

enum moat_net_proto {
	MOAT_NET_ANY = 0,
	MOAT_NET_TCP = 6,          /* IPPROTO_TCP */
	MOAT_NET_UDP = 17,         /* IPPROTO_UDP */
};

enum moat_net_to_kind {
	MOAT_NET_TO_ALL = 0,       /* "*" */
	MOAT_NET_TO_IMAGE = 1,     /* containers of an image */
	MOAT_NET_TO_CIDR = 2,
	MOAT_NET_TO_DNS = 3,
};

/* A destination. Addresses are kept in IPv6 form (IPv4 v4-mapped); bits
 * counts on that form (an IPv4 /24 is 120). */
struct moat_net_to {
	enum moat_net_to_kind kind;
	uint8_t addr[16];
	uint8_t bits;
	char name[MOAT_NET_NAME_MAX];  /* image reference or id; DNS name (lower case) */
};

/* One allow or deny: learned (network.json) or the user's (rules file). */
struct moat_net_entry {
	struct moat_net_to to;
	uint16_t port;                 /* host order; 0 = any */
	uint8_t proto;                 /* enum moat_net_proto */
	bool deny;
	char id[MOAT_NET_ID_MAX];      /* the user rule's id; "" for learned */
	char from[MOAT_NET_NAME_MAX];  /* user rules: "*", image reference or id */
};

/* What one connection is, for matching. */
struct moat_net_conn {
	uint8_t addr[16];              /* destination, IPv6 form */
	uint16_t port;
	uint8_t proto;
	const char *image_id;          /* destination container's image id, or NULL */
	const char *image_ref;         /* and its reference as the user named it */
	const char *const *dns;        /* names the destination address is known by */
	size_t n_dns;
};

struct moat_netrules {
	struct moat_net_entry *v;
	size_t n;
};

/* Parse "cidr:..."-less forms: ADDR or ADDR/BITS, IPv4 or IPv6. */
int moat_net_parse_cidr(const char *s, struct moat_net_to *to, struct moat_error *err);
/* Parse a TO field (see above). */
int moat_net_parse_to(const char *s, struct moat_net_to *to, struct moat_error *err);
/* "tcp", "udp", "any" (and the enum back). */
int moat_net_parse_proto(const char *s, uint8_t *ret);
const char *moat_net_proto_name(uint8_t proto);
/* The destination as text: "image:REF", "cidr:10.0.0.0/8", "dns:NAME", "*". */
void moat_net_to_format(const struct moat_net_to *to, char *out, size_t cap);
/* An IPv6-form address as text (IPv4 for v4-mapped). */
void moat_net_addr_format(const uint8_t addr[16], char *out, size_t cap);

/* Does an image (id "sha256:...", reference as named) match a FROM or image
 * pattern ("*", a reference, "name" for "name:latest", an id or id prefix)? */
bool moat_net_image_matches(const char *pattern, const char *image_id, const char *image_ref);
/* Does the connection fall under entry e (destination, port, protocol)? */
bool moat_net_entry_matches(const struct moat_net_entry *e, const struct moat_net_conn *c);
/* A dns: pattern against a name: "*.example.com" covers every name below
 * example.com (not example.com itself); otherwise the same name, any case. */
bool moat_net_dns_matches(const char *pattern, const char *name);

/* Parse a rules file's bytes; origin names it in errors. MOAT_E_FORMAT
 * (file:line: what), MOAT_E_LIMIT past a bound. */
int moat_netrules_parse(const uint8_t *data, size_t len, const char *origin,
			struct moat_netrules *ret, struct moat_error *err);
int moat_netrules_load(const char *path, struct moat_netrules *ret, struct moat_error *err);
void moat_netrules_free(struct moat_netrules *rs);

#endif
