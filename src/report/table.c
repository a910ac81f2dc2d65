/* SPDX-License-Identifier: Apache-2.0 */
/* table.c - the human report: image, OS, then packages grouped by layer. */
#include <string.h>

#include "base/term.h"
#include "base/warn.h"
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

/* label, then image-controlled text escaped, then tail. */
static void line(struct moat_buf *out, const char *label, const char *text, const char *tail)
{
	moat_buf_append_str(out, label);
	moat_term_str(out, text);
	moat_buf_append_str(out, tail);
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
	moat_term_escape(out, cb, n > CREATED_BY_MAX ? CREATED_BY_MAX : n);
	if (n > CREATED_BY_MAX)
		moat_buf_append_str(out, "...");
}

static void layer_packages(struct moat_buf *out, const struct moat_pkg_list *pkgs, int layer,
			   size_t *ret_count)
{
	size_t count = 0;

	for (size_t i = 0; i < pkgs->count; i++) {
		const struct moat_pkg *p = pkgs->items[i];

		if (p->layer_index != layer)
			continue;
		moat_buf_append_str(out, "    ");
		moat_term_pad(out, p->name, 32);
		moat_buf_putc(out, ' ');
		moat_term_pad(out, p->version, 28);
		moat_buf_putc(out, ' ');
		moat_term_pad(out, p->type, 5);
		if (p->source_name && strcmp(p->source_name, p->name) != 0) {
			moat_buf_append_str(out, " (source ");
			moat_term_str(out, p->source_name);
			moat_buf_putc(out, ')');
		}
		if (p->evidence && !strcmp(p->evidence, "declared"))
			moat_buf_append_str(out, " (declared: lockfile only)");
		if (p->os_package) {
			moat_buf_append_str(out, " (from ");
			moat_term_str(out, p->os_package->type);
			moat_buf_putc(out, ' ');
			moat_term_str(out, p->os_package->name);
			moat_buf_putc(out, ')');
		}
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

	/* Everything but the counts comes from the image: escaped for the terminal. */
	line(out, "Image:    ", m->ref ? m->ref : "-", " (");
	moat_term_str(out, m->source);
	moat_buf_append_str(out, ")\n");
	line(out, "Digest:   ", m->manifest_digest ? m->manifest_digest :
		  m->config_digest ? m->config_digest : "-", "\n");
	line(out, "Platform: ", m->os ? m->os : "-", "/");
	line(out, "", m->architecture ? m->architecture : "-", "\n");
	line(out, "OS:       ", res->os->pretty_name ? res->os->pretty_name :
		  res->os->id ? res->os->id : "unknown", "\n");
	line(out, "User:     ", m->user && *m->user ? m->user : "root (default)", "\n");
	moat_buf_appendf(out, "Packages: %zu in %zu layers\n", res->pkgs->count, m->n_layers);
	if (moat_warnings_total(res->warnings))
		moat_buf_appendf(out, "Warnings: %zu: the scan skipped content (listed on stderr); "
				 "results may be incomplete\n", moat_warnings_total(res->warnings));
	moat_buf_putc(out, '\n');
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

			moat_buf_append_str(out, "    ");
			moat_term_pad(out, p->name, 32);
			moat_buf_putc(out, ' ');
			moat_term_pad(out, p->version, 28);
			moat_buf_appendf(out, " added in layer %d, removed in layer %d\n",
					 p->layer_index + 1, p->removed_layer + 1);
		}
	}
	if (res->vulns)
		moat_report_table_vulns(out, res);
	moat_report_table_content(out, res->content);
	if (out->len == 0 || out->data == NULL)
		return moat_error_set(err, MOAT_E_INTERNAL, "empty report");
	return 0;
}
