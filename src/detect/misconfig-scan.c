/* SPDX-License-Identifier: Apache-2.0 */
/*
 * misconfig-scan.c - the `misconfig` content scanner: the image checks of
 * src/comply (config, history, the merged filesystem, the package list;
 * docs/config-checks.md) run once the image is complete, and each result
 * becomes a moat.scan/v1 finding of kind "misconfig". It reads no file of
 * its own in the stream: modes and layers come from the merged view, so a
 * setuid bit a later layer removed is not reported.
 */
#include <string.h>

#include "base/arena.h"
#include "comply/misconfig.h"
#include "moat/error.h"
#include "vuln/owner.h"
#include "detect.h"

struct misconfig_state {
	int unused;
};

static int misconfig_open(struct moat_detect *d, void **ret_state, struct moat_error *err)
{
	struct misconfig_state *s = moat_arena_zalloc(moat_detect_arena(d), sizeof(*s));

	if (!s)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	*ret_state = s;
	/* ENV values are asked of the secret rules (one list of shapes). */
	moat_misconfig_set_credential_shape(moat_secret_shape);
	return 0;
}

static void misconfig_close(void *state)
{
	(void)state; /* in the scan's arena */
}

/* Nothing in the stream: the image step reads the merged view. */
static uint64_t misconfig_match(void *state, const char *path, size_t len, uint32_t mode,
				uint64_t size)
{
	(void)state, (void)path, (void)len, (void)mode, (void)size;
	return 0;
}

/* The config key a config finding is about (reports show "config User"). */
static const char *config_field(const char *id)
{
	static const struct {
		const char *id, *field;
	} fields[] = {
		{ "MOAT-IMG-001", "User" },   { "MOAT-IMG-002", "ExposedPorts" },
		{ "MOAT-IMG-003", "Healthcheck" }, { "MOAT-IMG-004", "Env" },
		{ "MOAT-IMG-005", "Labels" },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(fields[i].id, id))
			return fields[i].field;
	return NULL;
}

/* One comply finding as a content finding: files and packages name their
 * path and layer; config and history name their source (history: the
 * entry's 1-based index as line, and the layer it made). */
static int emit_one(struct moat_detect *d, const struct moat_misconfig *m, struct moat_error *err)
{
	bool file = m->source && (!strcmp(m->source, "file") || !strcmp(m->source, "package"));
	bool history = m->source && !strcmp(m->source, "history");
	struct moat_finding f = {
		.kind = "misconfig",
		.id = m->check->id,
		.severity = m->check->severity,
		.title = m->check->title,
		.message = m->message,
		.references = m->check->references,
		.path = file ? m->path : NULL,
		.source = file ? NULL : history ? "history" : "config",
		.field = file ? NULL : history ? "created_by" : config_field(m->check->id),
		.line = history ? m->line : 0,
		.layer_index = m->layer_index,
	};

	return moat_detect_emit(d, NULL, &f, err);
}

static int misconfig_scan_image(void *state, struct moat_detect *d,
				const struct moat_detect_image *img, struct moat_error *err)
{
	struct moat_misconfig_list out = { 0 };
	unsigned base_layers = img->base ? (unsigned)img->base->n_layers : 0;
	int r;

	(void)state;
	r = moat_misconfig_image(img->meta, img->fs, img->pkgs, base_layers, moat_detect_arena(d),
				 &out, err);
	for (size_t i = 0; r == 0 && i < out.count; i++)
		r = emit_one(d, &out.items[i], err);
	return r;
}

const struct moat_scanner moat_scanner_misconfig = {
	.name = "misconfig",
	.bit = MOAT_SCAN_MISCONFIG,
	.open = misconfig_open,
	.close = misconfig_close,
	.match = misconfig_match,
	.wants_binary = false,
	.scan_file = NULL, /* match() claims no file */
	.scan_image = misconfig_scan_image,
};
