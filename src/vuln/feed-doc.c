/* SPDX-License-Identifier: Apache-2.0 */
/* feed-doc.c - JSON/YAML feed documents as jansson trees, with path-naming type checks. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/yaml.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "feed-doc.h"

void feed_walk_init(struct feed_walk *w, const char *origin, struct moat_error *err)
{
	w->origin = origin ? origin : "feed";
	w->err = err;
	w->path[0] = '\0';
	w->path_len = 0;
}

static size_t feed_path_add(struct feed_walk *w, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append to the path; a path too long for the buffer is cut (messages only). */
static size_t feed_path_add(struct feed_walk *w, const char *fmt, ...)
{
	size_t mark = w->path_len;
	size_t room = sizeof(w->path) - w->path_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(w->path + w->path_len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		w->path_len += (size_t)n < room ? (size_t)n : room - 1;
	return mark;
}

size_t feed_path_key(struct feed_walk *w, const char *key)
{
	return feed_path_add(w, w->path_len ? ".%s" : "%s", key);
}

size_t feed_path_index(struct feed_walk *w, size_t i)
{
	return feed_path_add(w, "[%zu]", i);
}

void feed_path_pop(struct feed_walk *w, size_t mark)
{
	if (mark < sizeof(w->path)) {
		w->path_len = mark;
		w->path[mark] = '\0';
	}
}

int feed_fail(struct feed_walk *w, const char *fmt, ...)
{
	char msg[MOAT_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return moat_error_set(w->err, MOAT_E_FORMAT, "%s: %s: %s", w->origin,
			      w->path_len ? w->path : "document", msg);
}

const char *feed_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

int feed_doc_load(const uint8_t *data, size_t len, const char *origin, size_t max_bytes,
		  json_t **ret, struct moat_error *err)
{
	if (!data && len)
		return moat_error_set(err, MOAT_E_USAGE, "%s: no data", origin);
	if (moat_yaml_is_json(data, len))
		return moat_json_parse(data, len, max_bytes, origin, ret, err);
	return moat_yaml_parse(data, len, origin, max_bytes, MOAT_LIMIT_JSON_DEPTH, ret, err);
}

/* Member key of obj when it has type `type`; absent/null -> NULL; else MOAT_E_FORMAT. */
static int feed_get(struct feed_walk *w, const json_t *obj, const char *key, json_type type,
		    const char *want, json_t **ret)
{
	json_t *v = json_object_get(obj, key);
	size_t mark;
	int r;

	*ret = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (json_typeof(v) == type) {
		*ret = v;
		return 0;
	}
	mark = feed_path_key(w, key);
	r = feed_fail(w, "expected %s, got %s", want, feed_type_name(v));
	feed_path_pop(w, mark);
	return r;
}

int feed_get_str(struct feed_walk *w, const json_t *obj, const char *key, const char **ret)
{
	json_t *v;
	int r = feed_get(w, obj, key, JSON_STRING, "a string", &v);

	*ret = v ? json_string_value(v) : NULL;
	return r;
}

int feed_get_array(struct feed_walk *w, const json_t *obj, const char *key, json_t **ret)
{
	return feed_get(w, obj, key, JSON_ARRAY, "an array", ret);
}

int feed_get_object(struct feed_walk *w, const json_t *obj, const char *key, json_t **ret)
{
	return feed_get(w, obj, key, JSON_OBJECT, "an object", ret);
}

int feed_scalar_text(struct feed_walk *w, struct moat_arena *arena, const json_t *v,
		     const char **ret)
{
	char *s;

	if (json_is_string(v)) {
		*ret = json_string_value(v);
		return 0;
	}
	if (!json_is_integer(v))
		return feed_fail(w, "expected a string, got %s", feed_type_name(v));
	s = moat_arena_printf(arena, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	if (!s)
		return moat_error_set(w->err, MOAT_E_LIMIT, "%s: out of memory", w->origin);
	*ret = s;
	return 0;
}
