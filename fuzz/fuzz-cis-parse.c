/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-cis-parse.c - the parsers of `moat comply docker` on arbitrary
 * bytes. The first byte picks: 0 daemon.json (then the effective-config
 * merge with a command line), 1 a NUL-separated /proc cmdline into dockerd
 * flags, 2 a systemd unit (ExecStart of [Service], split on blanks and read
 * as dockerd flags, as the collector does when no process is readable),
 * 3 audit rules.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "comply/cis-docker.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (256u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void flags(struct moat_arena *arena, const char *text, size_t len, bool blanks)
{
	const char **argv;
	size_t argc;
	json_t *obj = NULL;

	if (moat_cis_split_cmdline(text, len, blanks, arena, &argv, &argc, NULL) == 0 &&
	    moat_cis_parse_daemon_args(argv, argc, &obj, NULL) == 0)
		json_decref(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_arena *arena;
	const char *text = (const char *)data + 1;
	size_t len = size ? size - 1 : 0;
	struct moat_error err;
	json_t *obj = NULL;
	const char *v = NULL;
	const char **paths;
	size_t n;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	arena = moat_arena_open(64u << 20);
	if (!arena)
		return 0;
	switch (data[0] & 3) {
	case 0:
		if (moat_cis_parse_daemon_json(text, len, "daemon.json", &obj, &err) == 0) {
			json_t *over = NULL;
			static const char *const argv[] = {"dockerd", "--icc=false", "-H", "fd://"};

			if (moat_cis_parse_daemon_args(argv, 4, &over, NULL) == 0)
				json_object_update(obj, over);
			json_decref(over);
			json_decref(obj);
		}
		break;
	case 1:
		flags(arena, text, len, false);
		break;
	case 2:
		if (moat_cis_unit_value(text, len, "Service", "ExecStart", arena, &v, &err) == 0 && v)
			flags(arena, v, strlen(v), true);
		break;
	default:
		moat_cis_audit_paths(text, len, arena, &paths, &n, &err);
		break;
	}
	moat_arena_close(arena);
	return 0;
}
