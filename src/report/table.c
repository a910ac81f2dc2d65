/* SPDX-License-Identifier: Apache-2.0 */
/* table.c - the human report: image, OS, then packages grouped by layer. */
#include <string.h>

#include "moat/error.h"
#include "report.h"

#define CREATED_BY_MAX 70

/* Short digest for people: the first 12 hex digits. */
static const char *short_digest(const char *d)
{
	if (!d)
		return "-";
	return !strncmp(d, "sha256:", 7) ? d + 7 : d;
}

static void put_created_by(struct moat_buf *out, const char *cb)
{
	size_t n;

	if (!cb) {
		moat_buf_append_str(out, "(no history)");
		return;
	}
	/* Dockerfile RUN lines arrive as "/bin/sh -c #(nop) ..." or long shell text. */
	if (!strncmp(cb, "/bin/sh -c #(nop) ", 18))
		cb += 18;
	n = strcspn(cb, "\n");
	if (n > CREATED_BY_MAX)
		moat_buf_appendf(out, "%.*s...", CREATED_BY_MAX, cb);
	else
		moat_buf_appendf(out, "%.*s", (int)n, cb);
}

static void layer_packages(struct moat_buf *out, const struct moat_pkg_list *pkgs, int layer,
			   size_t *ret_count)
{
	size_t count = 0;

	for (size_t i = 0; i < pkgs->count; i++) {
		const struct moat_pkg *p = pkgs->items[i];

		if (p->layer_index != layer)
			continue;
		moat_buf_appendf(out, "    %-32s %-28s %-5s", p->name, p->version, p->type);
		if (p->source_name && strcmp(p->source_name, p->name) != 0)
			moat_buf_appendf(out, " (source %s)", p->source_name);
		moat_buf_putc(out, '\n');
		count++;
	}
	if (!count)
		moat_buf_append_str(out, "    (no packages)\n");
	*ret_count = count;
}

int moat_report_table(struct moat_buf *out, const struct moat_scan_result *res,
		      struct moat_error *err)
{
	const struct moat_image_meta *m = res->meta;
	size_t shown = 0, n;

	moat_buf_appendf(out, "Image:    %s (%s)\n", m->ref ? m->ref : "-", m->source);
	moat_buf_appendf(out, "Digest:   %s\n", m->manifest_digest ? m->manifest_digest :
					       m->config_digest ? m->config_digest : "-");
	moat_buf_appendf(out, "Platform: %s/%s\n", m->os ? m->os : "-",
			 m->architecture ? m->architecture : "-");
	moat_buf_appendf(out, "OS:       %s\n", res->os->pretty_name ? res->os->pretty_name :
					       res->os->id ? res->os->id : "unknown");
	moat_buf_appendf(out, "User:     %s\n", m->user && *m->user ? m->user : "root (default)");
	moat_buf_appendf(out, "Packages: %zu in %zu layers\n\n", res->pkgs->count, m->n_layers);
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct moat_layer *l = &m->layers[i];

		moat_buf_appendf(out, "Layer %zu  %.12s  ", i + 1, short_digest(l->diff_id));
		put_created_by(out, l->created_by);
		moat_buf_putc(out, '\n');
		layer_packages(out, res->pkgs, (int)i, &n);
		shown += n;
		moat_buf_putc(out, '\n');
	}
	if (shown < res->pkgs->count) {
		moat_buf_append_str(out, "Layer unknown\n");
		layer_packages(out, res->pkgs, -1, &n);
	}
	if (res->removed && res->removed->count) {
		moat_buf_append_str(out, "Removed by a later layer (not in the final image)\n");
		for (size_t i = 0; i < res->removed->count; i++) {
			const struct moat_pkg *p = res->removed->items[i];

			moat_buf_appendf(out, "    %-32s %-28s added in layer %d, removed in layer %d\n",
					 p->name, p->version, p->layer_index + 1, p->removed_layer + 1);
		}
	}
	if (res->vulns)
		moat_report_table_vulns(out, res);
	if (out->len == 0 || out->data == NULL)
		return moat_error_set(err, MOAT_E_INTERNAL, "empty report");
	return 0;
}
