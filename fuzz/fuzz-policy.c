/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-policy.c - the policy file loader: YAML (or JSON) bytes through the
 * YAML reader and every key check, then one decision with the result so a
 * policy that loads is also one that evaluates.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/yaml.h"
#include "policy/policy.h"

#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/etc", "/var/run" };
	static const char *const caps[] = { "SYS_ADMIN" };
	struct moat_container c = { .name = "c", .image = "ghcr.io/a/b:1", .host_paths = paths,
				    .n_host_paths = 2, .cap_add = caps, .n_cap_add = 1 };
	struct moat_workload w = { .kind = "Pod", .namespace = "ns", .containers = &c,
				   .n_containers = 1, .host_pid = true };
	struct moat_policy *p = NULL;
	struct moat_decision d;
	struct moat_arena *a;
	json_t *doc = NULL;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (moat_yaml_parse(data, size, "fuzz", FUZZ_MAX_INPUT, 16, &doc, NULL) < 0)
		return 0;
	if (moat_policy_from_json(doc, "fuzz", &p, NULL) == 0) {
		a = moat_arena_open(1u << 20);
		if (a && moat_policy_decide(p, &w, NULL, false, a, &d) == 0)
			(void)moat_decision_summary(&d, true, a);
		moat_arena_close(a);
		moat_policy_free(p);
	}
	json_decref(doc);
	return 0;
}
