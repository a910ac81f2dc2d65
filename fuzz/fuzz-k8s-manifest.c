/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-k8s-manifest.c - the manifest loading path: moat_k8s_add() on
 * arbitrary bytes (YAML/JSON streams, List items, Helm comments), every
 * check, the bindings' role join, the findings as moat config findings and
 * as moat.comply/v1 results.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "comply/k8s.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_error err = {0};
	struct moat_k8s_scan *scan = NULL;
	struct moat_arena *arena;
	struct moat_misconfig_list list = {0};
	struct moat_k8s_result *res = NULL;
	size_t n = 0;

	if (size > FUZZ_MAX_INPUT || moat_k8s_open(&scan, &err) < 0)
		return 0;
	arena = moat_arena_open(256u << 20);
	if (arena && moat_k8s_add(scan, "fuzz.yaml", data, size, &err) == 0 &&
	    moat_k8s_finish(scan, &err) == 0) {
		moat_k8s_to_misconfig(scan, arena, &list, &err);
		moat_k8s_results(scan, arena, &res, &n, &err);
	}
	moat_arena_close(arena);
	moat_k8s_close(scan);
	return 0;
}
