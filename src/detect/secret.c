/* SPDX-License-Identifier: Apache-2.0 */
/* secret.c - the secret scanner: files as they stream, then config Env/Labels and history. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/embedded.h"
#include "base/file.h"
#include "moat/error.h"
#include "detect.h"
#include "secret-rules.h"

/* Bytes of one file the rules read (Trivy stops at 10 MB too). */
#define SECRET_FILE_BUDGET (10u << 20)

extern const struct moat_embedded moat_secret_rule_files[];

struct secret_state {
	struct secret_rules *rules;
	struct moat_buf text;       /* config and history lines */
	struct secret_match *pending;   /* one text's matches, before emitting */
	size_t n_pending, cap_pending;
};

int secret_rules_load_builtin(struct secret_rules *rs, struct moat_error *err)
{
	for (const struct moat_embedded *e = moat_secret_rule_files; e->name; e++) {
		int r = secret_rules_load(rs, e->data, e->len, e->name, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int secret_open(struct moat_detect *d, void **ret_state, struct moat_error *err)
{
	const struct moat_detect_opts *o = moat_detect_options(d);
	struct secret_state *s = calloc(1, sizeof(*s));
	struct moat_buf cfg;
	int r;

	if (!s)
		return moat_error_set(err, -ENOMEM, "out of memory");
	*ret_state = s;
	moat_buf_init(&s->text, 1u << 20);
	if ((r = secret_rules_open(&s->rules, err)) < 0 ||
	    (r = secret_rules_load_builtin(s->rules, err)) < 0)
		return r;
	if (o->secret_config) {
		moat_buf_init(&cfg, SECRET_RULES_MAX_BYTES);
		r = moat_read_file(o->secret_config, SECRET_RULES_MAX_BYTES, &cfg, err);
		if (r == 0)
			r = secret_rules_load(s->rules, cfg.data, cfg.len, o->secret_config, err);
		moat_buf_release(&cfg);
		if (r < 0)
			return r;
	}
	secret_rules_cache_dir(s->rules, o->cache_dir);
	return secret_rules_compile(s->rules, err);
}

static void secret_close(void *state)
{
	struct secret_state *s = state;

	secret_rules_close(s->rules);
	moat_buf_release(&s->text);
	free(s->pending);
	free(s);
}

/* Contents that hold no secrets anyone could use, or are not text. */
static bool skip_name(const char *path, size_t len)
{
	static const char *const exts[] = {
		".png", ".jpg", ".jpeg", ".gif", ".ico", ".svg", ".woff", ".woff2", ".ttf",
		".otf", ".eot", ".mo", ".gz", ".xz", ".bz2", ".zst", ".zip", ".jar", ".whl",
		".pyc", ".so", ".a", ".o", ".mp3", ".mp4", ".pdf", ".wasm",
	};
	struct moat_slice p = moat_slice_make(path, len);

	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (moat_slice_endswith(p, exts[i]))
			return true;
	return false;
}

static uint64_t secret_match(void *state, const char *path, size_t len, uint32_t mode,
			     uint64_t size)
{
	struct secret_state *s = state;

	(void)mode;
	if (!size || skip_name(path, len) || !secret_rules_want_path(s->rules, path, len))
		return 0;
	return SECRET_FILE_BUDGET;
}

struct emit_ctx {
	struct secret_state *s;
	struct moat_detect *d;
	const struct moat_detect_file *file;  /* NULL for config/history */
	struct moat_slice text;
	const char *source;
	const char *field;
	int layer_index;
	const char *orig;           /* the meta string text came from (redacted later) */
	size_t orig_off;            /* where orig starts in text */
};

static int emit(struct emit_ctx *e, const struct secret_match *m, struct moat_error *err)
{
	struct moat_finding f = { 0 };

	f.kind = "secret";
	f.id = m->rule_id;
	f.title = m->title;
	f.severity = m->severity;
	f.source = e->source;
	f.field = e->field;
	f.layer_index = e->layer_index;
	f.line = e->file ? moat_detect_line_of(e->text, m->start) : 0;
	f.match = moat_detect_mask(moat_detect_arena(e->d), e->text.ptr + m->start, m->len);
	f.fingerprint = m->fingerprint;
	if (!f.match)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (e->orig && m->start >= e->orig_off &&
	    moat_detect_redact(e->d, e->orig, m->start - e->orig_off, m->len, err) < 0)
		return -1;
	return moat_detect_emit(e->d, e->file, &f, err);
}

/* Matches wait until the whole text is scanned: a name-based rule
 * (generic-*) does not report a secret a specific rule already names. */
static int on_match(void *ctx, const struct secret_match *m, struct moat_error *err)
{
	struct emit_ctx *e = ctx;
	struct secret_state *s = e->s;

	if (s->n_pending == s->cap_pending) {
		size_t cap = s->cap_pending ? s->cap_pending * 2 : 64;
		struct secret_match *p = realloc(s->pending, cap * sizeof(*p));

		if (!p)
			return moat_error_set(err, -ENOMEM, "out of memory");
		s->pending = p;
		s->cap_pending = cap;
	}
	s->pending[s->n_pending++] = *m;
	return 0;
}

static bool generic(const struct secret_match *m)
{
	return !strncmp(m->rule_id, "generic-", 8);
}

static bool overlap(const struct secret_match *a, const struct secret_match *b)
{
	return a->start < b->start + b->len && b->start < a->start + a->len;
}

static int flush(struct emit_ctx *e, struct moat_error *err)
{
	struct secret_state *s = e->s;
	int r = 0;

	for (size_t i = 0; i < s->n_pending && r == 0; i++) {
		bool named = false;

		for (size_t j = 0; generic(&s->pending[i]) && j < s->n_pending && !named; j++)
			named = !generic(&s->pending[j]) && overlap(&s->pending[i], &s->pending[j]);
		if (!named)
			r = emit(e, &s->pending[i], err);
	}
	s->n_pending = 0;
	return r;
}

/* Scan one text and emit what survives. */
static int scan_and_flush(struct emit_ctx *e, const char *path, bool binary,
			  struct moat_error *err)
{
	int r;

	e->s->n_pending = 0;
	r = secret_rules_scan(e->s->rules, path, e->text, binary, on_match, e, err);
	return r < 0 ? r : flush(e, err);
}

static int secret_scan_file(void *state, struct moat_detect *d, const struct moat_detect_file *file,
			    struct moat_error *err)
{
	struct secret_state *s = state;
	struct emit_ctx e = { s, d, file, file->content, NULL, NULL, -1, NULL, 0 };
	char *path = moat_arena_strndup(moat_detect_arena(d), file->visit->path,
					file->visit->path_len);

	if (!path)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return scan_and_flush(&e, path, file->binary, err);
}

/* One config or history string, scanned as its own text. */
static int scan_text(struct secret_state *s, struct moat_detect *d, const char *text,
		     const char *source, const char *field, int layer, const char *orig,
		     size_t orig_off, struct moat_error *err)
{
	struct emit_ctx e = { s, d, NULL, moat_slice_str(text), source, field, layer, orig,
			      orig_off };

	return scan_and_flush(&e, NULL, false, err);
}

static int secret_scan_image(void *state, struct moat_detect *d, const struct moat_detect_image *img,
			     struct moat_error *err)
{
	struct secret_state *s = state;
	const struct moat_image_meta *meta = img->meta;
	int r = 0;

	if (!meta)
		return 0;
	for (size_t i = 0; i < meta->n_env && r == 0; i++)
		r = scan_text(s, d, meta->env[i], "config", "Env", -1, meta->env[i], 0, err);
	for (size_t i = 0; i < meta->n_labels && r == 0; i++) {
		moat_buf_reset(&s->text);
		if (moat_buf_appendf(&s->text, "%s=%s", meta->labels[i].key,
				     meta->labels[i].value ? meta->labels[i].value : "") < 0)
			continue; /* over 1 MiB: not a label anyone reads */
		r = scan_text(s, d, (const char *)s->text.data, "config", "Labels", -1,
			      meta->labels[i].value, strlen(meta->labels[i].key) + 1, err);
	}
	for (size_t i = 0; i < meta->n_history && r == 0; i++)
		if (meta->history[i].created_by)
			r = scan_text(s, d, meta->history[i].created_by, "history", "created_by",
				      meta->history[i].layer_index, meta->history[i].created_by, 0,
				      err);
	return r;
}

const struct moat_scanner moat_scanner_secret = {
	.name = "secret",
	.bit = MOAT_SCAN_SECRET,
	.open = secret_open,
	.close = secret_close,
	.match = secret_match,
	.wants_binary = false,
	.scan_file = secret_scan_file,
	.scan_image = secret_scan_image,
};

/* ---- one string, no scan state: the Dockerfile and image checks ---- */

static struct secret_rules *shape_rules;
static pthread_once_t shape_once = PTHREAD_ONCE_INIT;
/* One scratch space (Hyperscan, PCRE2 match data) in the rule set: one caller at a time. */
static pthread_mutex_t shape_lock = PTHREAD_MUTEX_INITIALIZER;

/* Compiled once per process and kept (reachable, not a leak): `moat
 * config` and the image checks ask about one ENV/ARG value at a time. */
static void shape_init(void)
{
	struct moat_error err = { 0 };
	struct secret_rules *rs = NULL;

	if (secret_rules_open(&rs, &err) < 0 || secret_rules_load_builtin(rs, &err) < 0 ||
	    secret_rules_compile(rs, &err) < 0) {
		secret_rules_close(rs);
		return; /* the built-in rules compile (unit-tested): out of memory */
	}
	shape_rules = rs;
}

static int first_named(void *ctx, const struct secret_match *m, struct moat_error *err)
{
	const char **title = ctx;

	(void)err;
	if (!*title && !generic(m))
		*title = m->title;
	return 0;
}

const char *moat_secret_shape(const char *text)
{
	const char *title = NULL;
	struct moat_error err = { 0 };

	pthread_once(&shape_once, shape_init);
	if (!shape_rules || !text)
		return NULL;
	pthread_mutex_lock(&shape_lock);
	if (secret_rules_scan(shape_rules, NULL, moat_slice_str(text), false, first_named, &title,
			      &err) < 0)
		title = NULL;
	pthread_mutex_unlock(&shape_lock);
	return title;
}
