/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-json.c - a model to and from its moat.baseline/v1 document
 * (baseline-model.h). Loading is strict: an unknown member or a value of
 * the wrong form is refused with its place, so a hand edit with a typo
 * never silently drops part of the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "base/buf.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "baseline-model.h"
#include "moat/error.h"

static const char *native_arch(void)
{
	static struct utsname u;

	if (!u.machine[0] && uname(&u) < 0)
		return "unknown";
	return u.machine;
}

static void write_list(struct moat_jw *jw, const struct moat_bl_model *m, enum moat_bl_kind kind,
		       const char *key)
{
	size_t n = 0;
	const char **items = moat_bl_items(m, kind, &n);

	moat_jw_key(jw, key);
	moat_jw_arr_begin(jw);
	for (size_t i = 0; items && i < n; i++) {
		const char *arrow = kind == MOAT_BL_PAIR ? strstr(items[i], " -> ") : NULL;

		if (kind == MOAT_BL_LISTEN) {
			moat_jw_uint(jw, strtoul(items[i], NULL, 10));
		} else if (arrow) {
			moat_jw_obj_begin(jw);
			moat_jw_key(jw, "parent");
			moat_jw_strn(jw, items[i], (size_t)(arrow - items[i]));
			moat_jw_kstr(jw, "child", arrow + 4);
			moat_jw_obj_end(jw);
		} else {
			moat_jw_str(jw, items[i]);
		}
	}
	moat_jw_arr_end(jw);
	free(items);
}

int moat_bl_save(const struct moat_bl_model *m, const char *image, const char *mode,
		 struct moat_buf *out, struct moat_error *err)
{
	struct moat_jw jw;
	int r;

	moat_jw_init(&jw, out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", MOAT_BL_SCHEMA);
	if (image)
		moat_jw_kstr(&jw, "image", image);
	if (mode)
		moat_jw_kstr(&jw, "mode", mode);
	moat_jw_kstr(&jw, "arch", native_arch());
	moat_jw_key(&jw, "learning");
	moat_jw_obj_begin(&jw);
	moat_jw_kuint(&jw, "started", m->learn_start);
	moat_jw_kuint(&jw, "events", m->learn_events);
	moat_jw_kbool(&jw, "done", m->learn_done);
	moat_jw_obj_end(&jw);
	moat_jw_kuint(&jw, "collapse", m->collapse ? m->collapse : MOAT_BL_COLLAPSE_DEFAULT);
	write_list(&jw, m, MOAT_BL_EXEC, "exec");
	write_list(&jw, m, MOAT_BL_PAIR, "exec_pairs");
	write_list(&jw, m, MOAT_BL_FILE, "file_writes");
	write_list(&jw, m, MOAT_BL_LISTEN, "listen");
	write_list(&jw, m, MOAT_BL_SYSCALL, "syscalls");
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = moat_buf_putc(out, '\n');
	return r < 0 ? moat_error_set(err, r, "baseline: cannot write the JSON document") : 0;
}

/* --- load ------------------------------------------------------------------ */

static int bad(struct moat_error *err, const char *origin, const char *where, size_t i,
	       const char *what)
{
	if (i == (size_t)-1)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: %s", origin, where, what);
	return moat_error_set(err, MOAT_E_FORMAT, "%s: %s[%zu]: %s", origin, where, i, what);
}

/* One array element as item text (pairs joined with " -> "). */
static int element(const json_t *v, enum moat_bl_kind kind, char *buf, size_t cap)
{
	const char *parent = moat_json_str(v, "parent");
	const char *child = moat_json_str(v, "child");

	if (kind == MOAT_BL_LISTEN) {
		if (!json_is_integer(v))
			return -1;
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (kind == MOAT_BL_PAIR) {
		if (!parent || !child || json_object_size(v) != 2 ||
		    (size_t)snprintf(buf, cap, "%s -> %s", parent, child) >= cap)
			return -1;
		return 0;
	}
	if (!json_is_string(v) || json_string_length(v) >= cap ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return -1;
	memcpy(buf, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int load_list(struct moat_bl_model *m, const json_t *doc, const char *key,
		     enum moat_bl_kind kind, const char *origin, struct moat_error *err)
{
	const json_t *arr = json_object_get(doc, key);
	char item[MOAT_BL_ITEM_LEN + 8];
	struct moat_error why = { 0 };
	size_t i;
	json_t *v;
	int r;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return bad(err, origin, key, (size_t)-1, "not an array");
	if (json_array_size(arr) > MOAT_BL_ITEMS_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %s: more than %u items", origin, key,
				      MOAT_BL_ITEMS_MAX);
	json_array_foreach(arr, i, v) {
		if (element(v, kind, item, sizeof(item)) < 0)
			return bad(err, origin, key, i, kind == MOAT_BL_PAIR
							? "not a {\"parent\", \"child\"} object"
							: kind == MOAT_BL_LISTEN ? "not a port number"
										 : "not a string");
		r = moat_bl_add(m, kind, item, &why);
		if (r < 0)
			return moat_error_set(err, r == MOAT_E_LIMIT ? r : MOAT_E_FORMAT, "%s: %s[%zu]: %s",
					      origin, key, i, why.msg);
	}
	return 0;
}

static const char *const known_keys[] = { "schema", "image", "mode", "arch", "learning",
					  "collapse", "exec", "exec_pairs", "file_writes",
					  "listen", "syscalls" };

static int check_keys(json_t *doc, const char *origin, struct moat_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(doc, key, v) {
		size_t k = 0;

		while (k < sizeof(known_keys) / sizeof(known_keys[0]) && strcmp(key, known_keys[k]) != 0)
			k++;
		if (k == sizeof(known_keys) / sizeof(known_keys[0]))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: unknown member \"%.100s\"",
					      origin, key);
	}
	return 0;
}

static int load_header(struct moat_bl_model *m, const json_t *doc, const char *origin,
		       struct moat_error *err)
{
	const char *schema = moat_json_str(doc, "schema");
	const char *arch = moat_json_str(doc, "arch");
	const json_t *learn = json_object_get(doc, "learning");
	const json_t *collapse = json_object_get(doc, "collapse");

	if (!schema || strcmp(schema, MOAT_BL_SCHEMA) != 0)
		return bad(err, origin, "schema", (size_t)-1, "expected \"" MOAT_BL_SCHEMA "\"");
	if (arch && strcmp(arch, native_arch()) != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: arch: the model is for %.40s, this "
				      "machine is %s", origin, arch, native_arch());
	if (collapse && (!json_is_integer(collapse) || json_integer_value(collapse) < 1 ||
			 json_integer_value(collapse) > 1000))
		return bad(err, origin, "collapse", (size_t)-1, "not a number from 1 to 1000");
	if (collapse)
		m->collapse = (unsigned)json_integer_value(collapse);
	if (!learn)
		return 0;
	if (!json_is_object(learn) || moat_json_int(learn, "started", 0) < 0 ||
	    moat_json_int(learn, "events", 0) < 0)
		return bad(err, origin, "learning", (size_t)-1,
			   "not an object of non-negative started and events");
	m->learn_start = (uint64_t)moat_json_int(learn, "started", 0);
	m->learn_events = (uint64_t)moat_json_int(learn, "events", 0);
	m->learn_done = json_is_true(json_object_get(learn, "done"));
	return 0;
}

int moat_bl_load(struct moat_bl_model *m, const void *data, size_t len, const char *origin,
		 struct moat_error *err)
{
	json_t *doc = NULL;
	int r = moat_json_parse(data, len, MOAT_BL_FILE_MAX, origin, &doc, err);

	if (r < 0)
		return r;
	if (!json_is_object(doc))
		r = bad(err, origin, "document", (size_t)-1, "not a JSON object");
	if (r == 0)
		r = check_keys(doc, origin, err);
	if (r == 0)
		r = load_header(m, doc, origin, err);
	if (r == 0)
		r = load_list(m, doc, "exec", MOAT_BL_EXEC, origin, err);
	if (r == 0)
		r = load_list(m, doc, "exec_pairs", MOAT_BL_PAIR, origin, err);
	if (r == 0)
		r = load_list(m, doc, "file_writes", MOAT_BL_FILE, origin, err);
	if (r == 0)
		r = load_list(m, doc, "listen", MOAT_BL_LISTEN, origin, err);
	if (r == 0)
		r = load_list(m, doc, "syscalls", MOAT_BL_SYSCALL, origin, err);
	json_decref(doc);
	return r;
}
