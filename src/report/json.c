/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - the moat.scan/v1 document. */
#include <string.h>

#include "base/jsonw.h"
#include "base/warn.h"
#include "vfs/fs.h"
#include "moat/error.h"
#include "report.h"

static void str_array(struct moat_jw *jw, const char *key, const char **items, size_t n)
{
	moat_jw_key(jw, key);
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < n; i++)
		moat_jw_str(jw, items[i]);
	moat_jw_arr_end(jw);
}

static void write_config(struct moat_jw *jw, const struct moat_image_meta *m)
{
	moat_jw_key(jw, "config");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "user", m->user);
	moat_jw_kstr(jw, "working_dir", m->working_dir);
	str_array(jw, "env", m->env, m->n_env);
	str_array(jw, "exposed_ports", m->exposed_ports, m->n_exposed_ports);
	str_array(jw, "entrypoint", m->entrypoint, m->n_entrypoint);
	str_array(jw, "cmd", m->cmd, m->n_cmd);
	moat_jw_key(jw, "labels");
	moat_jw_obj_begin(jw);
	for (size_t i = 0; i < m->n_labels; i++)
		moat_jw_kstr(jw, m->labels[i].key, m->labels[i].value);
	moat_jw_obj_end(jw);
	moat_jw_obj_end(jw);
}

static void write_target(struct moat_jw *jw, const struct moat_scan_result *res)
{
	const struct moat_image_meta *m = res->meta;

	moat_jw_key(jw, "target");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "ref", m->ref);
	moat_jw_kstr(jw, "source", m->source);
	moat_jw_kstr(jw, "digest", m->manifest_digest ? m->manifest_digest : m->config_digest);
	moat_jw_kstr(jw, "manifest_digest", m->manifest_digest);
	moat_jw_kstr(jw, "config_digest", m->config_digest);
	moat_jw_key(jw, "platform");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "os", m->os);
	moat_jw_kstr(jw, "architecture", m->architecture);
	moat_jw_kstr(jw, "variant", m->variant);
	moat_jw_obj_end(jw);
	moat_jw_kstr(jw, "created", m->created);
	moat_jw_key(jw, "os");
	moat_jw_obj_begin(jw);
	moat_jw_kstr(jw, "id", res->os->id);
	moat_jw_kstr(jw, "version_id", res->os->version_id);
	moat_jw_kstr(jw, "codename", res->os->codename);
	moat_jw_kstr(jw, "pretty_name", res->os->pretty_name);
	moat_jw_obj_end(jw);
	write_config(jw, m);
	moat_jw_obj_end(jw);
}

static void write_layers(struct moat_jw *jw, const struct moat_image_meta *m)
{
	moat_jw_key(jw, "layers");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < m->n_layers; i++) {
		const struct moat_layer *l = &m->layers[i];

		moat_jw_obj_begin(jw);
		moat_jw_kuint(jw, "index", l->index);
		moat_jw_kstr(jw, "digest", l->digest);
		moat_jw_kstr(jw, "diff_id", l->diff_id);
		moat_jw_kstr(jw, "media_type", l->media_type);
		moat_jw_kuint(jw, "size", l->size);
		moat_jw_kuint(jw, "uncompressed_size", l->tar_size);
		moat_jw_kstr(jw, "created_by", l->created_by);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

static void write_history(struct moat_jw *jw, const struct moat_image_meta *m)
{
	moat_jw_key(jw, "history");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < m->n_history; i++) {
		const struct moat_history *h = &m->history[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "created", h->created);
		moat_jw_kstr(jw, "created_by", h->created_by);
		moat_jw_kbool(jw, "empty_layer", h->empty_layer);
		moat_jw_key(jw, "layer");
		if (h->layer_index >= 0)
			moat_jw_int(jw, h->layer_index);
		else
			moat_jw_null(jw);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

static void write_packages(struct moat_jw *jw, const struct moat_pkg_list *pkgs)
{
	moat_jw_key(jw, "packages");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; i < pkgs->count; i++) {
		const struct moat_pkg *p = pkgs->items[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "name", p->name);
		moat_jw_kstr(jw, "version", p->version);
		moat_jw_kstr(jw, "type", p->type);
		moat_jw_kstr(jw, "arch", p->arch);
		moat_jw_kstr(jw, "source_name", p->source_name);
		moat_jw_kstr(jw, "source_version", p->source_version);
		moat_jw_kstr(jw, "license", p->license);
		moat_jw_kstr(jw, "purl", p->purl);
		moat_jw_kstr(jw, "layer", p->layer);
		moat_jw_key(jw, "layer_index");
		if (p->layer_index >= 0)
			moat_jw_int(jw, p->layer_index);
		else
			moat_jw_null(jw);
		moat_jw_kstr(jw, "found_in", p->db_path);
		if (p->evidence) /* language packages: "installed" or "lockfile" */
			moat_jw_kstr(jw, "evidence", p->evidence);
		if (p->evidence) { /* every file that vouches for it, found_in first */
			moat_jw_key(jw, "locations");
			moat_jw_arr_begin(jw);
			moat_jw_str(jw, p->db_path);
			for (size_t l = 0; l < p->n_locations; l++)
				moat_jw_str(jw, p->locations[l]);
			moat_jw_arr_end(jw);
		}
		if (p->os_package) /* language packages an OS package installed */
			moat_jw_kstr(jw, "os_package", p->os_package->name);
		moat_jw_kuint(jw, "files", p->n_files);
		if (p->n_hashes) { /* what the image records for the package itself */
			moat_jw_key(jw, "hashes");
			moat_jw_arr_begin(jw);
			for (size_t h = 0; h < p->n_hashes; h++) {
				moat_jw_obj_begin(jw);
				moat_jw_kstr(jw, "alg", moat_hash_name(p->hashes[h].alg, false));
				moat_jw_kstr(jw, "content", p->hashes[h].hex);
				moat_jw_obj_end(jw);
			}
			moat_jw_arr_end(jw);
		}
		if (p->n_deps) { /* the graph: purls of the packages it needs */
			moat_jw_key(jw, "depends_on");
			moat_jw_arr_begin(jw);
			for (size_t d = 0; d < p->n_deps; d++)
				moat_jw_str(jw, p->deps[d]->purl);
			moat_jw_arr_end(jw);
		}
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

static void write_removed(struct moat_jw *jw, const struct moat_pkg_list *removed)
{
	moat_jw_key(jw, "removed_packages");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; removed && i < removed->count; i++) {
		const struct moat_pkg *p = removed->items[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "name", p->name);
		moat_jw_kstr(jw, "version", p->version);
		moat_jw_kstr(jw, "type", p->type);
		moat_jw_key(jw, "added_layer");
		if (p->layer_index >= 0)
			moat_jw_int(jw, p->layer_index);
		else
			moat_jw_null(jw);
		moat_jw_kint(jw, "removed_layer", p->removed_layer);
		moat_jw_kstr(jw, "found_in", p->db_path);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
}

struct deleted_walk {
	struct moat_jw *jw;
	const char *path;       /* path of the previous event */
	int layer;              /* layer of its last ADDED/CHANGED event */
	enum moat_fs_type type;
	size_t count;
};

/* Events arrive grouped by path, in layer order: a REMOVED right after a
 * regular file's ADDED/CHANGED is a file some layer deleted. */
static int on_event(void *ctx, const char *path, const struct moat_fs_event *ev)
{
	struct deleted_walk *dw = ctx;

	if (ev->kind != MOAT_FS_REMOVED) {
		dw->path = path;
		dw->layer = ev->layer;
		dw->type = ev->st.type;
		return 0;
	}
	if (dw->path != path || dw->type != MOAT_FS_REG)
		return 0;
	if (dw->count == MOAT_REPORT_DELETED_MAX)
		return 1;
	dw->count++;
	moat_jw_obj_begin(dw->jw);
	moat_jw_kstr(dw->jw, "path", path);
	moat_jw_kint(dw->jw, "added_layer", dw->layer);
	moat_jw_kint(dw->jw, "removed_layer", ev->layer);
	moat_jw_obj_end(dw->jw);
	dw->path = NULL;
	return 0;
}

static void write_deleted(struct moat_jw *jw, struct moat_fs *fs)
{
	struct deleted_walk dw = { .jw = jw };
	int r = 0;

	moat_jw_key(jw, "deleted_files");
	moat_jw_arr_begin(jw);
	if (fs)
		r = moat_fs_history(fs, "", on_event, &dw, NULL);
	moat_jw_arr_end(jw);
	moat_jw_kbool(jw, "deleted_files_truncated", r == 1);
}

void moat_report_json_warnings(struct moat_jw *jw, const struct moat_warnings *warnings)
{
	moat_jw_key(jw, "warnings");
	moat_jw_arr_begin(jw);
	for (size_t i = 0; warnings && i < warnings->count; i++) {
		const struct moat_warning *w = &warnings->items[i];

		moat_jw_obj_begin(jw);
		moat_jw_kstr(jw, "code", w->code);
		moat_jw_kstr(jw, "layer", w->layer_id);
		moat_jw_key(jw, "layer_index");
		if (w->layer >= 0)
			moat_jw_int(jw, w->layer);
		else
			moat_jw_null(jw);
		moat_jw_kstr(jw, "path", w->path);
		moat_jw_kstr(jw, "message", w->message);
		moat_jw_obj_end(jw);
	}
	moat_jw_arr_end(jw);
	moat_jw_kuint(jw, "warnings_dropped", warnings ? warnings->dropped : 0);
}

int moat_report_json(struct moat_buf *out, const struct moat_scan_result *res, bool pretty,
		     struct moat_error *err)
{
	struct moat_jw jw;
	int r;

	moat_jw_init(&jw, out, pretty);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "schema", "moat.scan/v1");
	write_target(&jw, res);
	write_layers(&jw, res->meta);
	write_history(&jw, res->meta);
	write_packages(&jw, res->pkgs);
	write_removed(&jw, res->removed);
	write_deleted(&jw, res->fs);
	moat_report_json_warnings(&jw, res->warnings);
	moat_jw_key(&jw, "findings");
	moat_jw_arr_begin(&jw);
	if (res->vulns)
		moat_report_json_vulns(&jw, res->vulns);
	moat_report_json_content(&jw, res->content);
	moat_jw_arr_end(&jw);
	if (res->vulns)
		moat_report_json_summary(&jw, res);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r < 0)
		return moat_error_set(err, r, "writing the JSON report: %s", moat_strerror(r));
	return 0;
}
