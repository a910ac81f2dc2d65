/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yaml.c - libfyaml events to a jansson tree, with depth, size and alias
 * bounds. Event-driven rather than libfyaml's document API so that aliases
 * are never expanded: an alias takes a reference to the anchored jansson
 * node and its node count is charged against MOAT_YAML_MAX_ALIAS_NODES.
 */
#include <errno.h>
#include <inttypes.h>
#include <libfyaml.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "yaml.h"

/* One open collection. */
struct yaml_frame {
	json_t *node;           /* the object or array being filled (owned) */
	char *key;              /* mapping: pending key (arena), NULL when a key is due */
	size_t key_len;
	const char *anchor;     /* anchor to register when the collection ends, or NULL */
	size_t anchor_len;
	uint64_t nodes;         /* nodes inside, aliases counted at their expansion */
	unsigned line;          /* 1-based line where the collection starts */
	unsigned key_line;      /* mapping: line of the pending key */
};

/* An anchored node: the tree holds one reference, the map another. */
struct yaml_anchor {
	json_t *node;
	uint64_t nodes;
};

struct yaml_ctx {
	const char *origin;
	struct moat_error *err;
	struct moat_arena *arena;       /* keys, anchor names and records */
	struct yaml_frame *stack;
	unsigned depth;
	unsigned max_depth;
	struct moat_hmap anchors;
	json_t *root;
	bool have_root;
	unsigned documents;
	unsigned aliases;
	uint64_t alias_nodes;
	const struct fy_mark *mark;     /* where the current event starts */
	/* stream mode (moat_yaml_parse_stream): documents and lines go here */
	struct moat_yaml_stream *out;
	size_t max_docs;
};

static int yaml_fail(struct yaml_ctx *c, int code, const char *what);

/* Keys: 'k' + parent pointer + member name, or 'i' + parent pointer + index. */
struct moat_yaml_lines {
	struct moat_arena *arena;
	struct moat_hmap map;
};

#define YAML_LINE_KEY_MAX 256u

static size_t yaml_line_key(char *buf, char tag, const json_t *parent, const void *k, size_t n)
{
	uintptr_t p = (uintptr_t)parent;

	buf[0] = tag;
	memcpy(buf + 1, &p, sizeof(p));
	memcpy(buf + 1 + sizeof(p), k, n);
	return 1 + sizeof(p) + n;
}

static int yaml_line_put(struct moat_yaml_lines *l, char tag, const json_t *parent, const void *k,
			 size_t n, unsigned line)
{
	char *key;

	if (!l || !line || n > YAML_LINE_KEY_MAX)
		return 0;
	key = moat_arena_alloc(l->arena, 1 + sizeof(uintptr_t) + n);
	if (!key)
		return -ENOMEM;
	n = yaml_line_key(key, tag, parent, k, n);
	return moat_hmap_put(&l->map, key, n, (void *)(uintptr_t)line);
}

unsigned moat_yaml_line_key(const struct moat_yaml_lines *l, const json_t *parent, const char *key)
{
	char buf[1 + sizeof(uintptr_t) + YAML_LINE_KEY_MAX];
	size_t n = strlen(key);

	if (!l || !parent || n > YAML_LINE_KEY_MAX)
		return 0;
	n = yaml_line_key(buf, 'k', parent, key, n);
	return (unsigned)(uintptr_t)moat_hmap_get(&l->map, buf, n);
}

unsigned moat_yaml_line_idx(const struct moat_yaml_lines *l, const json_t *parent, size_t idx)
{
	char buf[1 + sizeof(uintptr_t) + sizeof(size_t)];
	size_t n;

	if (!l || !parent)
		return 0;
	n = yaml_line_key(buf, 'i', parent, &idx, sizeof(idx));
	return (unsigned)(uintptr_t)moat_hmap_get(&l->map, buf, n);
}

static unsigned yaml_mark_line(const struct yaml_ctx *c)
{
	return c->mark ? (unsigned)c->mark->line + 1u : 0;
}

/* Stream mode: the document's root is complete. */
static int yaml_stream_doc(struct yaml_ctx *c, json_t *v, unsigned line)
{
	struct moat_yaml_stream *s = c->out;
	json_t **docs;
	unsigned *lines;

	if (s->n >= c->max_docs) {
		json_decref(v);
		return yaml_fail(c, MOAT_E_LIMIT, "too many documents");
	}
	docs = realloc(s->docs, (s->n + 1) * sizeof(void *)); /* json_t pointers */
	if (docs)
		s->docs = docs;
	lines = docs ? realloc(s->doc_lines, (s->n + 1) * sizeof(*lines)) : NULL;
	if (!lines) {
		json_decref(v);
		return -ENOMEM;
	}
	s->doc_lines = lines;
	s->docs[s->n] = v;
	s->doc_lines[s->n++] = line;
	c->have_root = true;
	return 0;
}

static int yaml_fail(struct yaml_ctx *c, int code, const char *what)
{
	if (c->mark)
		return moat_error_set(c->err, code, "%s: line %d, column %d: %s", c->origin,
				      c->mark->line + 1, c->mark->column + 1, what);
	return moat_error_set(c->err, code, "%s: %s", c->origin, what);
}

/* Plain scalar that is a YAML 1.2 core-schema int: [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+.
 * 1 and *ret set; 0 when not int-shaped; -1 when int-shaped but beyond 64 bits. */
static int yaml_int(const char *s, size_t n, json_int_t *ret)
{
	char buf[72];
	char *end;
	int base = 10;
	size_t i = 0;
	long long v;

	if (n == 0)
		return 0;
	if (n >= sizeof(buf)) {
		/* Too long for 64 bits whatever the digits: int-shaped ones stay strings. */
		for (size_t k = s[0] == '-' || s[0] == '+'; k < n; k++)
			if (s[k] < '0' || s[k] > '9')
				return 0;
		return -1;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (n > 2 && buf[0] == '0' && (buf[1] == 'o' || buf[1] == 'x')) {
		base = buf[1] == 'o' ? 8 : 16;
		i = 2;
	} else if (buf[0] == '-' || buf[0] == '+') {
		i = 1;
	}
	if (i == n)
		return 0;
	for (size_t k = i; k < n; k++) {
		char ch = buf[k];
		bool ok = base == 16 ? ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
					(ch >= 'A' && ch <= 'F')) :
				       (ch >= '0' && ch <= (base == 8 ? '7' : '9'));
		if (!ok)
			return 0;
	}
	errno = 0;
	v = strtoll(buf + (base == 10 ? 0 : 2), &end, base);
	if (errno || *end)
		return -1; /* out of range: stays a string, JSON cannot hold it */
	*ret = (json_int_t)v;
	return 1;
}

/* Plain scalar that is a finite core-schema float: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yaml_float(const char *s, size_t n, double *ret)
{
	char buf[72];
	size_t i = 0;
	size_t digits = 0;
	char *end;
	double v;

	if (n == 0 || n >= sizeof(buf))
		return false;
	if (s[i] == '-' || s[i] == '+')
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			digits++;
	if (!digits)
		return false;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		size_t exp = 0;

		i++;
		if (i < n && (s[i] == '-' || s[i] == '+'))
			i++;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			exp++;
		if (!exp)
			return false;
	}
	if (i != n)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	v = strtod(buf, &end);
	if (*end || !isfinite(v))
		return false;
	*ret = v;
	return true;
}

static bool yaml_word(const char *s, size_t n, const char *const *words)
{
	for (; *words; words++)
		if (strlen(*words) == n && !memcmp(s, *words, n))
			return true;
	return false;
}

/* The JSON value of a plain scalar under the core schema (NULL only on ENOMEM/bad UTF-8). */
static json_t *yaml_resolve(const char *s, size_t n)
{
	static const char *const nulls[] = { "null", "Null", "NULL", "~", "", NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	json_int_t i;
	double d;
	int is_int;

	if (yaml_word(s, n, nulls))
		return json_null();
	if (yaml_word(s, n, trues))
		return json_true();
	if (yaml_word(s, n, falses))
		return json_false();
	is_int = yaml_int(s, n, &i);
	if (is_int > 0)
		return json_integer(i);
	if (is_int == 0 && yaml_float(s, n, &d))
		return json_real(d);
	return json_stringn(s, n);
}

/* Tag "tag:yaml.org,2002:str" (written !!str) forces a string; other tags are ignored. */
static bool yaml_tag_is_str(struct fy_token *tag)
{
	static const char str_tag[] = "tag:yaml.org,2002:str";
	size_t n = 0;
	const char *t = tag ? fy_token_get_text(tag, &n) : NULL;

	return t && n == sizeof(str_tag) - 1 && !memcmp(t, str_tag, n);
}

/* Count a finished node of `nodes` nodes into the enclosing collection. */
static void yaml_count(struct yaml_ctx *c, uint64_t nodes)
{
	if (c->depth)
		c->stack[c->depth - 1].nodes += nodes;
}

/* Attach a finished value (reference stolen), which starts at line, to the
 * top collection or as root. */
static int yaml_attach(struct yaml_ctx *c, json_t *v, unsigned line)
{
	struct moat_yaml_lines *l = c->out ? c->out->lines : NULL;
	struct yaml_frame *top;
	int r;

	if (!c->depth) {
		if (c->out)
			return yaml_stream_doc(c, v, line);
		if (c->have_root) {
			json_decref(v);
			return yaml_fail(c, MOAT_E_FORMAT, "more than one document");
		}
		c->root = v;
		c->have_root = true;
		return 0;
	}
	top = &c->stack[c->depth - 1];
	if (json_is_array(top->node)) {
		size_t idx = json_array_size(top->node);

		r = json_array_append_new(top->node, v);
		if (r == 0)
			r = yaml_line_put(l, 'i', top->node, &idx, sizeof(idx), line);
	} else {
		if (json_object_getn(top->node, top->key, top->key_len)) {
			json_decref(v);
			return yaml_fail(c, MOAT_E_FORMAT, "duplicate mapping key");
		}
		r = json_object_setn_new(top->node, top->key, top->key_len, v);
		if (r == 0)
			r = yaml_line_put(l, 'k', top->node, top->key, top->key_len, top->key_line);
		top->key = NULL;
	}
	return r ? -ENOMEM : 0;
}

/* Remember v under anchor (a new reference); a later anchor of the same name wins. */
static int yaml_anchor(struct yaml_ctx *c, const char *name, size_t len, json_t *v,
		       uint64_t nodes)
{
	struct yaml_anchor *a = moat_hmap_get(&c->anchors, name, len);

	if (!a) {
		char *key = moat_arena_strndup(c->arena, name, len);

		a = moat_arena_new0(c->arena, struct yaml_anchor);
		if (!key || !a || moat_hmap_put(&c->anchors, key, len, a) < 0)
			return -ENOMEM;
	}
	json_decref(a->node);
	a->node = json_incref(v);
	a->nodes = nodes;
	return 0;
}

static const char *yaml_anchor_text(struct fy_token *anchor, size_t *len)
{
	*len = 0;
	return anchor ? fy_token_get_text(anchor, len) : NULL;
}

/* A mapping expects a key: only scalars may be keys (JSON objects have string keys). */
static bool yaml_key_due(const struct yaml_ctx *c)
{
	const struct yaml_frame *top = c->depth ? &c->stack[c->depth - 1] : NULL;

	return top && json_is_object(top->node) && !top->key;
}

static int yaml_scalar(struct yaml_ctx *c, struct fy_event *e)
{
	size_t n = 0;
	const char *s = fy_token_get_text(e->scalar.value, &n);
	const char *anchor;
	size_t anchor_len;
	json_t *v;
	int r;

	if (!s)
		return -ENOMEM;
	if (yaml_key_due(c)) {
		struct yaml_frame *top = &c->stack[c->depth - 1];

		top->key = moat_arena_strndup(c->arena, s, n);
		top->key_len = n;
		top->key_line = yaml_mark_line(c);
		return top->key ? 0 : -ENOMEM;
	}
	if (fy_token_scalar_style(e->scalar.value) == FYSS_PLAIN && !yaml_tag_is_str(e->scalar.tag))
		v = yaml_resolve(s, n);
	else
		v = json_stringn(s, n);
	if (!v)
		return yaml_fail(c, MOAT_E_FORMAT, "scalar is not valid UTF-8");
	anchor = yaml_anchor_text(e->scalar.anchor, &anchor_len);
	if (anchor) {
		r = yaml_anchor(c, anchor, anchor_len, v, 1);
		if (r < 0) {
			json_decref(v);
			return r;
		}
	}
	yaml_count(c, 1);
	return yaml_attach(c, v, yaml_mark_line(c));
}

static int yaml_alias(struct yaml_ctx *c, struct fy_event *e)
{
	size_t n = 0;
	const char *name = fy_token_get_text(e->alias.anchor, &n);
	struct yaml_anchor *a = name ? moat_hmap_get(&c->anchors, name, n) : NULL;

	/* Anchors register when their node ends, so a node cannot alias itself. */
	if (!a)
		return yaml_fail(c, MOAT_E_FORMAT, "alias to an unknown or unfinished anchor");
	if (yaml_key_due(c))
		return yaml_fail(c, MOAT_E_FORMAT, "alias as a mapping key is not supported");
	if (++c->aliases > MOAT_YAML_MAX_ALIASES)
		return yaml_fail(c, MOAT_E_LIMIT, "too many aliases");
	c->alias_nodes += a->nodes;
	if (c->alias_nodes > MOAT_YAML_MAX_ALIAS_NODES)
		return yaml_fail(c, MOAT_E_LIMIT, "aliases expand to too many nodes");
	yaml_count(c, a->nodes);
	return yaml_attach(c, json_incref(a->node), yaml_mark_line(c));
}

static int yaml_open(struct yaml_ctx *c, struct fy_event *e, bool mapping)
{
	struct fy_token *anchor = mapping ? e->mapping_start.anchor : e->sequence_start.anchor;
	struct yaml_frame *f;

	if (yaml_key_due(c))
		return yaml_fail(c, MOAT_E_FORMAT, "complex mapping keys are not supported");
	if (c->depth >= c->max_depth)
		return yaml_fail(c, MOAT_E_FORMAT, "nesting is too deep");
	f = &c->stack[c->depth];
	memset(f, 0, sizeof(*f));
	f->node = mapping ? json_object() : json_array();
	if (!f->node)
		return -ENOMEM;
	f->anchor = yaml_anchor_text(anchor, &f->anchor_len);
	f->nodes = 1;
	f->line = yaml_mark_line(c);
	c->depth++;
	return 0;
}

static int yaml_close(struct yaml_ctx *c)
{
	struct yaml_frame *f = &c->stack[--c->depth];
	json_t *v = f->node;
	int r;

	f->node = NULL;
	if (f->anchor) {
		r = yaml_anchor(c, f->anchor, f->anchor_len, v, f->nodes);
		if (r < 0) {
			json_decref(v);
			return r;
		}
	}
	yaml_count(c, f->nodes);
	return yaml_attach(c, v, f->line);
}

/* Anchors name nodes of their own document only. */
static void yaml_anchors_clear(struct yaml_ctx *c)
{
	for (size_t i = 0; i < c->anchors.cap; i++)
		if (c->anchors.slots[i].key)
			json_decref(((struct yaml_anchor *)c->anchors.slots[i].value)->node);
	moat_hmap_release(&c->anchors);
	moat_hmap_init(&c->anchors);
}

static int yaml_event(struct yaml_ctx *c, struct fy_event *e)
{
	c->mark = fy_event_start_mark(e);
	switch (e->type) {
	case FYET_DOCUMENT_START:
		if (c->out) {
			c->have_root = false;
			yaml_anchors_clear(c);
			return 0;
		}
		if (++c->documents > 1)
			return yaml_fail(c, MOAT_E_FORMAT, "more than one document");
		return 0;
	case FYET_DOCUMENT_END:
		/* an empty document (--- alone) is a null, so indexes stay true */
		if (c->out && !c->have_root)
			return yaml_stream_doc(c, json_null(), yaml_mark_line(c));
		return 0;
	case FYET_SCALAR:
		return yaml_scalar(c, e);
	case FYET_ALIAS:
		return yaml_alias(c, e);
	case FYET_MAPPING_START:
	case FYET_SEQUENCE_START:
		return yaml_open(c, e, e->type == FYET_MAPPING_START);
	case FYET_MAPPING_END:
	case FYET_SEQUENCE_END:
		if (!c->depth)
			return yaml_fail(c, MOAT_E_INTERNAL, "unbalanced collection end");
		return yaml_close(c);
	default:
		return 0;
	}
}

/* First diagnostic libfyaml collected, as a MOAT_E_FORMAT. */
static int yaml_syntax_error(struct yaml_ctx *c, struct fy_diag *diag)
{
	void *iter = NULL;
	struct fy_diag_error *de = fy_diag_errors_iterate(diag, &iter);

	if (!de || !de->msg)
		return moat_error_set(c->err, MOAT_E_FORMAT, "%s: not valid YAML", c->origin);
	return moat_error_set(c->err, MOAT_E_FORMAT, "%s: line %d, column %d: %s", c->origin,
			      de->line + 1, de->column + 1, de->msg);
}

/* Offset of the first byte that is not part of well-formed UTF-8 (no
 * overlongs, surrogates or code points past U+10FFFF), or len. */
static size_t yaml_utf8_check(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t b = p[i];
		size_t n;
		uint8_t lo = 0x80;
		uint8_t hi = 0xbf;

		if (b < 0x80) {
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			n = 1;
		else if (b >= 0xe0 && b <= 0xef)
			n = 2;
		else if (b >= 0xf0 && b <= 0xf4)
			n = 3;
		else
			return i;
		if (b == 0xe0)
			lo = 0xa0;
		else if (b == 0xed)
			hi = 0x9f;
		else if (b == 0xf0)
			lo = 0x90;
		else if (b == 0xf4)
			hi = 0x8f;
		if (len - i <= n || p[i + 1] < lo || p[i + 1] > hi)
			return i;
		for (size_t k = 2; k <= n; k++)
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				return i;
		i += n + 1;
	}
	return len;
}

/* Run the parser over the whole stream, building c->root. */
static int yaml_run(struct yaml_ctx *c, const uint8_t *data, size_t len)
{
	struct fy_diag_cfg dcfg;
	struct fy_diag *diag;
	struct fy_parse_cfg cfg = { 0 };
	struct fy_parser *fyp = NULL;
	struct fy_event *e;
	int r = -ENOMEM;

	fy_diag_cfg_default(&dcfg);
	dcfg.fp = NULL; /* never print: errors are collected and returned */
	dcfg.colorize = false;
	diag = fy_diag_create(&dcfg);
	if (!diag)
		return -ENOMEM;
	fy_diag_set_collect_errors(diag, true);
	cfg.flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_1_2 | FYPCF_JSON_NONE |
		    FYPCF_DISABLE_MMAP_OPT;
	cfg.diag = diag;
	fyp = fy_parser_create(&cfg);
	if (!fyp || fy_parser_set_string(fyp, (const char *)data, len) < 0)
		goto out;
	r = 0;
	while (r == 0) {
		e = fy_parser_parse(fyp);
		if (!e)
			break;
		r = yaml_event(c, e);
		fy_parser_event_free(fyp, e);
	}
	if (r == 0 && (fy_parser_get_stream_error(fyp) || fy_diag_got_error(diag)))
		r = yaml_syntax_error(c, diag);
	else if (r == 0 && c->depth)
		r = yaml_fail(c, MOAT_E_FORMAT, "document ends inside a collection");
out:
	fy_parser_destroy(fyp);
	fy_diag_destroy(diag);
	return r;
}

/* Parse into c (c->out set: stream mode). */
static int yaml_parse_ctx(struct yaml_ctx *c_, const uint8_t *data, size_t len, size_t max_bytes)
{
	struct yaml_ctx c = *c_;
	struct moat_error *err = c.err;
	unsigned max_depth = c.max_depth;
	size_t bad;
	int r;

	if (len > max_bytes)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %zu bytes, more than the limit of %zu",
				      c.origin, len, max_bytes);
	/* YAML streams are Unicode; libfyaml 0.7.12 also loops forever on some
	 * malformed UTF-8 (in a directive), so bad bytes never reach it. */
	bad = yaml_utf8_check(data, len);
	if (bad < len)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: byte %zu: not valid UTF-8", c.origin,
				      bad);
	c.arena = moat_arena_open(0);
	c.stack = c.arena ? moat_arena_newarray(c.arena, struct yaml_frame, max_depth + 1u) : NULL;
	if (!c.stack) {
		moat_arena_close(c.arena);
		return moat_error_set(err, -ENOMEM, "%s: out of memory", c.origin);
	}
	moat_hmap_init(&c.anchors);
	r = yaml_run(&c, data, len);
	if (r == -ENOMEM)
		moat_error_set(err, r, "%s: out of memory", c.origin);
	while (c.depth)
		json_decref(c.stack[--c.depth].node);
	yaml_anchors_clear(&c);
	moat_hmap_release(&c.anchors);
	moat_arena_close(c.arena);
	*c_ = c;
	return r;
}

int moat_yaml_parse(const uint8_t *data, size_t len, const char *origin, size_t max_bytes,
		    unsigned max_depth, json_t **ret, struct moat_error *err)
{
	struct yaml_ctx c = { .origin = origin ? origin : "yaml", .err = err,
			      .max_depth = max_depth };
	int r = yaml_parse_ctx(&c, data, len, max_bytes);

	if (r < 0) {
		json_decref(c.root);
		return r;
	}
	*ret = c.have_root ? c.root : json_null();
	return 0;
}

void moat_yaml_stream_release(struct moat_yaml_stream *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->docs[i]);
	free(s->docs);
	free(s->doc_lines);
	if (s->lines) {
		moat_hmap_release(&s->lines->map);
		moat_arena_close(s->lines->arena);
		free(s->lines);
	}
	memset(s, 0, sizeof(*s));
}

int moat_yaml_parse_stream(const uint8_t *data, size_t len, const char *origin,
			   size_t max_bytes, unsigned max_depth, size_t max_docs,
			   struct moat_yaml_stream *ret, struct moat_error *err)
{
	struct yaml_ctx c = { .origin = origin ? origin : "yaml", .err = err,
			      .max_depth = max_depth, .out = ret, .max_docs = max_docs };
	int r;

	memset(ret, 0, sizeof(*ret));
	ret->lines = calloc(1, sizeof(*ret->lines));
	if (ret->lines)
		ret->lines->arena = moat_arena_open(0);
	if (!ret->lines || !ret->lines->arena) {
		moat_yaml_stream_release(ret);
		return moat_error_set(err, -ENOMEM, "%s: out of memory", c.origin);
	}
	moat_hmap_init(&ret->lines->map);
	r = yaml_parse_ctx(&c, data, len, max_bytes);
	if (r < 0)
		moat_yaml_stream_release(ret);
	return r;
}

int moat_yaml_is_json(const uint8_t *data, size_t len)
{
	size_t i = 0;

	if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
		i = 3;
	while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
		i++;
	return i < len && (data[i] == '{' || data[i] == '[');
}
