/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - jansson with a size bound and positional error messages. */
#include "moat/error.h"
#include "json.h"

int moat_json_parse(const void *data, size_t len, uint64_t max_bytes, const char *what,
		    json_t **ret_json, struct moat_error *err)
{
	json_error_t jerr;
	json_t *json;

	if (len > max_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %zu bytes, more than the limit of %llu",
				      what, len, (unsigned long long)max_bytes);
	json = json_loadb(data, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (!json)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: line %d, column %d: %s", what,
				      jerr.line, jerr.column, jerr.text);
	*ret_json = json;
	return 0;
}

const char *moat_json_str(const json_t *obj, const char *key)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *moat_json_strn(const json_t *obj, const char *key, size_t *ret_len)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (!json_is_string(v))
		return NULL;
	*ret_len = json_string_length(v);
	return json_string_value(v);
}

int64_t moat_json_int(const json_t *obj, const char *key, int64_t def)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : def;
}
