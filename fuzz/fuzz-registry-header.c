/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-registry-header.c - the header values a registry (or anything
 * posing as one) sends: WWW-Authenticate challenges and Link headers, plus
 * image references and platforms as users and notifications give them.
 *
 * The first byte picks the parser; the rest is the value. Results are
 * checked against the promises of parse.h: NUL-terminated fields within
 * their buffers, a Bearer result always has a realm, a next link has no
 * spaces or control bytes, a parsed reference is valid again when re-read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "moat/error.h"
#include "registry/parse.h"

#define FUZZ_MAX_INPUT (64u << 10)

static void check_challenge(const char *s, size_t len)
{
	struct moat_registry_challenge ch;
	struct moat_error err = { 0 };

	if (moat_registry_parse_challenge(s, len, &ch, &err) < 0) {
		if (!err.msg[0])
			abort();
		return;
	}
	if (strlen(ch.realm) >= sizeof(ch.realm) || strlen(ch.service) >= sizeof(ch.service) ||
	    strlen(ch.scope) >= sizeof(ch.scope) || strlen(ch.error) >= sizeof(ch.error))
		abort();
	if (ch.scheme == MOAT_REGISTRY_AUTH_BEARER && !ch.realm[0])
		abort();
	if (ch.scheme == MOAT_REGISTRY_AUTH_NONE)
		abort();
}

static void check_link(const char *s, size_t len)
{
	char next[512];
	struct moat_error err = { 0 };
	int r = moat_registry_parse_link(s, len, next, sizeof(next), &err);

	if (r < 0 && !err.msg[0])
		abort();
	if (r != 1)
		return;
	if (!next[0] || strlen(next) >= sizeof(next))
		abort();
	for (const char *p = next; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			abort();
}

static void check_ref(const char *s)
{
	struct moat_registry_ref ref, again;
	struct moat_registry_platform plat;
	char buf[1024];
	struct moat_error err = { 0 };

	moat_registry_platform_parse(s, &plat, &err);
	if (moat_registry_ref_parse(s, &ref, &err) < 0)
		return;
	if (!moat_registry_repo_valid(ref.repo, strlen(ref.repo)) || (!ref.tag[0] && !ref.digest[0]))
		abort();
	snprintf(buf, sizeof(buf), "%s/%s%s%s", ref.host, ref.repo, ref.digest[0] ? "@" : ":",
		 ref.digest[0] ? ref.digest : ref.tag);
	if (moat_registry_ref_parse(buf, &again, &err) < 0 || strcmp(again.repo, ref.repo) ||
	    strcmp(again.tag, ref.tag) || strcmp(again.digest, ref.digest))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	/* The parsers take (ptr, len); a copy without a NUL after it lets
	 * ASan catch any read past len. */
	s = malloc(size - 1 ? size - 1 : 1);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	switch (data[0] % 3) {
	case 0:
		check_challenge(s, size - 1);
		break;
	case 1:
		check_link(s, size - 1);
		break;
	default: {
		char *z = malloc(size);

		if (z) {
			memcpy(z, s, size - 1);
			z[size - 1] = '\0';
			check_ref(z);
		}
		free(z);
		break;
	}
	}
	free(s);
	return 0;
}
