/* SPDX-License-Identifier: Apache-2.0 */
/* warn.c - the list of things a scan skipped (warn.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "warn.h"

void moat_warnings_add(struct moat_warnings *w, const char *code, int layer, const char *path,
		       size_t path_len, const char *fmt, ...)
{
	struct moat_warning *it;
	char msg[512];
	va_list ap;

	if (w->count >= MOAT_WARNINGS_MAX) {
		w->dropped++;
		return;
	}
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 16;
		struct moat_warning *grown = moat_arena_grow(w->arena, w->items, w->count, cap,
							     sizeof(*grown));

		if (!grown) {
			w->dropped++;
			return;
		}
		w->items = grown;
		w->cap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	it = &w->items[w->count];
	it->code = code;
	it->layer = layer;
	it->layer_id = NULL;
	it->path = path ? moat_arena_strndup(w->arena, path, path_len) : NULL;
	it->message = moat_arena_strdup(w->arena, msg);
	if (!it->message || (path && !it->path)) {
		w->dropped++;
		return;
	}
	w->count++;
}

void moat_warnings_append(struct moat_warnings *dst, const struct moat_warnings *src)
{
	if (!src)
		return;
	for (size_t i = 0; i < src->count; i++) {
		const struct moat_warning *w = &src->items[i];
		size_t before = dst->count;

		moat_warnings_add(dst, w->code, w->layer, w->path, w->path ? strlen(w->path) : 0,
				  "%s", w->message);
		if (dst->count > before)
			dst->items[before].layer_id = w->layer_id;
	}
	dst->dropped += src->dropped;
}
