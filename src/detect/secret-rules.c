/* SPDX-License-Identifier: Apache-2.0 */
/* secret-rules.c - load, compile and run the secret rules (PCRE2 JIT + keyword prefilter). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/hmap.h"
#include "base/json.h"
#include "base/yaml.h"
#include "moat/error.h"
#include "moat-config.h"
#include "detect.h"
#include "secret-rules.h"

#if MOAT_HAVE_HYPERSCAN
#include <hs/hs.h>

#include "hs-cache.h"
#endif

/* Backtracking bound per match attempt: a hostile file cannot stall a rule. */
#define SECRET_MATCH_LIMIT 200000u
/* Matches one rule may report in one file. */
#define SECRET_MAX_PER_RULE 64u

struct rule {
	char *id;
	char *title;
	const char *severity;
	pcre2_code *re;
	pcre2_code *path_re;        /* only files whose path matches; NULL = all */
	pcre2_code *allow_re;       /* secrets this rule never reports (placeholders) */
	uint32_t group;
	double entropy;
	bool binary;
	bool disabled;
};

struct allow {
	char **rules;               /* NULL = every rule */
	size_t n_rules;
	pcre2_code *path_re;
	pcre2_code *secret_re;
	char **fingerprints;
	size_t n_fingerprints;
};

struct keyword {
	char *text;                 /* lower case */
	size_t len;
	size_t *rules;
	size_t n_rules;
	int32_t next;               /* next keyword with the same two-byte head, -1 */
};

struct secret_rules {
	struct rule *rules;
	size_t n_rules;
	struct allow *allows;
	size_t n_allows;
	struct keyword *kws;
	size_t n_kws;
	struct moat_hmap kw_index;  /* text -> keyword index + 1 */
	char **disabled;
	size_t n_disabled;
	/* Built by compile. */
	uint8_t head_bits[65536 / 8];
	int32_t *head;              /* [65536] first keyword index, -1 */
	bool *seen_kw;
	bool *want_rule;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jit_stack;
	bool compiled;
#if MOAT_HAVE_HYPERSCAN
	hs_database_t *hs_db;
	hs_scratch_t *hs_scratch;
	const char *cache_dir;          /* of the compiled keyword database, or NULL */
#endif
};

int secret_rules_open(struct secret_rules **ret, struct moat_error *err)
{
	struct secret_rules *rs = calloc(1, sizeof(*rs));

	if (!rs)
		return moat_error_set(err, -ENOMEM, "out of memory");
	moat_hmap_init(&rs->kw_index);
	*ret = rs;
	return 0;
}

static void free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void secret_rules_close(struct secret_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->n_rules; i++) {
		free(rs->rules[i].id);
		free(rs->rules[i].title);
		pcre2_code_free(rs->rules[i].re);
		pcre2_code_free(rs->rules[i].path_re);
		pcre2_code_free(rs->rules[i].allow_re);
	}
	free(rs->rules);
	for (size_t i = 0; i < rs->n_allows; i++) {
		free_strv(rs->allows[i].rules, rs->allows[i].n_rules);
		free_strv(rs->allows[i].fingerprints, rs->allows[i].n_fingerprints);
		pcre2_code_free(rs->allows[i].path_re);
		pcre2_code_free(rs->allows[i].secret_re);
	}
	free(rs->allows);
	for (size_t i = 0; i < rs->n_kws; i++) {
		free(rs->kws[i].text);
		free(rs->kws[i].rules);
	}
	free(rs->kws);
	free_strv(rs->disabled, rs->n_disabled);
	moat_hmap_release(&rs->kw_index);
	free(rs->head);
	free(rs->seen_kw);
	free(rs->want_rule);
	pcre2_match_data_free(rs->md);
	pcre2_match_context_free(rs->mctx);
	pcre2_jit_stack_free(rs->jit_stack);
#if MOAT_HAVE_HYPERSCAN
	hs_free_scratch(rs->hs_scratch);
	hs_free_database(rs->hs_db);
#endif
	free(rs);
}

size_t secret_rules_count(const struct secret_rules *rs)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n_rules; i++)
		n += !rs->rules[i].disabled;
	return n;
}

const char *secret_rules_engine(const struct secret_rules *rs)
{
#if MOAT_HAVE_HYPERSCAN
	if (rs->hs_db)
		return "hyperscan";
#endif
	(void)rs;
	return "builtin";
}

/* ---- loading ---- */

static int compile_re(const char *src, const char *origin, const char *what, pcre2_code **ret,
		      struct moat_error *err)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re;

	if (strlen(src) > SECRET_RULES_MAX_REGEX)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %s: regex longer than %u bytes",
				      origin, what, SECRET_RULES_MAX_REGEX);
	re = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, PCRE2_NEVER_UTF, &code, &off,
			   NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: bad regex at offset %zu: %s",
				      origin, what, (size_t)off, (const char *)msg);
	}
	/* JIT is an optimisation: a pattern it cannot take still matches. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	*ret = re;
	return 0;
}

static const char *severity_of(const char *s)
{
	static const char *const names[] = { "critical", "high", "medium", "low" };

	for (size_t i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i]))
			return names[i];
	return NULL;
}

static int check_keys(json_t *obj, const char *const *known, const char *origin,
		      const char *what, struct moat_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach(obj, key, v) {
		size_t i;

		for (i = 0; known[i] && strcmp(known[i], key) != 0; i++)
			;
		if (!known[i])
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: unknown key '%.64s'",
					      origin, what, key);
	}
	return 0;
}

static int add_keyword(struct secret_rules *rs, const char *kw, size_t rule, const char *origin,
		       struct moat_error *err)
{
	size_t len = strlen(kw);
	char *low;
	struct keyword *k;
	size_t idx;
	void *found;

	if (len < 3 || len > 64)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: keyword '%.64s' must have 3 to "
				      "64 bytes", origin, rs->rules[rule].id, kw);
	low = strdup(kw);
	if (!low)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)low[i]);
	found = moat_hmap_get(&rs->kw_index, low, len);
	if (found) {
		idx = (size_t)(uintptr_t)found - 1;
		free(low);
	} else {
		k = realloc(rs->kws, (rs->n_kws + 1) * sizeof(*k));
		if (!k) {
			free(low);
			return -ENOMEM;
		}
		rs->kws = k;
		idx = rs->n_kws++;
		rs->kws[idx] = (struct keyword){ low, len, NULL, 0, -1 };
		if (moat_hmap_put(&rs->kw_index, low, len, (void *)(uintptr_t)(idx + 1)) < 0)
			return -ENOMEM;
	}
	k = &rs->kws[idx];
	if (k->n_rules && k->rules[k->n_rules - 1] == rule)
		return 0;
	size_t *r = realloc(k->rules, (k->n_rules + 1) * sizeof(*r));

	if (!r)
		return -ENOMEM;
	k->rules = r;
	k->rules[k->n_rules++] = rule;
	return 0;
}

static int load_rule(struct secret_rules *rs, json_t *o, const char *origin,
		     struct moat_error *err)
{
	static const char *const known[] = { "id", "title", "severity", "keywords", "regex",
					     "group", "entropy", "path", "binary", "allow",
					     "references", NULL };
	const char *id = moat_json_str(o, "id");
	const char *re = moat_json_str(o, "regex");
	const json_t *kws = json_object_get(o, "keywords");
	struct rule *r;
	size_t idx;
	json_t *kw;
	size_t i;
	int ret;

	if (!json_is_object(o))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: a rule is not a mapping", origin);
	if (!id || !moat_detect_rule_id_valid(id))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: rule id missing or not [a-z0-9-]{1,64}",
				      origin);
	if ((ret = check_keys(o, known, origin, id, err)) < 0)
		return ret;
	for (i = 0; i < rs->n_rules; i++)
		if (!strcmp(rs->rules[i].id, id))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: rule %s defined twice",
					      origin, id);
	if (!re || !json_is_array(kws) || !json_array_size(kws) ||
	    json_array_size(kws) > SECRET_RULES_MAX_KEYWORDS)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: needs regex and 1 to %u keywords",
				      origin, id, SECRET_RULES_MAX_KEYWORDS);
	if (rs->n_rules >= SECRET_RULES_MAX_RULES)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u rules", origin,
				      SECRET_RULES_MAX_RULES);
	r = realloc(rs->rules, (rs->n_rules + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	rs->rules = r;
	idx = rs->n_rules;
	r = &rs->rules[idx];
	memset(r, 0, sizeof(*r));
	r->id = strdup(id);
	r->title = strdup(moat_json_str(o, "title") ? moat_json_str(o, "title") : id);
	rs->n_rules++;
	if (!r->id || !r->title)
		return -ENOMEM;
	r->severity = severity_of(moat_json_str(o, "severity") ? moat_json_str(o, "severity")
							     : "high");
	if (!r->severity)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: severity must be critical, "
				      "high, medium or low", origin, id);
	r->entropy = json_is_number(json_object_get(o, "entropy"))
			     ? json_number_value(json_object_get(o, "entropy")) : 0;
	r->binary = json_is_true(json_object_get(o, "binary"));
	if ((ret = compile_re(re, origin, id, &r->re, err)) < 0)
		return ret;
	if (moat_json_str(o, "path") &&
	    (ret = compile_re(moat_json_str(o, "path"), origin, id, &r->path_re, err)) < 0)
		return ret;
	if (moat_json_str(o, "allow") &&
	    (ret = compile_re(moat_json_str(o, "allow"), origin, id, &r->allow_re, err)) < 0)
		return ret;
	{
		uint32_t groups = 0;

		pcre2_pattern_info(r->re, PCRE2_INFO_CAPTURECOUNT, &groups);
		r->group = groups ? 1 : 0;
		if (json_is_integer(json_object_get(o, "group"))) {
			json_int_t g = json_integer_value(json_object_get(o, "group"));

			if (g < 0 || (uint32_t)g > groups)
				return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: group %lld: the "
						      "regex has %u", origin, id, (long long)g,
						      groups);
			r->group = (uint32_t)g;
		}
	}
	json_array_foreach(kws, i, kw) {
		if (!json_is_string(kw))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: keywords are strings",
					      origin, id);
		if ((ret = add_keyword(rs, json_string_value(kw), idx, origin, err)) < 0)
			return ret == -ENOMEM ? moat_error_set(err, ret, "out of memory") : ret;
	}
	return 0;
}

static int strv_of(const json_t *arr, char ***ret, size_t *ret_n, const char *origin,
		   const char *what, struct moat_error *err)
{
	size_t i;
	json_t *v;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > SECRET_RULES_MAX_RULES)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: expected a list (at most %u)",
				      origin, what, SECRET_RULES_MAX_RULES);
	*ret = calloc(json_array_size(arr) + 1, sizeof(char *));
	if (!*ret)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: expected strings", origin,
					      what);
		(*ret)[i] = strdup(json_string_value(v));
		*ret_n = i + 1;
		if (!(*ret)[i])
			return -ENOMEM;
	}
	return 0;
}

static int load_allow(struct secret_rules *rs, json_t *o, const char *origin,
		      struct moat_error *err)
{
	static const char *const known[] = { "rules", "path", "regex", "fingerprints",
					     "description", NULL };
	struct allow *a;
	int r;

	if (!json_is_object(o))
		return moat_error_set(err, MOAT_E_FORMAT, "%s: an allow entry is not a mapping",
				      origin);
	if ((r = check_keys(o, known, origin, "allow", err)) < 0)
		return r;
	if (rs->n_allows >= SECRET_RULES_MAX_RULES)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u allow entries", origin,
				      SECRET_RULES_MAX_RULES);
	a = realloc(rs->allows, (rs->n_allows + 1) * sizeof(*a));
	if (!a)
		return -ENOMEM;
	rs->allows = a;
	a = &rs->allows[rs->n_allows++];
	memset(a, 0, sizeof(*a));
	if ((r = strv_of(json_object_get(o, "rules"), &a->rules, &a->n_rules, origin,
			 "allow.rules", err)) < 0 ||
	    (r = strv_of(json_object_get(o, "fingerprints"), &a->fingerprints,
			 &a->n_fingerprints, origin, "allow.fingerprints", err)) < 0)
		return r;
	if (moat_json_str(o, "path") &&
	    (r = compile_re(moat_json_str(o, "path"), origin, "allow.path", &a->path_re, err)) < 0)
		return r;
	if (moat_json_str(o, "regex") &&
	    (r = compile_re(moat_json_str(o, "regex"), origin, "allow.regex", &a->secret_re,
			    err)) < 0)
		return r;
	if (!a->path_re && !a->secret_re && !a->n_fingerprints && !a->n_rules)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: an allow entry needs rules, path, "
				      "regex or fingerprints", origin);
	return 0;
}

int secret_rules_load(struct secret_rules *rs, const uint8_t *data, size_t len,
		      const char *origin, struct moat_error *err)
{
	static const char *const known[] = { "rules", "allow", "disable", NULL };
	json_t *doc = NULL;
	json_t *v;
	size_t i;
	int r;

	if (rs->compiled)
		return moat_error_set(err, -EINVAL, "%s: rules already compiled", origin);
	r = moat_yaml_parse(data, len, origin, SECRET_RULES_MAX_BYTES, 16, &doc, err);
	if (r < 0)
		return r;
	if (!json_is_object(doc)) {
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: expected a mapping with rules: and "
				   "allow:", origin);
		goto out;
	}
	if ((r = check_keys(doc, known, origin, "top level", err)) < 0)
		goto out;
	v = json_object_get(doc, "rules");
	if (v && !json_is_array(v)) {
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: rules: expected a list", origin);
		goto out;
	}
	for (i = 0; v && i < json_array_size(v) && r == 0; i++)
		r = load_rule(rs, json_array_get(v, i), origin, err);
	v = json_object_get(doc, "allow");
	if (r == 0 && v && !json_is_array(v))
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: allow: expected a list", origin);
	for (i = 0; r == 0 && v && i < json_array_size(v); i++)
		r = load_allow(rs, json_array_get(v, i), origin, err);
	if (r == 0) {
		char **d = NULL;
		size_t n = 0;

		r = strv_of(json_object_get(doc, "disable"), &d, &n, origin, "disable", err);
		if (r == 0 && n) {
			char **all = realloc(rs->disabled, (rs->n_disabled + n) * sizeof(char *));

			if (!all) {
				free_strv(d, n);
				r = -ENOMEM;
			} else {
				rs->disabled = all;
				memcpy(all + rs->n_disabled, d, n * sizeof(char *));
				rs->n_disabled += n;
				free(d);
			}
		} else {
			free_strv(d, n);
		}
	}
	if (r == -ENOMEM)
		moat_error_set(err, r, "out of memory");
out:
	json_decref(doc);
	return r;
}

/* ---- compiling the prefilter ---- */

#if MOAT_HAVE_HYPERSCAN
static int compile_hyperscan(struct secret_rules *rs)
{
	const char **pats = calloc(rs->n_kws, sizeof(char *));
	unsigned *flags = calloc(rs->n_kws, sizeof(unsigned));
	unsigned *ids = calloc(rs->n_kws, sizeof(unsigned));
	size_t *lens = calloc(rs->n_kws, sizeof(size_t));
	hs_compile_error_t *cerr = NULL;
	struct hs_cache_input in;
	int ok = -1;

	if (!pats || !flags || !ids || !lens)
		goto out;
	for (size_t i = 0; i < rs->n_kws; i++) {
		pats[i] = rs->kws[i].text;
		lens[i] = rs->kws[i].len;
		flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned)i;
	}
	in = (struct hs_cache_input){ "secret-keywords", pats, lens, flags, ids,
				      (unsigned)rs->n_kws, HS_MODE_BLOCK, true };
	if (hs_cache_compile(rs->cache_dir, &in, &rs->hs_db, &cerr) != HS_SUCCESS) {
		hs_free_compile_error(cerr);
		rs->hs_db = NULL;
		goto out;
	}
	if (hs_alloc_scratch(rs->hs_db, &rs->hs_scratch) != HS_SUCCESS) {
		hs_free_database(rs->hs_db);
		rs->hs_db = NULL;
		goto out;
	}
	ok = 0;
out:
	free(pats);
	free(flags);
	free(ids);
	free(lens);
	return ok;
}
#endif

void secret_rules_cache_dir(struct secret_rules *rs, const char *dir)
{
	rs->cache_dir = dir;
}

static inline uint16_t head_of(const uint8_t *p)
{
	return (uint16_t)(tolower(p[0]) << 8 | tolower(p[1]));
}

int secret_rules_compile(struct secret_rules *rs, struct moat_error *err)
{
	for (size_t i = 0; i < rs->n_rules; i++)
		for (size_t j = 0; j < rs->n_disabled; j++)
			if (!strcmp(rs->rules[i].id, rs->disabled[j]))
				rs->rules[i].disabled = true;
	rs->head = malloc(65536 * sizeof(*rs->head));
	rs->seen_kw = calloc(rs->n_kws + 1, sizeof(bool));
	rs->want_rule = calloc(rs->n_rules + 1, sizeof(bool));
	rs->md = pcre2_match_data_create(32, NULL);
	rs->mctx = pcre2_match_context_create(NULL);
	rs->jit_stack = pcre2_jit_stack_create(32 << 10, 1 << 20, NULL);
	if (!rs->head || !rs->seen_kw || !rs->want_rule || !rs->md || !rs->mctx || !rs->jit_stack)
		return moat_error_set(err, -ENOMEM, "out of memory");
	pcre2_set_match_limit(rs->mctx, SECRET_MATCH_LIMIT);
	pcre2_jit_stack_assign(rs->mctx, NULL, rs->jit_stack);
	memset(rs->head, 0xff, 65536 * sizeof(*rs->head));
	memset(rs->head_bits, 0, sizeof(rs->head_bits));
	for (size_t i = rs->n_kws; i-- > 0;) {
		uint16_t h = head_of((const uint8_t *)rs->kws[i].text);

		rs->kws[i].next = rs->head[h];
		rs->head[h] = (int32_t)i;
		rs->head_bits[h >> 3] |= (uint8_t)(1u << (h & 7));
	}
#if MOAT_HAVE_HYPERSCAN
	if (!getenv("MOAT_SECRET_NO_HYPERSCAN") && rs->n_kws)
		(void)compile_hyperscan(rs); /* falls back to the table */
#endif
	rs->compiled = true;
	return 0;
}

/* ---- matching ---- */

double secret_entropy(const uint8_t *p, size_t n)
{
	unsigned counts[256] = { 0 };
	double h = 0;

	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		counts[p[i]]++;
	for (size_t i = 0; i < 256; i++) {
		if (counts[i]) {
			double f = (double)counts[i] / (double)n;

			h -= f * log2(f);
		}
	}
	return h;
}

static void mark_keyword(struct secret_rules *rs, size_t k)
{
	if (rs->seen_kw[k])
		return;
	rs->seen_kw[k] = true;
	for (size_t i = 0; i < rs->kws[k].n_rules; i++)
		rs->want_rule[rs->kws[k].rules[i]] = true;
}

#if MOAT_HAVE_HYPERSCAN
static int on_hs(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		 void *ctx)
{
	(void)from;
	(void)to;
	(void)flags;
	mark_keyword(ctx, id);
	return 0;
}
#endif

static void prefilter(struct secret_rules *rs, struct moat_slice text)
{
	const uint8_t *p = text.ptr;

	memset(rs->seen_kw, 0, rs->n_kws * sizeof(bool));
	memset(rs->want_rule, 0, rs->n_rules * sizeof(bool));
#if MOAT_HAVE_HYPERSCAN
	if (rs->hs_db && text.len <= UINT32_MAX) {
		hs_scan(rs->hs_db, (const char *)text.ptr, (unsigned)text.len, 0, rs->hs_scratch,
			on_hs, rs);
		return;
	}
#endif
	for (size_t i = 0; i + 1 < text.len; i++) {
		uint16_t h = head_of(p + i);

		if (!(rs->head_bits[h >> 3] & (1u << (h & 7))))
			continue;
		for (int32_t k = rs->head[h]; k >= 0; k = rs->kws[k].next) {
			const struct keyword *kw = &rs->kws[k];

			if (rs->seen_kw[k] || kw->len > text.len - i)
				continue;
			if (!strncasecmp((const char *)p + i, kw->text, kw->len))
				mark_keyword(rs, (size_t)k);
		}
	}
}

static bool re_hit(struct secret_rules *rs, pcre2_code *re, const uint8_t *s, size_t n)
{
	return pcre2_match(re, s, n, 0, 0, rs->md, rs->mctx) >= 0;
}

static bool allowed(struct secret_rules *rs, const struct rule *r, const char *path,
		    const uint8_t *s, size_t n, const char *fp)
{
	if (r->allow_re && re_hit(rs, r->allow_re, s, n))
		return true;
	for (size_t i = 0; i < rs->n_allows; i++) {
		const struct allow *a = &rs->allows[i];
		bool rule_ok = !a->n_rules;
		bool fp_ok = !a->n_fingerprints;

		for (size_t j = 0; j < a->n_rules && !rule_ok; j++)
			rule_ok = !strcmp(a->rules[j], r->id);
		for (size_t j = 0; j < a->n_fingerprints && !fp_ok; j++)
			fp_ok = !strcmp(a->fingerprints[j], fp);
		if (!rule_ok || !fp_ok)
			continue;
		if (a->path_re && (!path || !re_hit(rs, a->path_re, (const uint8_t *)path,
						    strlen(path))))
			continue;
		if (a->secret_re && !re_hit(rs, a->secret_re, s, n))
			continue;
		return true;
	}
	return false;
}

static void fingerprint(const char *id, const uint8_t *s, size_t n, char out[17])
{
	struct moat_sha256 sha;
	char hex[MOAT_DIGEST_STR_MAX];
	const char *colon;

	out[0] = '\0';
	if (moat_sha256_init(&sha) < 0)
		return;
	moat_sha256_update(&sha, id, strlen(id) + 1);
	moat_sha256_update(&sha, s, n);
	moat_sha256_final(&sha, hex);
	moat_sha256_release(&sha);
	colon = strchr(hex, ':');
	memcpy(out, colon ? colon + 1 : hex, 16);
	out[16] = '\0';
}

static int run_rule(struct secret_rules *rs, const struct rule *r, const char *path,
		    struct moat_slice text, secret_match_fn cb, void *ctx, struct moat_error *err)
{
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rs->md);
	size_t off = 0;
	unsigned found = 0;

	while (off <= text.len && found < SECRET_MAX_PER_RULE) {
		int rc = pcre2_match(r->re, text.ptr, text.len, off, 0, rs->md, rs->mctx);
		size_t s, e, ms, me;
		struct secret_match m;
		int ret;

		if (rc < 0)
			break; /* no match, or the backtracking bound: next rule */
		ms = ov[0];
		me = ov[1];
		off = me > ms ? me : ms + 1;
		if ((uint32_t)rc <= r->group || ov[2 * (size_t)r->group] == PCRE2_UNSET)
			continue;
		s = ov[2 * (size_t)r->group];
		e = ov[2 * (size_t)r->group + 1];
		if (e <= s || (r->entropy > 0 && secret_entropy(text.ptr + s, e - s) < r->entropy))
			continue;
		m = (struct secret_match){ r->id, r->title, r->severity, s, e - s, ms, { 0 } };
		fingerprint(r->id, text.ptr + s, e - s, m.fingerprint);
		if (allowed(rs, r, path, text.ptr + s, e - s, m.fingerprint))
			continue;
		found++;
		if ((ret = cb(ctx, &m, err)) < 0)
			return ret;
		/* allowed() reused the match data: the ovector is stale now. */
	}
	return 0;
}

bool secret_rules_want_path(const struct secret_rules *rs, const char *path, size_t len)
{
	for (size_t i = 0; i < rs->n_allows; i++) {
		const struct allow *a = &rs->allows[i];

		if (!a->n_rules && !a->secret_re && !a->n_fingerprints && a->path_re &&
		    pcre2_match(a->path_re, (PCRE2_SPTR)path, len, 0, 0, rs->md, rs->mctx) >= 0)
			return false;
	}
	return true;
}

int secret_rules_scan(struct secret_rules *rs, const char *path, struct moat_slice text,
		      bool binary, secret_match_fn cb, void *ctx, struct moat_error *err)
{
	int r;

	if (!rs->compiled)
		return moat_error_set(err, -EINVAL, "secret rules not compiled");
	prefilter(rs, text);
	for (size_t i = 0; i < rs->n_rules; i++) {
		const struct rule *rule = &rs->rules[i];

		if (!rs->want_rule[i] || rule->disabled || (binary && !rule->binary))
			continue;
		if (rule->path_re && (!path || pcre2_match(rule->path_re, (PCRE2_SPTR)path,
							   strlen(path), 0, 0, rs->md,
							   rs->mctx) < 0))
			continue;
		if ((r = run_rule(rs, rule, path, text, cb, ctx, err)) < 0)
			return r;
	}
	return 0;
}
