/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline.c - learned baselines in the running defender (baseline.h):
 * records to models, models to deviations, models to and from the state
 * directory.
 */
#include "baseline.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/hmap.h"
#include "baseline-int.h"
#include "moat/error.h"

#define O_WRITE_FLAGS 01103u      /* O_WRONLY | O_RDWR | O_CREAT | O_TRUNC */
#define AF_INET_ 2
#define AF_INET6_ 10

int moat_bl_read(struct moat_state *st, const char *key, struct moat_bl_model *m,
		 struct moat_error *err)
{
	struct moat_buf buf;
	char origin[256];
	int r;

	moat_buf_init(&buf, MOAT_BL_FILE_MAX);
	r = moat_state_read(st, key, MOAT_BL_FILE_NAME, &buf, err);
	if (r == -ENOENT) {
		memset(err ? err : &(struct moat_error){ 0 }, 0, sizeof(*err));
		r = 0;
	} else if (r == 0) {
		snprintf(origin, sizeof(origin), "%s/images/%s/%s", moat_state_dir(st), key,
			 MOAT_BL_FILE_NAME);
		r = moat_bl_load(m, buf.data, buf.len, origin, err);
	}
	moat_buf_release(&buf);
	return r;
}

int moat_bl_write(struct moat_state *st, const char *key, const struct moat_bl_model *m,
		  struct moat_error *err)
{
	struct moat_buf buf;
	char image[MOAT_STATE_KEY_LEN + 8];
	int r;

	moat_buf_init(&buf, MOAT_BL_FILE_MAX);
	snprintf(image, sizeof(image), "sha256:%s", key);
	r = moat_bl_save(m, image, NULL, &buf, err);
	if (r == 0)
		r = moat_state_write(st, key, MOAT_BL_FILE_NAME, buf.data, buf.len, err);
	moat_buf_release(&buf);
	return r;
}

/* The repository of a reference: "debian:12" and "debian@sha256:.." -> "debian". */
static size_t repo_len(const char *ref)
{
	const char *at = strchr(ref, '@');
	size_t n = at ? (size_t)(at - ref) : strlen(ref);
	const char *slash = memrchr(ref, '/', n);
	const char *colon = memrchr(ref, ':', n);

	if (colon && (!slash || colon > slash))
		n = (size_t)(colon - ref);
	return n;
}

int moat_baselines_key(const char *image_id, const char *ref, bool by_repo,
		       char key[MOAT_STATE_KEY_LEN + 1], struct moat_error *err)
{
	char digest[MOAT_DIGEST_STR_MAX];
	struct moat_buf in;
	int r;

	if (!by_repo || !ref || !ref[0] || !strncmp(ref, "sha256:", 7))
		return moat_state_key_of(image_id, key, err);
	moat_buf_init(&in, 0);
	r = moat_buf_appendf(&in, "repo:%.*s", (int)repo_len(ref), ref);
	if (r == 0)
		r = moat_sha256_str(in.data, in.len, digest);
	moat_buf_release(&in);
	if (r < 0)
		return moat_error_set(err, r, "baseline: cannot hash the repository of %s", ref);
	memcpy(key, digest + 7, MOAT_STATE_KEY_LEN + 1);
	return 0;
}

int moat_baselines_open(const struct moat_baselines_opts *opts, struct moat_baselines **ret,
			struct moat_error *err)
{
	struct moat_baselines *b;
	struct stat sb;

	if (!opts || !opts->state)
		return moat_error_set(err, MOAT_E_USAGE, "baselines: no state directory");
	b = calloc(1, sizeof(*b));
	if (!b)
		return moat_error_set(err, -ENOMEM, "baselines: out of memory");
	b->o = *opts;
	if (!b->o.window_sec)
		b->o.window_sec = 600;
	if (!b->o.window_events)
		b->o.window_events = 100000;
	if (!b->o.flush_sec)
		b->o.flush_sec = 5;
	moat_hmap_init(&b->images);
	moat_hmap_init(&b->cgroups);
	/* the host's root cgroup (v2): its processes are not a container's */
	if (b->o.sensor && (stat("/sys/fs/cgroup/unified", &sb) == 0 ||
			    stat("/sys/fs/cgroup", &sb) == 0))
		b->kernel = moat_sensor_baseline_on(b->o.sensor, sb.st_ino) == 0;
	*ret = b;
	return 0;
}

void moat_baselines_close(struct moat_baselines *b)
{
	if (!b)
		return;
	moat_baselines_flush(b, NULL);
	for (size_t i = 0; i < b->cgroups.cap; i++)
		if (b->cgroups.slots[i].key)
			free(b->cgroups.slots[i].value);
	for (size_t i = 0; i < b->images.cap; i++)
		if (b->images.slots[i].key)
			bl_image_free(b->images.slots[i].value);
	moat_hmap_release(&b->cgroups);
	moat_hmap_release(&b->images);
	free(b);
}

size_t moat_baselines_images(const struct moat_baselines *b)
{
	return b->images.count;
}

uint64_t moat_baselines_deviations(const struct moat_baselines *b)
{
	return b->deviations;
}

/* --- containers ------------------------------------------------------------ */

static struct bl_cgroup *cgroup_get(struct moat_baselines *b, uint64_t id)
{
	return moat_hmap_get(&b->cgroups, (const char *)&id, sizeof(id));
}

void bl_cgroup_enforce(struct moat_baselines *b, struct bl_cgroup *cg, bool on)
{
	/* never without the allow-list in place: that would kill every exec */
	on = on && cg->img->exes_ok;
	if (!b->kernel || cg->enforced == on)
		return;
	if (moat_sensor_baseline_enforce(b->o.sensor, cg->id, cg->img->slot, on) == 0)
		cg->enforced = on;
}

static struct bl_cgroup *cgroup_note(struct moat_baselines *b, uint64_t id, struct bl_image *img,
				     const struct moat_container *c)
{
	struct bl_cgroup *cg = cgroup_get(b, id);

	if (cg && cg->img == img)
		return cg;
	if (!cg) {
		if (b->cgroups.count >= MOAT_EV_BL_CGROUPS)
			return NULL;
		cg = calloc(1, sizeof(*cg));
		if (!cg)
			return NULL;
		cg->id = id;
		if (moat_hmap_put(&b->cgroups, (const char *)&cg->id, sizeof(cg->id), cg) < 0) {
			free(cg);
			return NULL;
		}
	}
	cg->img = img;
	cg->c = *c;
	cg->pol_gen = b->pol_gen - 1;       /* look its policy up again */
	img->containers++;
	cg->eff = bl_mode(b, img, cg, c);
	if (cg->eff == MOAT_STATE_ENFORCE && !img->exes_ok && b->kernel)
		bl_image_install_exes(b, img);
	bl_cgroup_enforce(b, cg, cg->eff == MOAT_STATE_ENFORCE);
	return cg;
}

/* --- records --------------------------------------------------------------- */

/* An item seen in a container of img: learn it, or report it. */
static void observe(struct moat_baselines *b, struct bl_image *img, enum moat_state_mode mode,
		    enum moat_bl_kind kind, const char *item, const union moat_sensor_rec *rec,
		    const struct moat_container *c, moat_bl_report_fn report, void *ctx)
{
	bool is_exec = kind == MOAT_BL_EXEC;

	if (mode == MOAT_STATE_LEARN) {
		if (moat_bl_add(&img->model, kind, item, NULL) > 0) {
			moat_bl_add(&img->fresh, kind, item, NULL);
			img->dirty = true;
		}
		return;
	}
	if (moat_bl_has(&img->model, kind, item))
		return;
	/* a kill is reported every time; an alert once per item */
	if (!(is_exec && mode == MOAT_STATE_ENFORCE) && !bl_image_first_report(img, kind, item))
		return;
	bl_report(b, img, mode, kind, item, rec, c, report, ctx);
}

/* The exe of an exec record: relative names joined to the working directory. */
static const char *exec_path(const struct moat_ev_exec *e, char *buf, size_t cap)
{
	if (e->filename[0] == '/' || !e->cwd[0])
		return e->filename;
	snprintf(buf, cap, "%s/%s", strcmp(e->cwd, "/") ? e->cwd : "",
		 strncmp(e->filename, "./", 2) ? e->filename : e->filename + 2);
	return buf;
}

/* The exe item of an exec: its resolved name (no symlink, no relative
 * name), or the name it was given when the kernel's walk was cut, or when
 * a model learned before exes were resolved has that one. */
static const char *exec_item(const struct bl_image *img, enum moat_state_mode mode,
			     const struct moat_ev_exec *e, char *buf, size_t cap)
{
	const char *given = exec_path(e, buf, cap);

	if (e->exe[0] != '/')
		return given;
	if (mode != MOAT_STATE_LEARN && given[0] == '/' &&
	    !moat_bl_has(&img->model, MOAT_BL_EXEC, e->exe) &&
	    moat_bl_has(&img->model, MOAT_BL_EXEC, given))
		return given;
	return e->exe;
}

/* The path a file record writes, or NULL (reads, relative names). */
static const char *written_path(const struct moat_ev_file *f)
{
	switch (f->hdr.kind) {
	case MOAT_EV_OPEN:
		return (f->flags & O_WRITE_FLAGS) && f->path[0] == '/' ? f->path : NULL;
	case MOAT_EV_RENAME:
		return f->path2[0] == '/' ? f->path2 : NULL;
	case MOAT_EV_UNLINK:
		return f->path[0] == '/' ? f->path : NULL;
	default:
		return NULL;
	}
}

/*
 * runc's init process inside the container's cgroup, before it execs the
 * entrypoint (or a `docker exec` command): it writes the container's
 * /dev/ptmx under the overlay's host path, /proc/self/fd/N, sysctls. Its
 * name says "runc" and its exe is the runtime, re-executed from a sealed
 * memfd as /dev/fd/N (runc 1.1) or through /proc/self/exe; a container
 * process cannot get such an exe without an exec of /dev/fd/N or
 * /proc/self/exe, which is itself outside any model and reported.
 */
static bool runtime_exe(const char *exe)
{
	size_t n = exe ? strlen(exe) : 0;

	return n && (!strcmp(exe, "/proc/self/exe") || !strncmp(exe, "/memfd:runc_cloned", 18) ||
		     !strncmp(exe, "/dev/fd/", 8) ||
		     (n >= 5 && !strcmp(exe + n - 5, "/runc")));
}

static bool runtime_init(const struct moat_ev_hdr *h, const char *exe)
{
	return !strncmp(h->comm, "runc", 4) && runtime_exe(exe);
}

/* The parent of an exec pair: the runtime's processes (runc, the shim) are
 * one name, "(runtime)": which of them a `docker exec` or the entrypoint
 * shows as parent depends on timing. */
static const char *pair_parent(const char *exe)
{
	if (runtime_exe(exe) || strstr(exe, "/containerd-shim"))
		return "(runtime)";
	return exe;
}

void moat_baselines_handle(struct moat_baselines *b, const union moat_sensor_rec *rec,
			   const struct moat_container *c, const char *proc_exe,
			   const char *parent_exe, moat_bl_report_fn report, void *ctx)
{
	struct bl_cgroup *cg = NULL;
	struct bl_image *img;
	enum moat_state_mode mode;
	char exe[MOAT_EV_PATH_LEN * 2];
	char pair[MOAT_BL_ITEM_LEN];
	const char *item;

	if (!c || !c->image_id[0])
		return;
	if (rec->hdr.kind != MOAT_EV_EXEC && runtime_init(&rec->hdr, proc_exe))
		return;

	img = bl_image_get(b, c);
	if (!img)
		return;
	if (rec->hdr.cgroup_id)
		cg = cgroup_note(b, rec->hdr.cgroup_id, img, c);
	mode = bl_mode(b, img, cg, c);
	if (mode == MOAT_STATE_LEARN) {
		img->model.learn_events++;
		img->fresh.learn_events++;
		if (!img->model.learn_start)
			img->model.learn_start = img->fresh.learn_start = (uint64_t)time(NULL);
	}
	switch (rec->hdr.kind) {
	case MOAT_EV_EXEC:
		item = exec_item(img, mode, &rec->exec, exe, sizeof(exe));
		if (item[0] != '/')
			break;
		observe(b, img, mode, MOAT_BL_EXEC, item, rec, c, report, ctx);
		if (parent_exe && parent_exe[0] == '/' &&
		    (size_t)snprintf(pair, sizeof(pair), "%s -> %s", pair_parent(parent_exe),
				     item) < sizeof(pair))
			observe(b, img, mode, MOAT_BL_PAIR, pair, rec, c, report, ctx);
		break;
	case MOAT_EV_OPEN: case MOAT_EV_RENAME: case MOAT_EV_UNLINK:
		item = written_path(&rec->file);
		if (item)
			observe(b, img, mode, MOAT_BL_FILE, item, rec, c, report, ctx);
		break;
	case MOAT_EV_BIND:
		if ((rec->net.family == AF_INET_ || rec->net.family == AF_INET6_) && rec->net.port) {
			snprintf(pair, sizeof(pair), "%u", rec->net.port);
			observe(b, img, mode, MOAT_BL_LISTEN, pair, rec, c, report, ctx);
		}
		break;
	default:
		break;
	}
}

/* --- syscalls -------------------------------------------------------------- */

/* Fold a container's syscall bitmap into its image: learn, or report new ones. */
static void harvest(struct moat_baselines *b, struct bl_cgroup *cg, bool forget,
		    moat_bl_report_fn report, void *ctx)
{
	uint64_t bits[MOAT_SENSOR_SYSCALL_WORDS];
	struct bl_image *img = cg->img;
	enum moat_state_mode mode = bl_mode(b, img, cg, &cg->c);

	if (!b->kernel || moat_sensor_syscalls(b->o.sensor, cg->id, bits, forget) < 0)
		return;
	for (unsigned w = 0; w < MOAT_SENSOR_SYSCALL_WORDS; w++) {
		uint64_t fresh = bits[w] & ~cg->seen[w];

		cg->seen[w] |= bits[w];
		for (unsigned i = 0; fresh && i < 64; i++) {
			unsigned nr = w * 64 + i;
			const char *name = moat_bl_syscall_name(nr);

			if (!((fresh >> i) & 1) || moat_bl_has_syscall(&img->model, nr))
				continue;
			if (mode == MOAT_STATE_LEARN) {
				moat_bl_add_syscall(&img->model, nr);
				moat_bl_add_syscall(&img->fresh, nr);
				img->dirty = true;
			} else if (name && bl_image_first_report(img, MOAT_BL_SYSCALL, name)) {
				bl_report(b, img, mode, MOAT_BL_SYSCALL, name, NULL, &cg->c, report,
					  ctx);
			}
		}
	}
}

/* A reset model learns again from now: what the image's running containers
 * used before it (their kernel bitmaps and what was folded in) is dropped,
 * or the next tick would learn it back as if it had just happened. */
void bl_image_forget_syscalls(struct moat_baselines *b, const struct bl_image *img)
{
	uint64_t bits[MOAT_SENSOR_SYSCALL_WORDS];

	for (size_t i = 0; i < b->cgroups.cap; i++) {
		struct bl_cgroup *cg = b->cgroups.slots[i].value;

		if (!b->cgroups.slots[i].key || cg->img != img)
			continue;
		if (b->kernel)
			(void)moat_sensor_syscalls(b->o.sensor, cg->id, bits, true);
		memset(cg->seen, 0, sizeof(cg->seen));
	}
}

/* Read a container's syscalls one last time and forget it. */
static void cgroup_gone(struct moat_baselines *b, struct bl_cgroup *cg, moat_bl_report_fn report,
			void *ctx)
{
	uint64_t id = cg->id;

	harvest(b, cg, true, report, ctx);
	bl_cgroup_enforce(b, cg, false);
	free(moat_hmap_del(&b->cgroups, (const char *)&id, sizeof(id)));
}

void moat_baselines_container_gone(struct moat_baselines *b, const struct moat_container *c,
				   moat_bl_report_fn report, void *ctx)
{
	uint64_t id = c->key.cgroup_id;
	struct bl_cgroup *cg = id ? cgroup_get(b, id) : NULL;

	if (cg)
		cgroup_gone(b, cg, report, ctx);
}

void moat_baselines_ns_gone(struct moat_baselines *b, uint32_t mnt_ns, moat_bl_report_fn report,
			    void *ctx)
{
	for (size_t i = 0; i < b->cgroups.cap; i++) {
		struct bl_cgroup *cg = b->cgroups.slots[i].value;

		if (b->cgroups.slots[i].key && cg->c.mnt_ns == mnt_ns) {
			cgroup_gone(b, cg, report, ctx);
			i = (size_t)-1;     /* the delete moved slots: start over */
		}
	}
}

void moat_baselines_tick(struct moat_baselines *b, moat_bl_report_fn report, void *ctx)
{
	uint64_t now = (uint64_t)time(NULL);

	for (size_t i = 0; i < b->images.cap; i++)
		if (b->images.slots[i].key)
			bl_image_refresh(b, b->images.slots[i].value);
	bl_policy_tick(b);
	for (size_t i = 0; i < b->cgroups.cap; i++)
		if (b->cgroups.slots[i].key)
			harvest(b, b->cgroups.slots[i].value, false, report, ctx);
	for (size_t i = 0; i < b->images.cap; i++)
		if (b->images.slots[i].key)
			bl_image_window(b, b->images.slots[i].value, now);
	if (now - b->last_flush >= b->o.flush_sec) {
		moat_baselines_flush(b, NULL);
		b->last_flush = now;
	}
}

/* Let the kernel know which containers of img are enforced, and with which
 * exes (a policy may enforce some of them and not others). */
void bl_image_enforce(struct moat_baselines *b, struct bl_image *img)
{
	bool any = img->mode == MOAT_STATE_ENFORCE;

	for (size_t i = 0; i < b->cgroups.cap; i++) {
		struct bl_cgroup *cg = b->cgroups.slots[i].value;

		if (b->cgroups.slots[i].key && cg->img == img) {
			cg->eff = bl_mode(b, img, cg, &cg->c);
			any |= cg->eff == MOAT_STATE_ENFORCE;
		}
	}
	if (any && b->kernel)
		bl_image_install_exes(b, img);
	for (size_t i = 0; i < b->cgroups.cap; i++) {
		struct bl_cgroup *cg = b->cgroups.slots[i].value;

		if (b->cgroups.slots[i].key && cg->img == img)
			bl_cgroup_enforce(b, cg, cg->eff == MOAT_STATE_ENFORCE);
	}
}
