/* SPDX-License-Identifier: Apache-2.0 */
/*
 * image.h - a resolved container image: metadata, ordered layers, history.
 *
 * moat_image_open() reads a target ("docker-archive:PATH", "oci:PATH",
 * "dir:PATH", "docker:NAME", "registry://HOST/REPO:TAG" or a bare path/name), verifies every blob while
 * streaming it once, and hands each layer's tar entries to the layered
 * filesystem builder. Everything lives in the image's arena.
 */
#ifndef MOAT_IMAGE_H
#define MOAT_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/limits.h"

struct moat_reader;

struct moat_arena;
struct moat_error;
struct moat_registry_opts;
struct moat_fs;
struct moat_fs_builder;
struct moat_fs_stat;
struct moat_warnings;

struct moat_kv {
	const char *key;
	const char *value;
};

struct moat_history {
	const char *created;
	const char *created_by;
	const char *comment;
	bool empty_layer;
	int layer_index;            /* index into layers, -1 for empty entries */
};

struct moat_layer {
	unsigned index;
	const char *digest;         /* blob digest (compressed); for legacy docker-archive = diff_id */
	const char *diff_id;        /* sha256 of the uncompressed tar, verified */
	const char *media_type;
	uint64_t size;              /* blob bytes */
	uint64_t tar_size;          /* uncompressed bytes */
	const char *created_by;     /* from the history entry of this layer, NULL if unknown */
	int history_index;          /* -1 if unknown */
	unsigned read_seq;          /* order the layer was streamed in (see moat_file_visit) */
};

struct moat_image_meta {
	const char *source;         /* "docker-archive", "oci", "dir", "docker" */
	const char *ref;            /* name the user gave or the archive's tag */
	const char *manifest_digest;/* NULL when the source has no manifest blob */
	const char *config_digest;  /* image id */
	const char *os;
	const char *architecture;
	const char *variant;
	const char *created;
	const char *user;
	const char *working_dir;
	const char **env; size_t n_env;
	const char **exposed_ports; size_t n_exposed_ports;
	const char **entrypoint; size_t n_entrypoint;
	const char **cmd; size_t n_cmd;
	/* config.Healthcheck.Test (["CMD-SHELL", "..."], ["NONE"]); NULL when unset */
	const char **healthcheck; size_t n_healthcheck;
	struct moat_kv *labels; size_t n_labels;
	struct moat_history *history; size_t n_history;
	struct moat_layer *layers; size_t n_layers;
};

/* Progress of a scan, for a TTY display; may be called often. */
struct moat_progress {
	void (*layer_begin)(void *ctx, unsigned index, unsigned total, uint64_t size);
	void (*bytes)(void *ctx, uint64_t done, uint64_t total);
	void (*layer_end)(void *ctx, unsigned index);
	void *ctx;
};

/* A regular file as it streams past, for analyzers that read contents they do
 * not keep (archives, binaries). Layers may stream in any order, so the file
 * names its layer by read_seq; moat_layer.read_seq maps it to an index once
 * the image is complete. */
struct moat_file_visit {
	unsigned read_seq;
	const char *path;           /* no leading '/'; valid during the call */
	size_t path_len;
	uint32_t mode;
	uint64_t size;
	/* The file's first held_len bytes when an earlier visitor already holds
	 * them in memory (the content scanners' fan-out), else NULL: a visitor
	 * that wants the whole file reads it here instead of copying it from
	 * content again. Valid during the call. */
	const uint8_t *held;
	size_t held_len;
};

/* Read the file once through content (it may stop early). A negative return
 * aborts the scan. */
typedef int (*moat_visit_fn)(void *ctx, const struct moat_file_visit *file,
			     struct moat_reader *content, struct moat_error *err);

struct moat_image_opts {
	const char *target;                     /* borrowed */
	struct moat_limits limits;              /* zero fields = defaults */
	const char *docker_host;                /* unix socket path; NULL = /var/run/docker.sock */
	const struct moat_registry_opts *registry; /* registry:// targets; NULL = defaults */
	const char *platform;                   /* "os/arch[/variant]" picked from an index;
						 * NULL = linux/amd64 */
	const char *workdir;                    /* where spill files may go; NULL = $TMPDIR */
	const struct moat_progress *progress;   /* NULL = silent */
	/* Decides which file contents to capture while streaming; NULL = none. */
	bool (*want_content)(void *ctx, const char *path, size_t len);
	void *want_ctx;
	/* Logical paths whose content must be read as the container sees it,
	 * through symlinks and hardlinks (see moat_fs_uncaptured; NULL = none).
	 * Content that links put at paths want_content did not capture is read
	 * in a second pass over the image: only images with such links pay. */
	const char *const *want_roots;
	/* A file reached by a second name (symlink, hardlink; see moat_fs_links)
	 * that the streaming analyzers would read under that name but did not
	 * under its own: its content is captured in the second pass too. */
	bool (*want_linked)(const char *name, const char *real, const struct moat_fs_stat *st);
	moat_visit_fn visit_file;              /* every regular file; NULL = none */
	void *visit_ctx;
};

struct moat_image;

/* Read and verify the image. On failure nothing is returned and *err says
 * which input and where. */
int moat_image_open(const struct moat_image_opts *opts, struct moat_image **ret_image,
		    struct moat_error *err);
void moat_image_close(struct moat_image *image);

const struct moat_image_meta *moat_image_meta(const struct moat_image *image);
/* The merged filesystem (owned by the image). */
struct moat_fs *moat_image_fs(const struct moat_image *image);
struct moat_arena *moat_image_arena(const struct moat_image *image);
/* What reading skipped (base/warn.h): e.g. a dir: file or directory moat
 * could not open. Owned by the image. */
const struct moat_warnings *moat_image_warnings(const struct moat_image *image);

#endif
