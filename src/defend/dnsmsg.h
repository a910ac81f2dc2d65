/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dnsmsg.h - the part of a DNS response (RFC 1035) the firewall needs: the
 * name that was asked and the IPv4/IPv6 addresses of the answer section,
 * with their TTLs (docs/network.md, "DNS names").
 *
 * The bytes are a container's UDP payload copied by the kernel, so hostile:
 * every read is bounds-checked, compression pointers are only skipped (never
 * followed), at most MOAT_DNS_MAX_ANSWERS records are read, and a message
 * cut short by the capture keeps the records that were complete.
 */
#ifndef MOAT_DEFEND_DNSMSG_H
#define MOAT_DEFEND_DNSMSG_H

#include <stddef.h>
#include <stdint.h>

struct moat_error;

#define MOAT_DNS_NAME_MAX 254u       /* dotted, no final dot, with the NUL */
#define MOAT_DNS_MAX_ANSWERS 32u     /* address records kept per message */
#define MOAT_DNS_TTL_MAX 86400u      /* a TTL above a day is read as a day */

struct moat_dns_addr {
	uint8_t addr[16];                /* IPv6 form, IPv4 v4-mapped */
	uint32_t ttl;                    /* seconds */
};

struct moat_dns_msg {
	char qname[MOAT_DNS_NAME_MAX];   /* lower case, e.g. "api.example.com" */
	uint16_t id;
	size_t n;
	struct moat_dns_addr a[MOAT_DNS_MAX_ANSWERS];
};

/* Parse a response of len bytes. 0 with the addresses (none for an error
 * response or a name without A/AAAA records), MOAT_E_FORMAT when it is not
 * a response to one question about a usable name (letters, digits, '-',
 * '_'; labels of 1-63 bytes): err says what and at which byte. */
int moat_dns_parse(const uint8_t *p, size_t len, struct moat_dns_msg *out,
		   struct moat_error *err);

#endif
