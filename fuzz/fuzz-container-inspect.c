/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-container-inspect.c - what the defender keeps of the engine's
 * container inspect (privileged, user, published ports), on any JSON the
 * engine might answer with: bounded fields, each NUL-terminated, ports in
 * range, never more than MOAT_CONTAINER_PORTS kept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "sensor/container.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_container c;
	json_t *j = NULL;

	if (moat_json_parse(data, size, 1u << 20, "inspect", &j, NULL) < 0)
		return 0;
	memset(&c, 0x5a, sizeof(c));
	moat_container_exposure(&c, j);
	json_decref(j);
	if (!memchr(c.user, 0, sizeof(c.user)) || c.n_ports > MOAT_CONTAINER_PORTS)
		abort();
	for (unsigned i = 0; i < c.n_ports; i++)
		if (!c.ports[i].port || !c.ports[i].host_port ||
		    !memchr(c.ports[i].host_ip, 0, sizeof(c.ports[i].host_ip)) ||
		    !memchr(c.ports[i].proto, 0, sizeof(c.ports[i].proto)))
			abort();
	return 0;
}
