/* SPDX-License-Identifier: Apache-2.0 */
/* source.c - moat_image_open: pick the source for a target, read, verify. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/digest.h"
#include "base/hmap.h"
#include "vfs/fs.h"
#include "moat/error.h"
#include "runtime/docker.h"
#include "image-int.h"
#include "oci.h"

enum source_kind { SRC_ARCHIVE, SRC_OCI, SRC_DIR, SRC_DOCKER, SRC_REGISTRY };

/* Open path beneath dirfd without following any symlink: a hostile OCI
 * layout must not lead us to files outside it. */
int image_open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd < 0 && errno == ENOSYS)
		fd = openat(dirfd, path, flags | O_CLOEXEC | O_NOFOLLOW);
	return (int)fd;
}

struct oci_dir {
	struct moat_image *img;
	int dirfd;
	const char *what;
	struct moat_hmap layers;     /* digest -> struct read_layer: each blob is read once */
};

/* A layer blob already read: a manifest may list the same digest many times. */
struct read_layer {
	struct moat_layer_result *res;
	struct moat_fs_layer *layer;
};

static int read_small(struct oci_dir *od, const char *path, uint64_t max, const uint8_t **ret,
		      size_t *ret_len, struct moat_error *err)
{
	int fd = image_open_beneath(od->dirfd, path, O_RDONLY);
	struct stat st;
	uint8_t *data;
	struct moat_fd_reader fr;
	struct moat_reader rd;
	int r;

	if (fd < 0)
		return moat_error_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : -errno, "%s: %s: %s",
				      od->what, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: %s: not a regular file", od->what,
				      path);
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return moat_error_set(err, MOAT_E_LIMIT, "%s: %s: %llu bytes, over the %llu-byte "
				      "limit for manifests and configs", od->what, path,
				      (unsigned long long)st.st_size, (unsigned long long)max);
	}
	data = moat_arena_alloc(od->img->arena, (size_t)st.st_size + 1);
	if (!data) {
		close(fd);
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	}
	moat_fd_reader_init(&fr, fd, 0, (uint64_t)st.st_size);
	rd = moat_fd_reader(&fr);
	r = moat_read_full(&rd, data, (size_t)st.st_size, err);
	close(fd);
	if (r < 0)
		return moat_error_prefix(err, "%s: %s: ", od->what, path);
	data[st.st_size] = '\0';
	*ret = data;
	*ret_len = (size_t)st.st_size;
	return 0;
}

static int dir_blob(void *ctx, const char *digest, uint64_t size, const uint8_t **ret_data,
		    size_t *ret_len, struct moat_error *err)
{
	struct oci_dir *od = ctx;
	char path[96];
	char actual[MOAT_DIGEST_STR_MAX];
	int r;

	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	if ((r = read_small(od, path, od->img->limits.json_bytes, ret_data, ret_len, err)) < 0)
		return r;
	(void)size;
	moat_sha256_str(*ret_data, *ret_len, actual);
	if (strcmp(actual, digest) != 0)
		return moat_error_set(err, MOAT_E_VERIFY, "%s: blob %s has digest %s", od->what,
				      digest, actual);
	return 0;
}

static int read_dir_layer(struct oci_dir *od, const char *digest, uint64_t size, unsigned index,
			  struct moat_layer_result **ret_res, struct moat_fs_layer **ret_layer,
			  struct moat_error *err)
{
	struct moat_image *img = od->img;
	const struct moat_progress *pg = img->opts->progress;
	struct moat_layer_result *res = moat_arena_new0(img->arena, struct moat_layer_result);
	struct moat_layer_ctx lctx;
	struct moat_fd_reader fr;
	struct moat_reader rd;
	char path[96];
	int fd, r;

	if (!res)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	snprintf(path, sizeof(path), "blobs/sha256/%s", digest + 7);
	fd = image_open_beneath(od->dirfd, path, O_RDONLY);
	if (fd < 0)
		return moat_error_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : -errno,
				      "%s: layer blob %s: %s", od->what, digest, strerror(errno));
	if ((r = moat_fs_layer_new(img->builder, ret_layer, err)) < 0)
		goto out;
	image_layer_ctx(img, &lctx, digest);
	/* Read one byte past the declared size so a longer blob fails verification. */
	moat_fd_reader_init(&fr, fd, 0, size + 1);
	rd = moat_fd_reader(&fr);
	if (pg && pg->layer_begin)
		pg->layer_begin(pg->ctx, index, 0, size);
	r = moat_layer_read(&rd, &lctx, *ret_layer, res, err);
	if (r < 0) {
		moat_error_prefix(err, "%s: ", od->what);
		goto out;
	}
	if (pg && pg->layer_end)
		pg->layer_end(pg->ctx, index);
	*ret_res = res;
out:
	close(fd);
	return r;
}

/*
 * The same digest at many positions is the same bytes (the digest is
 * verified): read it once and hand out its entries again, so a manifest
 * listing one blob a thousand times costs one read. The merge still applies
 * the layer at every position. A repeat that declares another size is
 * answered from the first read and fails the size check in read_layers.
 */
static int dir_layer(void *ctx, const char *digest, uint64_t size, unsigned index,
		     struct moat_layer_result **ret_res, struct moat_fs_layer **ret_layer,
		     struct moat_error *err)
{
	struct oci_dir *od = ctx;
	struct read_layer *seen = moat_hmap_get(&od->layers, digest, strlen(digest));
	char *key;
	int r;

	if (!seen) {
		seen = moat_arena_new0(od->img->arena, struct read_layer);
		key = moat_arena_strdup(od->img->arena, digest);
		if (!seen || !key)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		r = read_dir_layer(od, digest, size, index, &seen->res, &seen->layer, err);
		if (r < 0)
			return r;
		if (moat_hmap_put(&od->layers, key, strlen(key), seen) < 0)
			return moat_error_set(err, -ENOMEM, "out of memory");
	}
	*ret_res = seen->res;
	*ret_layer = seen->layer;
	return 0;
}

static int read_oci_dir(struct moat_image *img, const char *dir, const char *want_ref,
			struct moat_error *err)
{
	struct oci_dir od = { .img = img, .what = dir };
	struct oci_store store = { dir_blob, dir_layer, &od };
	const uint8_t *data = NULL;
	size_t len = 0;
	json_t *index = NULL;
	int r;

	od.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (od.dirfd < 0)
		return moat_error_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : -errno, "%s: %s", dir,
				      strerror(errno));
	moat_hmap_init(&od.layers);
	r = read_small(&od, "index.json", img->limits.json_bytes, &data, &len, err);
	if (r == 0)
		r = image_json(img, data, len, "index.json", &index, err);
	if (r < 0) {
		moat_error_prefix(err, "%s: ", dir);
		goto out;
	}
	r = oci_resolve_index(img, index, want_ref, &store, err);
out:
	json_decref(index);
	moat_hmap_release(&od.layers);
	close(od.dirfd);
	return r;
}

static int read_file_archive(struct moat_image *img, const char *path, const char *want_ref,
			     struct moat_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct moat_fd_reader fr;
	struct moat_reader rd;
	struct stat st;
	int r;

	if (fd < 0)
		return moat_error_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : -errno, "%s: %s", path,
				      strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not a regular file", path);
	}
	moat_fd_reader_init(&fr, fd, 0, (uint64_t)st.st_size);
	rd = moat_fd_reader(&fr);
	r = image_read_archive(img, &rd, path, want_ref, err);
	close(fd);
	return r;
}

static int read_docker(struct moat_image *img, const char *name, struct moat_error *err)
{
	struct moat_docker *docker = NULL;
	struct moat_reader body;
	int r;

	r = moat_docker_open(img->opts->docker_host, &docker, err);
	if (r == 0)
		r = moat_docker_image_export(docker, name, &body, err);
	if (r == 0)
		r = image_read_archive(img, &body, name, NULL, err);
	moat_docker_close(docker);
	if (r < 0)
		return moat_error_prefix(err, "docker:%s: ", name);
	return 0;
}

/* "kind:rest" with a known kind prefix, else guess from what exists. */
static int classify(const char *target, enum source_kind *ret_kind, const char **ret_rest,
		    struct moat_error *err)
{
	static const struct { const char *prefix; enum source_kind kind; } prefixes[] = {
		{ "docker-archive:", SRC_ARCHIVE }, { "oci-archive:", SRC_ARCHIVE },
		{ "oci:", SRC_OCI }, { "dir:", SRC_DIR }, { "docker:", SRC_DOCKER },
		{ "docker-daemon:", SRC_DOCKER }, { "registry://", SRC_REGISTRY },
	};
	struct stat st;

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i].prefix);

		if (!strncmp(target, prefixes[i].prefix, n)) {
			*ret_kind = prefixes[i].kind;
			*ret_rest = target + n;
			if (!**ret_rest)
				return moat_error_set(err, MOAT_E_USAGE, "%s: empty target", target);
			return 0;
		}
	}
	*ret_rest = target;
	if (stat(target, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			char probe[4096];

			snprintf(probe, sizeof(probe), "%s/oci-layout", target);
			*ret_kind = access(probe, F_OK) == 0 ? SRC_OCI : SRC_DIR;
		} else {
			*ret_kind = SRC_ARCHIVE; /* the stream reader tells docker from OCI */
		}
		return 0;
	}
	if (strchr(target, '/') && (target[0] == '/' || target[0] == '.'))
		return moat_error_set(err, MOAT_E_NOTFOUND, "%s: no such file", target);
	*ret_kind = SRC_DOCKER;
	return 0;
}

static void release_captured(void *arg)
{
	struct moat_image *img = arg;

	moat_hmap_release(&img->captured);
}

static const char *const kind_names[] = { "docker-archive", "oci", "dir", "docker", "registry" };

static int open_once(const struct moat_image_opts *opts, struct moat_image **ret_image,
		     struct moat_error *err)
{
	struct moat_image *img;
	struct moat_arena *arena;
	enum source_kind kind;
	const char *rest;
	struct stat st;
	int r;

	if (!opts || !opts->target || !*opts->target)
		return moat_error_set(err, MOAT_E_USAGE, "no image target given");
	if ((r = classify(opts->target, &kind, &rest, err)) < 0)
		return r;
	arena = moat_arena_open(opts->limits.arena_bytes ? opts->limits.arena_bytes
							 : MOAT_LIMIT_ARENA_BYTES);
	img = arena ? moat_arena_new0(arena, struct moat_image) : NULL;
	if (!img) {
		moat_arena_close(arena);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	img->arena = arena;
	img->warnings.arena = arena;
	img->opts = opts;
	img->limits = opts->limits;
	moat_limits_fill(&img->limits);
	img->meta.source = kind_names[kind];
	img->meta.ref = kind == SRC_DOCKER || kind == SRC_REGISTRY ? moat_arena_strdup(arena, rest)
								   : NULL;
	moat_hmap_init(&img->captured);
	if (moat_arena_on_close(arena, release_captured, img) < 0) {
		r = moat_error_set(err, -ENOMEM, "out of memory");
		goto out_fail;
	}
	r = moat_fs_builder_open(arena, &img->limits, &img->builder, err);
	if (r < 0)
		goto out_fail;
	switch (kind) {
	case SRC_ARCHIVE:
		r = read_file_archive(img, rest, NULL, err);
		break;
	case SRC_OCI:
		if (stat(rest, &st) == 0 && !S_ISDIR(st.st_mode))
			r = read_file_archive(img, rest, NULL, err);
		else
			r = read_oci_dir(img, rest, NULL, err);
		break;
	case SRC_DIR:
		r = image_read_root_dir(img, rest, err);
		break;
	case SRC_DOCKER:
		r = read_docker(img, rest, err);
		break;
	case SRC_REGISTRY:
		r = image_read_registry(img, rest, err);
		break;
	}
	if (r < 0)
		goto out_fail;
	if (!img->meta.ref)
		img->meta.ref = moat_arena_strdup(arena, rest);
	img->opts = NULL;
	*ret_image = img;
	return 0;
out_fail:
	moat_arena_close(arena);
	return r;
}

/* The paths a second pass must capture, beside what want_content takes. */
struct relink {
	struct moat_image *img;               /* first pass: owns the keys */
	const struct moat_image_opts *opts;
	struct moat_hmap paths;
	size_t missing;                       /* after the second pass: still without content */
};

static int relink_add(void *ctx, const char *path, struct moat_error *err)
{
	struct relink *rl = ctx;
	char *key;

	if (moat_hmap_get(&rl->paths, path, strlen(path)))
		return 0;
	key = moat_arena_strdup(rl->img->arena, path);
	if (!key || moat_hmap_put(&rl->paths, key, strlen(key), key) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	return 0;
}

static int relink_missing(void *ctx, const char *path, struct moat_error *err)
{
	struct relink *rl = ctx;

	(void)err;
	(void)path;
	rl->missing++;
	return 0;
}

static int relink_linked(void *ctx, const char *path, const struct moat_fs_stat *lst,
			 const char *real, const struct moat_fs_stat *st)
{
	struct relink *rl = ctx;
	struct moat_error err;

	(void)lst;
	if (st->has_content || !rl->opts->want_linked(path, real, st))
		return 0;
	return relink_add(rl, real, &err);
}

static bool relink_want(void *ctx, const char *path, size_t len)
{
	const struct relink *rl = ctx;

	if (rl->opts->want_content && rl->opts->want_content(rl->opts->want_ctx, path, len))
		return true;
	return moat_hmap_get(&rl->paths, path, len) != NULL;
}

/* The same image both times: same config and the same layer contents. */
static int same_image(const struct moat_image *a, const struct moat_image *b,
		      struct moat_error *err)
{
	const struct moat_image_meta *ma = &a->meta, *mb = &b->meta;
	bool same = ma->n_layers == mb->n_layers &&
		    !!ma->config_digest == !!mb->config_digest &&
		    (!ma->config_digest || !strcmp(ma->config_digest, mb->config_digest));

	/* A root directory has no digests: it is as live on the second read as
	 * it was during the first one. */
	for (size_t i = 0; same && i < ma->n_layers; i++)
		same = (!ma->layers[i].diff_id && !mb->layers[i].diff_id) ||
		       (ma->layers[i].diff_id && mb->layers[i].diff_id &&
			!strcmp(ma->layers[i].diff_id, mb->layers[i].diff_id));
	return same ? 0 : moat_error_set(err, MOAT_E_VERIFY, "%s: the image changed between the "
					 "two reads", ma->ref ? ma->ref : "image");
}

/*
 * Links decide where a database's bytes live only once the merged view
 * exists, after the one streaming pass: a second pass reads the image again,
 * capturing the real paths too. It skips the analyzers that stream (they
 * already saw every file) and must find the same image (digests compared).
 */
static int read_through_links(const struct moat_image_opts *opts, struct moat_image **img,
			      struct moat_error *err)
{
	struct relink rl = { .img = *img, .opts = opts };
	struct moat_image_opts again = *opts;
	struct moat_image *second = NULL;
	int r = 0;

	moat_hmap_init(&rl.paths);
	if (opts->want_roots)
		r = moat_fs_uncaptured((*img)->fs, opts->want_roots, opts->want_content,
				       opts->want_ctx, relink_add, &rl, err);
	if (r == 0 && opts->want_linked)
		r = moat_fs_links((*img)->fs, relink_linked, &rl, err);
	if (r < 0 || rl.paths.count == 0)
		goto out;
	again.want_content = relink_want;
	again.want_ctx = &rl;
	again.want_roots = NULL;
	again.want_linked = NULL;
	again.visit_file = NULL;
	again.progress = NULL;
	if ((r = open_once(&again, &second, err)) < 0 || (r = same_image(*img, second, err)) < 0)
		goto out;
	if (opts->want_roots)
		r = moat_fs_uncaptured(second->fs, opts->want_roots, relink_want, &rl,
				       relink_missing, &rl, err);
	if (r == 0 && rl.missing)
		r = moat_error_set(err, MOAT_E_INTERNAL, "%zu linked files still unread after a "
				   "second pass", rl.missing);
out:
	moat_hmap_release(&rl.paths);
	if (r < 0) {
		moat_image_close(second);
		return r;
	}
	if (second) {
		moat_image_close(*img);
		*img = second;
	}
	return 0;
}

int moat_image_open(const struct moat_image_opts *opts, struct moat_image **ret_image,
		    struct moat_error *err)
{
	struct moat_image *img = NULL;
	int r = open_once(opts, &img, err);

	if (r < 0)
		return r;
	if ((opts->want_roots || opts->want_linked) &&
	    (r = read_through_links(opts, &img, err)) < 0) {
		moat_image_close(img);
		return r;
	}
	*ret_image = img;
	return 0;
}

void moat_image_close(struct moat_image *image)
{
	if (image)
		moat_arena_close(image->arena);
}

const struct moat_image_meta *moat_image_meta(const struct moat_image *image)
{
	return &image->meta;
}

struct moat_fs *moat_image_fs(const struct moat_image *image)
{
	return image->fs;
}

struct moat_arena *moat_image_arena(const struct moat_image *image)
{
	return image->arena;
}

const struct moat_warnings *moat_image_warnings(const struct moat_image *image)
{
	return &image->warnings;
}
