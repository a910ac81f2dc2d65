/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-netmodel.c - the firewall's JSON state files (hand-editable, so
 * hostile): network.json (then written back and exported as a
 * NetworkPolicy), netgraph.json and isolation.json, each through its parser.
 */
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "defend/netgraph.h"
#include "defend/netiso.h"
#include "defend/netmodel.h"
#include "defend/netpolicy.h"
#include "moat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_netpolicy_opts po = { .image_ref = "registry.example/shop/web:1" };
	struct moat_netmodel m = { 0 };
	struct moat_error err = { 0 };
	struct moat_netgraph *g = NULL;
	static struct moat_netiso iso_buf;   /* 1 MiB: not per run */
	struct moat_netiso *iso = &iso_buf;
	struct moat_buf out;

	if (size > (1u << 20))
		return 0;
	moat_buf_init(&out, 0);
	if (moat_netmodel_parse(data, size, "fuzz", &m, &err) == 0) {
		moat_netmodel_write(&m, "sha256:00", &out);
		moat_buf_reset(&out);
		moat_netpolicy_write(&m, &po, &out, NULL, &err);
		moat_netmodel_free(&m);
	}
	moat_buf_reset(&out);
	if (moat_netgraph_parse(data, size, "fuzz", &g, &err) == 0) {
		moat_netgraph_write(g, &out, 0);
		moat_buf_reset(&out);
		moat_netgraph_table(g, &out);
		moat_netgraph_free(g);
	}
	moat_buf_reset(&out);
	if (moat_netiso_parse(data, size, "fuzz", iso, &err) == 0)
		moat_netiso_write(iso, &out);
	moat_buf_release(&out);
	return 0;
}
