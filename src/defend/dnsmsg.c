/* SPDX-License-Identifier: Apache-2.0 */
/* dnsmsg.c - a DNS response's question and address records (dnsmsg.h). */
#include <string.h>

#include "dnsmsg.h"
#include "moat/error.h"

#define HDR 12u
#define T_A 1u
#define T_AAAA 28u
#define C_IN 1u

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int label_char(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
		return c;
	return -1;
}

/* The question's name, uncompressed, into out; *off moves past it. */
static int read_qname(const uint8_t *p, size_t len, size_t *off, char *out,
		      struct moat_error *err)
{
	size_t o = *off, w = 0;

	for (;;) {
		uint8_t l;

		if (o >= len)
			return moat_error_set(err, MOAT_E_FORMAT, "dns: question name cut at byte %zu", o);
		l = p[o++];
		if (!l)
			break;
		if (l > 63)
			return moat_error_set(err, MOAT_E_FORMAT,
					      "dns: compressed or bad label at byte %zu", o - 1);
		if (o + l > len || w + l + 1 >= MOAT_DNS_NAME_MAX)
			return moat_error_set(err, MOAT_E_FORMAT, "dns: question name too long at byte %zu",
					      o - 1);
		if (w)
			out[w++] = '.';
		for (uint8_t i = 0; i < l; i++) {
			int c = label_char(p[o + i]);

			if (c < 0)
				return moat_error_set(err, MOAT_E_FORMAT,
						      "dns: unusable character in the name at byte %zu", o + i);
			out[w++] = (char)c;
		}
		o += l;
	}
	if (!w)
		return moat_error_set(err, MOAT_E_FORMAT, "dns: the question is the root name");
	out[w] = 0;
	*off = o;
	return 0;
}

/* Skip a (possibly compressed) name; 0 when it was cut short. */
static size_t skip_name(const uint8_t *p, size_t len, size_t o)
{
	for (unsigned hops = 0; o < len && hops < 128; hops++) {
		uint8_t l = p[o];

		if (!l)
			return o + 1;
		if ((l & 0xc0) == 0xc0)
			return o + 2 <= len ? o + 2 : 0;
		if (l > 63)
			return 0;
		o += 1u + l;
	}
	return 0;
}

static void add_addr(struct moat_dns_msg *out, const uint8_t *rd, uint16_t type, uint32_t ttl)
{
	struct moat_dns_addr *a = &out->a[out->n++];

	memset(a->addr, 0, 16);
	if (type == T_A) {
		a->addr[10] = a->addr[11] = 0xff;
		memcpy(&a->addr[12], rd, 4);
	} else {
		memcpy(a->addr, rd, 16);
	}
	a->ttl = ttl > MOAT_DNS_TTL_MAX ? MOAT_DNS_TTL_MAX : ttl;
}

int moat_dns_parse(const uint8_t *p, size_t len, struct moat_dns_msg *out,
		   struct moat_error *err)
{
	size_t o = HDR;
	uint16_t ancount;

	memset(out, 0, sizeof(*out));
	if (len < HDR)
		return moat_error_set(err, MOAT_E_FORMAT, "dns: %zu bytes, shorter than a header", len);
	if (!(p[2] & 0x80) || (p[2] & 0x78))
		return moat_error_set(err, MOAT_E_FORMAT, "dns: not a response to a standard query");
	if (be16(p + 4) != 1)
		return moat_error_set(err, MOAT_E_FORMAT, "dns: %u questions, not one", be16(p + 4));
	out->id = be16(p);
	ancount = be16(p + 6);
	if (read_qname(p, len, &o, out->qname, err) < 0)
		return MOAT_E_FORMAT;
	if (o + 4 > len)
		return moat_error_set(err, MOAT_E_FORMAT, "dns: question cut at byte %zu", o);
	o += 4;
	if ((p[3] & 0x0f) != 0)
		return 0;               /* NXDOMAIN and other errors: no addresses */
	for (uint16_t i = 0; i < ancount && out->n < MOAT_DNS_MAX_ANSWERS; i++) {
		uint16_t type, class, rdlen;
		uint32_t ttl;

		o = skip_name(p, len, o);
		if (!o || o + 10 > len)
			break;      /* cut by the capture: keep the complete records */
		type = be16(p + o);
		class = be16(p + o + 2);
		ttl = be32(p + o + 4);
		rdlen = be16(p + o + 8);
		o += 10;
		if (o + rdlen > len)
			break;
		/* CNAME chains are followed by the resolver: every address of the
		 * answer section is what the asked name led to */
		if (class == C_IN && ((type == T_A && rdlen == 4) || (type == T_AAAA && rdlen == 16)))
			add_addr(out, p + o, type, ttl);
		o += rdlen;
	}
	return 0;
}
