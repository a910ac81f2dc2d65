/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-netrules.c - firewall rules files through the parser, then a match of every rule. */
#include <stdint.h>
#include <string.h>

#include "defend/netrules.h"
#include "moat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const dns[] = { "api.example.com" };
	struct moat_netrules rs = { 0 };
	struct moat_error err = { 0 };
	struct moat_net_conn c = { .port = 443, .proto = MOAT_NET_TCP, .image_id = "sha256:0123456789abcdef",
				   .image_ref = "web", .dns = dns, .n_dns = 1 };
	char text[MOAT_NET_NAME_MAX + 16];

	c.addr[10] = c.addr[11] = 0xff;
	c.addr[12] = 10;
	c.addr[15] = 7;
	if (size > MOAT_NETRULES_MAX_FILE)
		return 0;
	if (moat_netrules_parse(data, size, "fuzz", &rs, &err) == 0) {
		for (size_t i = 0; i < rs.n; i++) {
			moat_net_entry_matches(&rs.v[i], &c);
			moat_net_image_matches(rs.v[i].from, c.image_id, c.image_ref);
			moat_net_to_format(&rs.v[i].to, text, sizeof(text));
		}
		moat_netrules_free(&rs);
	}
	return 0;
}
