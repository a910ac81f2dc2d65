/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-authz.c - a Docker authz plugin request (/AuthZPlugin.AuthZReq body)
 * through the decoder, the built-in policy and the answer, as the server
 * runs them. Also feeds the raw bytes as a container create body (base64
 * wrapped), so the create decoder sees arbitrary JSON too.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admit/admit.h"
#include "base/arena.h"
#include "policy/policy.h"

#define FUZZ_MAX_INPUT (64u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const struct moat_policy *p, const uint8_t *data, size_t size)
{
	struct moat_arena *a = moat_arena_open(8u << 20);
	struct moat_authz_req r;
	struct moat_decision d;
	struct moat_buf out;

	moat_buf_init(&out, 0);
	if (a && moat_authz_decode(data, size, a, &r, NULL) == 0 &&
	    moat_policy_decide(p, &r.workload, NULL, false, a, &d) == 0)
		moat_authz_encode(d.allow, moat_decision_summary(&d, false, a), NULL, &out);
	moat_buf_release(&out);
	moat_arena_close(a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct moat_policy *p;
	static const char head[] = "{\"RequestMethod\":\"POST\",\"RequestUri\":\"/v1.41/containers/"
				   "create\",\"RequestBody\":\"";
	char *doc;
	size_t n;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (!p && moat_policy_default(&p, NULL) < 0)
		abort();
	run(p, data, size);
	doc = malloc(sizeof(head) + size / 3 * 4 + 8 + 3);
	if (!doc)
		return 0;
	memcpy(doc, head, sizeof(head) - 1);
	n = sizeof(head) - 1 + (size_t)EVP_EncodeBlock((unsigned char *)doc + sizeof(head) - 1,
						      data, (int)size);
	memcpy(doc + n, "\"}", 2);
	run(p, (const uint8_t *)doc, n + 2);
	free(doc);
	return 0;
}
