/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-admission-review.c - an AdmissionReview v1 body through the decoder,
 * a policy with every rule and every manifest check on (comply.k8s: the
 * checks of comply/k8s.h on request.object, any kind), and the response
 * writer.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>

#include "admit/admit.h"
#include "base/arena.h"
#include "policy/policy.h"

#define FUZZ_MAX_INPUT (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct moat_policy *all_rules(void)
{
	static const char doc[] =
		"{\"rules\":{\"host_uts\":\"block\",\"host_path\":\"alert\",\"cap_add\":\"block\","
		"\"seccomp_unconfined\":\"alert\",\"apparmor_unconfined\":\"alert\","
		"\"run_as_root\":\"alert\",\"trusted_images\":{\"registries\":[\"docker.io\"],"
		"\"repos\":[\"ghcr.io/*\"]}},\"scope\":{\"exclude_namespaces\":[\"kube-system\"],"
		"\"match_labels\":{\"a\":\"b\"}},\"comply\":{\"k8s\":{\"default\":\"alert\","
		"\"checks\":{\"MOAT-K8S-001\":\"block\",\"MOAT-K8S-060\":\"block\"}}}}";
	struct moat_policy *p = NULL;
	json_t *j = json_loads(doc, 0, NULL);

	if (!j || moat_policy_from_json(j, "fuzz", &p, NULL) < 0)
		abort();
	json_decref(j);
	return p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct moat_policy *p;
	struct moat_arena *a;
	struct moat_review rv;
	struct moat_decision d;
	struct moat_buf out;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!p)
		p = all_rules();
	a = moat_arena_open(16u << 20);
	moat_buf_init(&out, 0);
	if (a && moat_review_decode(data, size, a, &rv, NULL) == 0 &&
	    moat_policy_decide(p, &rv.workload, NULL, rv.dry_run, a, &d) == 0 &&
	    moat_review_checks(p, &rv, a, &d, NULL) == 0)
		moat_review_encode(&rv, &d, a, &out);
	moat_buf_release(&out);
	moat_arena_close(a);
	return 0;
}
