/* SPDX-License-Identifier: Apache-2.0 */
/* error.c - names for error codes and the moat_error buffer helpers. */
#include <stdio.h>
#include <string.h>

#include "moat/error.h"
#include "moat/limits.h"

const char *moat_strerror(int code)
{
	switch (code) {
	case 0: return "success";
	case MOAT_E_FORMAT: return "bad format";
	case MOAT_E_LIMIT: return "limit exceeded";
	case MOAT_E_VERIFY: return "verification failed";
	case MOAT_E_UNSUPPORTED: return "unsupported";
	case MOAT_E_NOTFOUND: return "not found";
	case MOAT_E_UNSAFE_PATH: return "unsafe path";
	case MOAT_E_USAGE: return "usage error";
	case MOAT_E_TRUNCATED: return "truncated input";
	case MOAT_E_LOOP: return "symlink loop";
	case MOAT_E_RUNTIME: return "container runtime error";
	case MOAT_E_INTERNAL: return "internal error";
	}
	if (code < 0 && code > -4096)
		return strerror(-code);
	return "unknown error";
}

int moat_error_vset(struct moat_error *err, int code, const char *fmt, va_list ap)
{
	if (!err)
		return code;
	err->code = code;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return code;
}

int moat_error_set(struct moat_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	moat_error_vset(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int moat_error_prefix(struct moat_error *err, const char *fmt, ...)
{
	char prefix[MOAT_ERRMSG_MAX];
	char old[MOAT_ERRMSG_MAX];
	va_list ap;

	if (!err)
		return 0;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Layers of callers often know the same name: say it once. */
	if (!strncmp(err->msg, prefix, strlen(prefix)))
		return err->code;
	memcpy(old, err->msg, sizeof(old));
	/* Truncating a long message is fine; the prefix matters more than its tail. */
	size_t n = strnlen(prefix, sizeof(prefix));
	size_t room = sizeof(err->msg) - 1 - n;
	memcpy(err->msg, prefix, n);
	memcpy(err->msg + n, old, strnlen(old, room));
	err->msg[n + strnlen(old, room)] = '\0';
	return err->code;
}

int moat_error_is_input(int code)
{
	switch (code) {
	case MOAT_E_FORMAT:
	case MOAT_E_LIMIT:
	case MOAT_E_VERIFY:
	case MOAT_E_UNSUPPORTED:
	case MOAT_E_NOTFOUND:
	case MOAT_E_UNSAFE_PATH:
	case MOAT_E_USAGE:
	case MOAT_E_TRUNCATED:
	case MOAT_E_LOOP:
	case MOAT_E_RUNTIME:
		return 1;
	}
	return 0;
}

void moat_limits_default(struct moat_limits *limits)
{
	*limits = (struct moat_limits){
		.json_bytes = MOAT_LIMIT_JSON_BYTES,
		.layers = MOAT_LIMIT_LAYERS,
		.path_bytes = MOAT_LIMIT_PATH_BYTES,
		.entries_per_layer = MOAT_LIMIT_ENTRIES_PER_LAYER,
		.layer_bytes = MOAT_LIMIT_LAYER_BYTES,
		.ratio = MOAT_LIMIT_RATIO,
		.symlink_hops = MOAT_LIMIT_SYMLINK_HOPS,
		.capture_bytes = MOAT_LIMIT_CAPTURE_BYTES,
		.capture_total = MOAT_LIMIT_CAPTURE_TOTAL,
		.json_depth = MOAT_LIMIT_JSON_DEPTH,
		.packages = MOAT_LIMIT_PACKAGES,
		.arena_bytes = MOAT_LIMIT_ARENA_BYTES,
		.merge_entries = MOAT_LIMIT_MERGE_ENTRIES,
		.history_events = MOAT_LIMIT_HISTORY_EVENTS,
	};
}

void moat_limits_fill(struct moat_limits *limits)
{
	struct moat_limits def;

	moat_limits_default(&def);
#define FILL(f) do { if (!limits->f) limits->f = def.f; } while (0)
	FILL(json_bytes);
	FILL(layers);
	FILL(path_bytes);
	FILL(entries_per_layer);
	FILL(layer_bytes);
	FILL(ratio);
	FILL(symlink_hops);
	FILL(capture_bytes);
	FILL(capture_total);
	FILL(json_depth);
	FILL(packages);
	FILL(arena_bytes);
	FILL(merge_entries);
	FILL(history_events);
#undef FILL
}
