/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-console-policy.c - the console's policy answer as moat authz and
 * moat webhook read it (network input, and the cache in the state dir):
 * bounded JSON through moat_policy_from_console, every policy that
 * translates decided on a privileged, root, host-PID container, and the
 * vulnerability thresholds written as a scan's policy; and the same answer
 * as `moat comply docker|k8s|node --console` reads it (its compliance
 * policies per benchmark, merged per check with a local comply: section).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/json.h"
#include "policy/policy.h"

#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const benches[] = { "docker", "k8s", "node" };
static const char *const ids[] = { "5.5", "2.13", "MOAT-K8S-001", "MOAT-K8S-056", "4.2.1",
				   "none" };

/* The compliance policies for bench, each check's merged action. */
static void comply(json_t *doc, const struct moat_policy *local, const char *bench)
{
	struct moat_policy **list = NULL;
	char tmpl[32];
	size_t n = 0;

	if (moat_policy_comply_from_console(doc, bench, &list, &n, tmpl, sizeof(tmpl), NULL) < 0)
		return;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		(void)moat_policy_comply_merged(local, list, n, bench, ids[i]);
		(void)moat_policy_comply_merged(NULL, list, n, bench, ids[i]);
	}
	for (size_t i = 0; i < n; i++)
		(void)moat_policy_scoped(list[i]);
	moat_policy_list_free(list, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_container c = { .name = "c", .image = "ghcr.io/a/b:1", .privileged = true,
				    .run_as_root = true };
	json_t *labels = json_pack("{s:s}", "team", "pay");
	struct moat_workload w = { .kind = "Pod", .namespace = "prod", .labels = labels,
				   .containers = &c, .n_containers = 1, .host_pid = true };
	struct moat_policy *base = NULL, **list = NULL;
	size_t n = 0;
	json_t *doc = NULL;

	if (size > FUZZ_MAX_INPUT || moat_policy_default(&base, NULL) < 0) {
		json_decref(labels);
		return 0;
	}
	if (moat_json_parse(data, size, FUZZ_MAX_INPUT, "fuzz", &doc, NULL) == 0 &&
	    moat_policy_from_console(doc, base, &list, &n, NULL) == 0) {
		struct moat_arena *a = moat_arena_open(1u << 20);
		struct moat_decision all = { .allow = true };

		for (size_t i = 0; a && i < n; i++) {
			struct moat_decision d;
			json_t *gate = moat_policy_gate_doc(list[i]);

			if (moat_policy_decide(list[i], &w, NULL, false, a, &d) == 0)
				(void)moat_decision_merge(&all, &d, a);
			json_decref(gate);
		}
		if (a)
			(void)moat_decision_summary(&all, false, a);
		moat_arena_close(a);
		moat_policy_list_free(list, n);
	}
	for (size_t b = 0; doc && b < 3; b++)
		comply(doc, base, benches[b]);
	json_decref(doc);
	json_decref(labels);
	moat_policy_free(base);
	return 0;
}
