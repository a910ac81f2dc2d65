/* SPDX-License-Identifier: Apache-2.0 */
/* detect.c - the content-scanner table, the stream fan-out and the findings sink. */
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hmap.h"
#include "base/reader.h"
#include "base/warn.h"
#include "moat/error.h"
#include "vfs/fs.h"
#include "vuln/owner.h"
#include "detect.h"

/* Bytes looked at to call a file binary (git and grep look at 8000). */
#define DETECT_PEEK 8000u
/* Findings one scan keeps; more is a hostile image, not a report. */
#define DETECT_MAX_FINDINGS 100000u

static const struct moat_scanner *const scanners[] = {
	&moat_scanner_secret,
	&moat_scanner_password,
	&moat_scanner_misconfig,
	&moat_scanner_malware,
};
#define N_SCANNERS (sizeof(scanners) / sizeof(scanners[0]))

static const struct {
	const char *name;
	unsigned bit;
} scanner_names[] = {
	{ "vuln", MOAT_SCAN_VULN },
	{ "secret", MOAT_SCAN_SECRET },
	{ "password", MOAT_SCAN_PASSWORD },
	{ "malware", MOAT_SCAN_MALWARE },
	{ "misconfig", MOAT_SCAN_MISCONFIG },
};

struct redaction {
	const char *text;               /* a string of the image's meta */
	size_t start, len;
	struct redaction *next;
};

struct moat_detect {
	struct moat_detect_opts opts;
	struct redaction *redactions;
	struct moat_arena *arena;
	void *state[N_SCANNERS];
	struct moat_finding_list findings;
	struct moat_warnings warnings;  /* layer = read_seq until finish */
	struct moat_buf file;           /* the file being scanned */
	size_t n_allowed;               /* secret findings a policy allow entry dropped */
	bool full;                      /* DETECT_MAX_FINDINGS reached */
};

unsigned moat_scanners_available(void)
{
	unsigned bits = MOAT_SCAN_VULN;

	for (size_t i = 0; i < N_SCANNERS; i++)
		bits |= scanners[i]->bit;
	return bits;
}

int moat_scanners_parse(const char *list, unsigned *ret_bits, const char **ret_bad,
			size_t *ret_bad_len)
{
	const char *p = list;
	unsigned bits = 0;

	while (*p) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(scanner_names) / sizeof(scanner_names[0]); i++)
			if (len == strlen(scanner_names[i].name) &&
			    !memcmp(p, scanner_names[i].name, len))
				break;
		*ret_bad = p;
		*ret_bad_len = len;
		if (i == sizeof(scanner_names) / sizeof(scanner_names[0]))
			return -EINVAL;
		if (!(scanner_names[i].bit & moat_scanners_available()))
			return -ENOTSUP;
		bits |= scanner_names[i].bit;
		p += len;
		if (*p == ',')
			p++;
	}
	if (!bits) {
		*ret_bad = list;
		*ret_bad_len = 0;
		return -EINVAL;
	}
	*ret_bits = bits;
	return 0;
}

static const char *const *dup_list(struct moat_arena *a, const char *const *l, bool *oom)
{
	const char **out;
	size_t n = 0;

	if (!l)
		return NULL;
	while (l[n])
		n++;
	out = moat_arena_calloc(a, n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = moat_arena_strdup(a, l[i])))
			out = NULL;
	*oom |= !out;
	return out;
}

/* The policy's allow list, copied: the caller's may go once we are open. */
static int copy_allow(struct moat_detect *d, const struct moat_detect_opts *opts,
		      struct moat_error *err)
{
	struct moat_detect_allow *a;
	bool oom = false;

	if (!opts->n_secret_allow)
		return 0;
	a = moat_arena_calloc(d->arena, opts->n_secret_allow, sizeof(*a));
	if (!a)
		return moat_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < opts->n_secret_allow; i++) {
		const struct moat_detect_allow *s = &opts->secret_allow[i];
		const char *p = s->path;

		while (p && *p == '/')
			p++;
		a[i].path = p ? moat_arena_strdup(d->arena, p) : NULL;
		a[i].rules = dup_list(d->arena, s->rules, &oom);
		a[i].fingerprints = dup_list(d->arena, s->fingerprints, &oom);
		oom |= p && !a[i].path;
	}
	if (oom)
		return moat_error_set(err, -ENOMEM, "out of memory");
	d->opts.secret_allow = a;
	return 0;
}

static bool in_list(const char *const *l, const char *s)
{
	if (!l)
		return true;
	for (; s && *l; l++)
		if (!strcmp(*l, s))
			return true;
	return false;
}

/* Does a policy allow entry accept this secret finding? */
static bool allowed(const struct moat_detect *d, const struct moat_finding *f, const char *path)
{
	if (strcmp(f->kind, "secret") != 0)
		return false;
	for (size_t i = 0; i < d->opts.n_secret_allow; i++) {
		const struct moat_detect_allow *a = &d->opts.secret_allow[i];

		if (a->path && (!path || fnmatch(a->path, path, 0) != 0))
			continue;
		if (in_list(a->rules, f->id) && in_list(a->fingerprints, f->fingerprint))
			return true;
	}
	return false;
}

size_t moat_detect_allowed_count(const struct moat_detect *d)
{
	return d->n_allowed;
}

int moat_detect_open(const struct moat_detect_opts *opts, struct moat_detect **ret,
		     struct moat_error *err)
{
	struct moat_arena *arena = moat_arena_open(opts->limits->arena_bytes);
	struct moat_detect *d = arena ? moat_arena_zalloc(arena, sizeof(*d)) : NULL;
	int r;

	if (!d) {
		moat_arena_close(arena);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	d->opts = *opts;
	d->arena = arena;
	if ((r = copy_allow(d, opts, err)) < 0) {
		moat_arena_close(arena);
		return r;
	}
	d->warnings.arena = arena;
	moat_buf_init(&d->file, 0);
	*ret = d;
	for (size_t i = 0; i < N_SCANNERS; i++) {
		if (!(opts->scanners & scanners[i]->bit))
			continue;
		r = scanners[i]->open(d, &d->state[i], err);
		if (r < 0)
			return moat_error_prefix(err, "%s scanner: ", scanners[i]->name);
	}
	return 0;
}

void moat_detect_close(struct moat_detect *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < N_SCANNERS; i++)
		if (d->state[i])
			scanners[i]->close(d->state[i]);
	moat_buf_release(&d->file);
	moat_arena_close(d->arena);
}

struct moat_arena *moat_detect_arena(struct moat_detect *d)
{
	return d->arena;
}

const struct moat_detect_opts *moat_detect_options(const struct moat_detect *d)
{
	return &d->opts;
}

const struct moat_finding_list *moat_detect_findings(const struct moat_detect *d)
{
	return &d->findings;
}

const struct moat_warnings *moat_detect_warnings(const struct moat_detect *d)
{
	return &d->warnings;
}

void moat_detect_warn(struct moat_detect *d, const struct moat_detect_file *file,
		      const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (file)
		moat_warnings_add(&d->warnings, code, (int)file->visit->read_seq, file->visit->path,
				  file->visit->path_len, "%s", msg);
	else
		moat_warnings_add(&d->warnings, code, -1, NULL, 0, "%s", msg);
}

static const char *dup_or_null(struct moat_arena *a, const char *s)
{
	return s ? moat_arena_strdup(a, s) : NULL;
}

/* A NULL-ended list of strings, copied (at most 8: upstream rule ids). */
static const char *const *dup_refs(struct moat_arena *a, const char *const *refs, bool *oom)
{
	const char **out;
	size_t n = 0;

	while (refs && n < 8 && refs[n])
		n++;
	if (!n)
		return NULL;
	out = moat_arena_calloc(a, n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++)
		if (!(out[i] = moat_arena_strdup(a, refs[i])))
			out = NULL;
	*oom |= !out;
	return out;
}

int moat_detect_emit(struct moat_detect *d, const struct moat_detect_file *file,
		     const struct moat_finding *f, struct moat_error *err)
{
	struct moat_finding *n;
	struct moat_finding_list *l = &d->findings;
	bool oom = false;

	if (l->count >= DETECT_MAX_FINDINGS) {
		if (!d->full)
			moat_detect_warn(d, NULL, "detect-too-many-findings",
					 "more than %u content findings; the rest not kept",
					 DETECT_MAX_FINDINGS);
		d->full = true;
		return 0;
	}
	n = moat_arena_zalloc(d->arena, sizeof(*n));
	if (!n)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	*n = *f;
	n->kind = f->kind; /* static strings */
	n->id = dup_or_null(d->arena, f->id);
	n->severity = f->severity;
	n->title = dup_or_null(d->arena, f->title);
	n->message = dup_or_null(d->arena, f->message);
	n->references = dup_refs(d->arena, f->references, &oom);
	n->match = dup_or_null(d->arena, f->match);
	n->fingerprint = dup_or_null(d->arena, f->fingerprint);
	n->rule = dup_or_null(d->arena, f->rule);
	n->sha256 = dup_or_null(d->arena, f->sha256);
	n->field = dup_or_null(d->arena, f->field);
	n->layer_index = file ? -1 : f->layer_index;
	n->read_seq = file ? file->visit->read_seq : 0;
	n->streamed = file != NULL;
	n->path = file ? moat_arena_strndup(d->arena, file->visit->path, file->visit->path_len)
		       : dup_or_null(d->arena, f->path);
	if (d->opts.n_secret_allow && allowed(d, f, n->path)) {
		d->n_allowed++;
		return 0; /* the arena keeps the copies: a few bytes per allowed finding */
	}
	oom |= (f->rule && !n->rule) || (f->sha256 && !n->sha256);
	if (oom || (f->message && !n->message) || (file && !n->path) || (f->path && !n->path))
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *items = moat_arena_grow(d->arena, l->items, l->cap, cap,
					      sizeof(*l->items)); /* NOLINT(bugprone-sizeof-expression) */

		if (!items)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		l->items = items;
		l->cap = cap;
	}
	l->items[l->count++] = n;
	return 0;
}

/* ---- the stream fan-out ---- */

/* A reader that serves a peeked prefix, then the rest of the stream. */
struct prefixed {
	const uint8_t *pre;
	size_t pre_len;
	struct moat_reader *rest;
};

static ssize_t prefixed_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct prefixed *p = ctx;

	if (p->pre_len) {
		size_t n = len < p->pre_len ? len : p->pre_len;

		memcpy(buf, p->pre, n);
		p->pre += n;
		p->pre_len -= n;
		return (ssize_t)n;
	}
	return moat_read(p->rest, buf, len, err);
}

static ssize_t prefixed_skip(void *ctx, uint64_t len, struct moat_error *err)
{
	struct prefixed *p = ctx;

	if (p->pre_len) {
		size_t n = len < p->pre_len ? (size_t)len : p->pre_len;

		p->pre += n;
		p->pre_len -= n;
		return (ssize_t)n;
	}
	if (p->rest->skip)
		return p->rest->skip(p->rest->ctx, len, err);
	return moat_read_skip(p->rest, len, err) < 0 ? -1 : (ssize_t)len;
}

static int pass_on(struct moat_detect *d, const struct moat_file_visit *file,
		   struct moat_reader *content, struct moat_error *err)
{
	return d->opts.next_visit ? d->opts.next_visit(d->opts.next_ctx, file, content, err) : 0;
}

/* Read up to want bytes (already holding have) into d->file. */
static int fill(struct moat_detect *d, struct moat_reader *content, size_t want,
		struct moat_error *err)
{
	while (d->file.len < want) {
		ssize_t n;

		if (moat_buf_reserve(&d->file, want - d->file.len) < 0)
			return moat_error_set(err, -ENOMEM, "out of memory");
		n = moat_read(content, d->file.data + d->file.len, want - d->file.len, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		d->file.len += (size_t)n;
	}
	if (d->file.data)
		d->file.data[d->file.len] = '\0'; /* the buffer's NUL, as its appends keep it */
	return 0;
}

static bool has_nul(const uint8_t *p, size_t n)
{
	return memchr(p, 0, n) != NULL;
}

/* After the peek: drop scanners that do not read this kind of file (binary,
 * or not the magic a match_head() wants); the largest budget left. */
static uint64_t head_budgets(struct moat_detect *d, const struct moat_detect_file *head,
			     uint64_t budget[N_SCANNERS])
{
	uint64_t most = 0;

	for (size_t i = 0; i < N_SCANNERS; i++) {
		if (!budget[i])
			continue;
		if (head->binary && !scanners[i]->wants_binary)
			budget[i] = 0;
		else if (scanners[i]->match_head) {
			uint64_t b = scanners[i]->match_head(d->state[i], head, budget[i]);

			budget[i] = b < budget[i] ? b : budget[i];
		}
		if (budget[i] > most)
			most = budget[i];
	}
	return most;
}

int moat_detect_visit(void *ctx, const struct moat_file_visit *file, struct moat_reader *content,
		      struct moat_error *err)
{
	struct moat_detect *d = ctx;
	uint64_t budget[N_SCANNERS] = { 0 };
	uint64_t most = 0;
	struct moat_detect_file df = { file, { 0 }, false, false };
	struct moat_file_visit held;
	struct moat_reader rd;
	struct prefixed pf;
	size_t want;
	int r;

	for (size_t i = 0; i < N_SCANNERS; i++) {
		if (!d->state[i])
			continue;
		budget[i] = scanners[i]->match(d->state[i], file->path, file->path_len, file->mode,
					       file->size);
		if (budget[i] > most)
			most = budget[i];
	}
	if (!most || !file->size)
		return pass_on(d, file, content, err);
	moat_buf_reset(&d->file);
	want = (size_t)(file->size < DETECT_PEEK ? file->size : DETECT_PEEK);
	if ((r = fill(d, content, want, err)) < 0)
		return r;
	df.binary = has_nul(d->file.data, d->file.len);
	df.content = moat_slice_make(d->file.data, d->file.len);
	df.truncated = d->file.len < file->size;
	most = head_budgets(d, &df, budget);
	if (most) {
		want = (size_t)(file->size < most ? file->size : most);
		if ((r = fill(d, content, want, err)) < 0)
			return r;
		df.content = moat_slice_make(d->file.data, d->file.len);
		df.truncated = d->file.len < file->size;
	}
	for (size_t i = 0; i < N_SCANNERS; i++) {
		struct moat_detect_file mine = df;

		if (!budget[i])
			continue;
		if (mine.content.len > budget[i]) {
			mine.content.len = (size_t)budget[i];
			mine.truncated = true;
		}
		r = scanners[i]->scan_file(d->state[i], d, &mine, err);
		if (r < 0)
			return moat_error_prefix(err, "%s scanner: ", scanners[i]->name);
	}
	/* The next visitor sees the whole file: what we hold, then the rest;
	 * and what we hold in memory, so it need not copy it again (the ELF
	 * cataloger reads every executable whole: a second copy of each was
	 * ~8% of a scan with the malware scanner on). */
	pf = (struct prefixed){ d->file.data, d->file.len, content };
	rd = (struct moat_reader){ prefixed_read, &pf, prefixed_skip };
	held = *file;
	held.held = d->file.data;
	held.held_len = d->file.len;
	return pass_on(d, &held, &rd, err);
}

/* ---- after the image ---- */

/* The last position a streamed layer was applied at (a blob listed twice
 * counts where it last wrote its files, as lang.c does). */
static int layer_of_seq(const struct moat_image_meta *meta, unsigned seq)
{
	int found = -1;

	for (size_t i = 0; meta && i < meta->n_layers; i++)
		if (meta->layers[i].read_seq == seq)
			found = (int)i;
	return found;
}

/* A file finding whose file a later layer deleted or replaced: the secret
 * is still in the image's layers, so it stays, with a note. Findings of
 * the image steps name the merged view (or a package database) and need
 * none. */
static void note_whiteout(struct moat_detect *d, struct moat_fs *fs, struct moat_finding *f)
{
	struct moat_fs_stat st;
	struct moat_error err = { 0 };

	if (!fs || !f->path || f->layer_index < 0 || !f->streamed)
		return;
	if (moat_fs_lstat(fs, f->path, &st, &err) < 0)
		f->note = "deleted by a later layer; still in the image's layers";
	else if (st.layer > f->layer_index)
		f->note = moat_arena_printf(d->arena, "replaced by layer %d; this version is "
					    "still in the image's layers", st.layer);
}

static int cmp_finding(const void *a, const void *b)
{
	const struct moat_finding *x = *(struct moat_finding *const *)a;
	const struct moat_finding *y = *(struct moat_finding *const *)b;
	int c;

	if (x->layer_index != y->layer_index)
		return x->layer_index < y->layer_index ? -1 : 1;
	c = strcmp(x->path ? x->path : "", y->path ? y->path : "");
	if (c)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* A layer that rewrites a file with the same secret (every useradd rewrites
 * /etc/shadow) did not bring that secret: keep the first layer's finding.
 * Findings are sorted by layer, so the first seen of a key stays. Linear:
 * one table of (id, path, source, fingerprint). */
static int dedupe(struct moat_detect *d, struct moat_finding_list *l, struct moat_error *err)
{
	struct moat_hmap seen;
	struct moat_buf key;
	size_t out = 0;
	int r = 0;

	moat_hmap_init(&seen);
	moat_buf_init(&key, 0);
	for (size_t i = 0; i < l->count && r == 0; i++) {
		const struct moat_finding *f = l->items[i];
		char *k;

		if (!f->fingerprint) {
			l->items[out++] = l->items[i];
			continue;
		}
		moat_buf_reset(&key);
		/* NUL-separated: no part can run into the next. */
		if (moat_buf_append(&key, f->id, strlen(f->id) + 1) < 0 ||
		    moat_buf_append(&key, f->path ? f->path : "", f->path ? strlen(f->path) + 1 : 1) < 0 ||
		    moat_buf_append(&key, f->source ? f->source : "",
				    f->source ? strlen(f->source) + 1 : 1) < 0 ||
		    moat_buf_append_str(&key, f->fingerprint) < 0 ||
		    !(k = moat_arena_memdup(d->arena, key.data, key.len))) {
			r = moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
			break;
		}
		if (moat_hmap_get(&seen, k, key.len))
			continue;
		if (moat_hmap_put(&seen, k, key.len, (void *)1) < 0) {
			r = moat_error_set(err, -ENOMEM, "out of memory");
			break;
		}
		l->items[out++] = l->items[i];
	}
	if (r == 0)
		l->count = out;
	moat_buf_release(&key);
	moat_hmap_release(&seen);
	return r;
}

static void resolve_warnings(struct moat_detect *d, const struct moat_image_meta *meta)
{
	for (size_t i = 0; i < d->warnings.count; i++) {
		struct moat_warning *w = &d->warnings.items[i];

		if (w->layer < 0)
			continue;
		w->layer = layer_of_seq(meta, (unsigned)w->layer);
		w->layer_id = w->layer >= 0 ? meta->layers[w->layer].diff_id : NULL;
	}
}

int moat_detect_finish(struct moat_detect *d, const struct moat_detect_image *img,
		       struct moat_error *err)
{
	static const struct moat_detect_image none = { 0 };
	struct moat_finding_list *l = &d->findings;
	const struct moat_image_meta *meta;
	struct moat_fs *fs;
	const struct moat_base *base;
	int r;

	img = img ? img : &none;
	meta = img->meta;
	fs = img->fs;
	base = img->base;
	for (size_t i = 0; i < l->count; i++)
		if (l->items[i]->streamed)
			l->items[i]->layer_index = layer_of_seq(meta, l->items[i]->read_seq);
	for (size_t i = 0; i < N_SCANNERS; i++) {
		if (!d->state[i] || !scanners[i]->scan_image)
			continue;
		r = scanners[i]->scan_image(d->state[i], d, img, err);
		if (r < 0)
			return moat_error_prefix(err, "%s scanner: ", scanners[i]->name);
	}
	if (l->count > 1)
		qsort(l->items, l->count, sizeof(*l->items), /* NOLINT(bugprone-sizeof-expression) */
		      cmp_finding);
	if ((r = dedupe(d, l, err)) < 0)
		return r;
	for (size_t i = 0; i < l->count; i++) {
		struct moat_finding *f = l->items[i];
		int layer = f->layer_index;

		if (meta && layer >= 0 && (size_t)layer < meta->n_layers)
			f->layer = meta->layers[layer].diff_id;
		if (!base || !base->n_layers || layer < 0)
			f->owner = "unknown";
		else
			f->owner = (size_t)layer < base->n_layers ? "base" : "app";
		note_whiteout(d, fs, f);
	}
	resolve_warnings(d, meta);
	return 0;
}

/* ---- redacting what the reports echo ---- */

int moat_detect_redact(struct moat_detect *d, const char *text, size_t start, size_t len,
		       struct moat_error *err)
{
	struct redaction *r = moat_arena_zalloc(d->arena, sizeof(*r));

	if (!r)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	*r = (struct redaction){ text, start, len, d->redactions };
	d->redactions = r;
	return 0;
}

/* text with every recorded span masked in place (the length kept, so spans
 * of one string stay valid; the same characters shown as moat_detect_mask). */
static const char *redacted(struct moat_detect *d, const char *text)
{
	char *copy = NULL;
	size_t n;

	if (!text)
		return NULL;
	n = strlen(text);
	for (struct redaction *r = d->redactions; r; r = r->next) {
		size_t head, tail;

		if (r->text != text || r->start + r->len > n)
			continue;
		if (!copy && !(copy = moat_arena_strndup(d->arena, text, n)))
			return NULL;
		head = r->len >= 24 ? 4 : r->len >= 12 ? 2 : 0;
		tail = r->len >= 24 ? 2 : 0;
		memset(copy + r->start + head, '*', r->len - head - tail);
	}
	return copy ? copy : text;
}

const struct moat_image_meta *moat_detect_redacted_meta(struct moat_detect *d,
							const struct moat_image_meta *meta)
{
	struct moat_image_meta *m;
	const char **env;
	struct moat_kv *labels;
	struct moat_history *hist;
	struct moat_layer *layers;

	if (!d->redactions || !meta)
		return meta;
	m = moat_arena_memdup(d->arena, meta, sizeof(*meta));
	env = moat_arena_calloc(d->arena, meta->n_env + 1, sizeof(*env));
	labels = moat_arena_calloc(d->arena, meta->n_labels + 1, sizeof(*labels));
	hist = moat_arena_calloc(d->arena, meta->n_history + 1, sizeof(*hist));
	layers = moat_arena_calloc(d->arena, meta->n_layers + 1, sizeof(*layers));
	if (!m || !env || !labels || !hist || !layers)
		return NULL;
	/* NULL from redacted() = out of memory: never fall back to the secret. */
	for (size_t i = 0; i < meta->n_env; i++)
		if (!(env[i] = redacted(d, meta->env[i])))
			return NULL;
	for (size_t i = 0; i < meta->n_labels; i++) {
		labels[i].key = meta->labels[i].key;
		labels[i].value = redacted(d, meta->labels[i].value);
		if (meta->labels[i].value && !labels[i].value)
			return NULL;
	}
	for (size_t i = 0; i < meta->n_history; i++) {
		hist[i] = meta->history[i];
		hist[i].created_by = redacted(d, meta->history[i].created_by);
		if (meta->history[i].created_by && !hist[i].created_by)
			return NULL;
	}
	for (size_t i = 0; i < meta->n_layers; i++) {
		layers[i] = meta->layers[i];
		layers[i].created_by = redacted(d, meta->layers[i].created_by);
		for (size_t h = 0; h < meta->n_history; h++)
			if (meta->layers[i].created_by == meta->history[h].created_by)
				layers[i].created_by = hist[h].created_by;
	}
	m->env = env;
	m->labels = labels;
	m->history = hist;
	m->layers = layers;
	return m;
}

/* ---- helpers for scanners ---- */

const char *moat_detect_mask(struct moat_arena *arena, const uint8_t *s, size_t len)
{
	size_t head = len >= 24 ? 4 : len >= 12 ? 2 : 0;
	size_t tail = len >= 24 ? 2 : 0;
	size_t stars = len - head - tail;
	char *out;

	if (stars > 16)
		stars = 16; /* the length of a long secret is no one's business */
	out = moat_arena_alloc(arena, head + stars + tail + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < head; i++)
		out[i] = (char)((s[i] >= 0x21 && s[i] < 0x7f) ? s[i] : '?');
	memset(out + head, '*', stars);
	for (size_t i = 0; i < tail; i++) {
		uint8_t c = s[len - tail + i];

		out[head + stars + i] = (char)((c >= 0x21 && c < 0x7f) ? c : '?');
	}
	out[head + stars + tail] = '\0';
	return out;
}

unsigned moat_detect_line_of(struct moat_slice content, size_t off)
{
	unsigned line = 1;
	const uint8_t *p = content.ptr;
	const uint8_t *end = content.ptr + (off < content.len ? off : content.len);

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line++;
		p++;
	}
	return line;
}

bool moat_detect_rule_id_valid(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return false;
	return true;
}

int moat_detect_severity_rank(const char *s)
{
	if (!s)
		return 0;
	if (!strcmp(s, "critical"))
		return 4;
	if (!strcmp(s, "high"))
		return 3;
	if (!strcmp(s, "medium"))
		return 2;
	if (!strcmp(s, "low"))
		return 1;
	return 0;
}
