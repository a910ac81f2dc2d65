/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-dns.c - DNS responses (as the kernel copies them from a container)
 * through the parser, then into the address -> name table. */
#include <stdint.h>
#include <string.h>

#include "defend/dnsmsg.h"
#include "defend/dnsnames.h"
#include "moat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct moat_dnsnames *t;
	static struct moat_dns_msg msg;
	struct moat_error err = { 0 };
	const char *names[MOAT_DNSN_NAMES];

	if (size > 4096)
		return 0;
	if (!t && moat_dnsnames_new(&t) < 0)
		return 0;
	if (moat_dns_parse(data, size, &msg, &err) == 0) {
		if (strlen(msg.qname) >= MOAT_DNS_NAME_MAX || msg.n > MOAT_DNS_MAX_ANSWERS)
			__builtin_trap();
		moat_dnsnames_add(t, size, &msg, 0);
		for (size_t i = 0; i < msg.n; i++)
			if (!moat_dnsnames_get(t, size, msg.a[i].addr, names))
				__builtin_trap();
		moat_dnsnames_expire(t, (int64_t)(size % 300));
	}
	return 0;
}
