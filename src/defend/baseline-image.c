/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-image.c - one image's model in the defender: loaded on first
 * sight, reloaded when the CLI changed its files, merged into its file
 * under the image's lock on each flush, and handed to the kernel when the
 * image is enforced.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline-int.h"
#include "moat/error.h"

static void warn(const struct bl_image *img, const struct moat_error *err, const char *what)
{
	fprintf(stderr, "moat defender: baseline of %s: %s: %s\n", img->image_id, what, err->msg);
}

static void reported_clear(struct bl_image *img)
{
	for (size_t i = 0; i < img->reported.cap; i++)
		if (img->reported.slots[i].key)
			free(img->reported.slots[i].value);
	moat_hmap_release(&img->reported);
}

void bl_image_free(struct bl_image *img)
{
	if (!img)
		return;
	moat_bl_model_release(&img->model);
	moat_bl_model_release(&img->fresh);
	reported_clear(img);
	free(img);
}

bool bl_image_first_report(struct bl_image *img, enum moat_bl_kind kind, const char *item)
{
	char *k;
	int n;

	if (img->reported.count >= MOAT_BL_ITEMS_MAX)
		return false;     /* a flood: the first ones were shown */
	n = asprintf(&k, "%d\t%s", (int)kind, item);
	if (n < 0)
		return true;
	if (moat_hmap_get(&img->reported, k, (size_t)n) ||
	    moat_hmap_put(&img->reported, k, (size_t)n, k) < 0) {
		free(k);
		return false;
	}
	return true;
}

void bl_report(struct moat_baselines *b, struct bl_image *img, enum moat_state_mode mode,
	       enum moat_bl_kind kind, const char *item, const union moat_sensor_rec *rec,
	       const struct moat_container *c, moat_bl_report_fn report, void *ctx)
{
	struct moat_bl_deviation dev = {
		.kind = kind,
		.item = item,
		.image_id = img->image_id,
		.mode = mode,
		.kill = kind == MOAT_BL_EXEC && mode == MOAT_STATE_ENFORCE,
		.rec = rec,
		.c = c,
	};

	b->deviations++;
	if (report)
		report(ctx, &dev);
}

/* Mode and model from the state directory, with the stamps they had. */
static void load(struct moat_baselines *b, struct bl_image *img)
{
	struct moat_error err = { 0 };
	struct moat_bl_model m;

	moat_state_stamp(b->o.state, img->key, "mode", &img->mode_stamp);
	if (moat_state_mode_get(b->o.state, img->key, &img->mode, &err) < 0) {
		warn(img, &err, "mode kept");
		memset(&err, 0, sizeof(err));
	}
	moat_state_stamp(b->o.state, img->key, MOAT_BL_FILE_NAME, &img->model_stamp);
	moat_bl_model_init(&m);
	if (moat_bl_read(b->o.state, img->key, &m, &err) < 0) {
		/* keep what we had; never overwrite a file we could not read */
		warn(img, &err, "not loaded, not written until it is fixed");
		img->broken = true;
		moat_bl_model_release(&m);
		return;
	}
	img->broken = false;
	moat_bl_model_release(&img->model);
	img->model = m;
	moat_bl_model_clear(&img->fresh);
	img->dirty = false;
	reported_clear(img);
}

struct bl_image *bl_image_get(struct moat_baselines *b, const struct moat_container *c)
{
	char key[MOAT_STATE_KEY_LEN + 1];
	struct moat_error err = { 0 };
	struct bl_image *img;

	if (moat_baselines_key(c->image_id, c->image, b->o.by_repo, key, &err) < 0)
		return NULL;
	/* a compare, not a byte-at-a-time hash of the key, for a run of
	 * events from one image; images live as long as b */
	if (b->last_img && !memcmp(b->last_img->key, key, MOAT_STATE_KEY_LEN))
		return b->last_img;
	img = moat_hmap_get(&b->images, key, MOAT_STATE_KEY_LEN);
	if (img)
		return b->last_img = img;
	img = calloc(1, sizeof(*img));
	if (!img)
		return NULL;
	memcpy(img->key, key, sizeof(key));
	snprintf(img->image_id, sizeof(img->image_id), "sha256:%s", key);
	moat_bl_model_init(&img->model);
	moat_bl_model_init(&img->fresh);
	moat_hmap_init(&img->reported);
	img->slot = ++b->next_slot;
	if (moat_state_note_image(b->o.state, key, c->image, &err) < 0 ||
	    moat_hmap_put(&b->images, img->key, MOAT_STATE_KEY_LEN, img) < 0) {
		warn(img, &err, "not kept");
		bl_image_free(img);
		return NULL;
	}
	load(b, img);
	bl_image_enforce(b, img);
	return img;
}

/* Merge what img learned into its file, under the image's lock. */
static int flush_image(struct moat_baselines *b, struct bl_image *img, struct moat_error *err)
{
	struct moat_bl_model disk;
	int fd = -1;
	int r;

	if (!img->dirty || img->broken)
		return 0;
	r = moat_state_lock(b->o.state, img->key, &fd, err);
	if (r < 0)
		return r;
	moat_bl_model_init(&disk);
	r = moat_bl_read(b->o.state, img->key, &disk, err);
	if (r == 0)
		r = moat_bl_merge(&disk, &img->fresh);
	if (r >= 0)
		r = moat_bl_write(b->o.state, img->key, &disk, err);
	if (r >= 0)
		moat_state_stamp(b->o.state, img->key, MOAT_BL_FILE_NAME, &img->model_stamp);
	moat_state_unlock(fd);
	if (r < 0) {
		moat_bl_model_release(&disk);
		return r;
	}
	/* what is on disk now (another defender's learning included) is the model */
	moat_bl_model_release(&img->model);
	img->model = disk;
	moat_bl_model_clear(&img->fresh);
	img->dirty = false;
	return 0;
}

int moat_baselines_flush(struct moat_baselines *b, struct moat_error *err)
{
	int first = 0;

	for (size_t i = 0; i < b->images.cap; i++) {
		struct bl_image *img = b->images.slots[i].value;
		struct moat_error e = { 0 };
		int r;

		if (!b->images.slots[i].key)
			continue;
		r = flush_image(b, img, &e);
		if (r < 0) {
			warn(img, &e, "not saved");
			if (!first) {
				first = r;
				if (err)
					*err = e;
			}
		}
	}
	return first;
}

static bool model_empty(const struct moat_bl_model *m)
{
	for (int k = 0; k < MOAT_BL_KIND_COUNT; k++)
		if (moat_bl_count(m, (enum moat_bl_kind)k))
			return false;
	return !m->learn_start;
}

void bl_image_refresh(struct moat_baselines *b, struct bl_image *img)
{
	struct moat_state_stamp mode_now;
	struct moat_state_stamp model_now;
	enum moat_state_mode before = img->mode;
	struct moat_error err = { 0 };
	bool mode_changed;

	moat_state_stamp(b->o.state, img->key, "mode", &mode_now);
	moat_state_stamp(b->o.state, img->key, MOAT_BL_FILE_NAME, &model_now);
	if (moat_state_stamp_equal(&mode_now, &img->mode_stamp) &&
	    moat_state_stamp_equal(&model_now, &img->model_stamp))
		return;
	/* leaving learn: what was learned so far goes into the file first */
	if (!moat_state_stamp_equal(&mode_now, &img->mode_stamp) &&
	    moat_state_stamp_equal(&model_now, &img->model_stamp) &&
	    flush_image(b, img, &err) < 0)
		warn(img, &err, "not saved");
	mode_changed = !moat_state_stamp_equal(&mode_now, &img->mode_stamp);
	load(b, img);
	if (mode_changed)
		bl_policy_note_local(b, img);
	if (img->mode == MOAT_STATE_LEARN && model_empty(&img->model))
		bl_image_forget_syscalls(b, img);     /* `moat baseline reset` */
	if (img->mode != before || img->mode == MOAT_STATE_ENFORCE) {
		fprintf(stderr, "moat defender: baseline of %s: %s, %zu executables\n",
			img->image_id, moat_state_mode_name(img->mode),
			moat_bl_count(&img->model, MOAT_BL_EXEC));
		bl_image_enforce(b, img);
	}
}

void bl_image_window(struct moat_baselines *b, struct bl_image *img, uint64_t now)
{
	struct moat_error err = { 0 };
	const struct moat_bl_model *m = &img->model;

	if (img->mode != MOAT_STATE_LEARN || m->learn_done || !m->learn_start)
		return;
	if (now - m->learn_start < b->o.window_sec && m->learn_events < b->o.window_events)
		return;
	img->model.learn_done = img->fresh.learn_done = true;
	img->dirty = true;
	if (!b->o.auto_alert)
		return;
	if (flush_image(b, img, &err) < 0 ||
	    moat_state_mode_set(b->o.state, img->key, MOAT_STATE_ALERT, &err) < 0) {
		warn(img, &err, "stays in learn");
		return;
	}
	moat_state_stamp(b->o.state, img->key, "mode", &img->mode_stamp);
	img->mode = MOAT_STATE_ALERT;
	fprintf(stderr, "moat defender: baseline of %s: learning window over, now alert\n",
		img->image_id);
}

void bl_image_install_exes(struct moat_baselines *b, struct bl_image *img)
{
	size_t n = 0;
	size_t k = 0;
	const char **exes = moat_bl_items(&img->model, MOAT_BL_EXEC, &n);
	int r;

	if (!exes)
		return;
	for (size_t i = 0; i < n; i++)
		if (strlen(exes[i]) < MOAT_EV_PATH_LEN)
			exes[k++] = exes[i];
	r = moat_sensor_baseline_exes(b->o.sensor, img->slot, exes, k);
	img->exes_ok = r == 0;
	if (r < 0)
		fprintf(stderr, "moat defender: baseline of %s: executables not given to the "
				"kernel (%s): kills come from user space\n", img->image_id,
			moat_strerror(r));
	free(exes);
}
