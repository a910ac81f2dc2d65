/* SPDX-License-Identifier: Apache-2.0 */
/*
 * state.h - the defender's state directory (`--state DIR`, default
 * /var/lib/moat): what it learns per image, kept in files that
 * `moat baseline` and `moat network` read and change while it runs.
 *
 * Layout (docs/internals/defender-state.md):
 *   DIR/images/<hex>/          one per image, <hex> = the image id's sha256
 *       refs                   references the image ran under, one per line
 *       mode                   "learn", "alert" or "enforce" (absent: learn)
 *       lock                   flock(2) target for read-modify-write
 *       <name>                 models: baseline.json, network.json, ...
 *   DIR/<name>                 node-wide files (netgraph.json, ...)
 *
 * Every write goes to a temporary file in the same directory and is renamed
 * over the old one, so a reader never sees half a file and a crash leaves
 * the previous version. Writers that read, change and write back (the CLI
 * changing a mode while the defender merges what it learned) hold the
 * image's lock for the whole cycle. The defender notices a change made by
 * someone else through moat_state_stamp() (size, mtime and inode of a file).
 */
#ifndef MOAT_DEFEND_STATE_H
#define MOAT_DEFEND_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_buf;
struct moat_error;
struct moat_state;

#define MOAT_STATE_DEFAULT_DIR "/var/lib/moat"
#define MOAT_STATE_KEY_LEN 64        /* hex digits of a sha256 image id */
#define MOAT_STATE_FILE_MAX (64u << 20)  /* largest state file read back */
#define MOAT_STATE_REF_MAX 256       /* longest reference kept in refs */

enum moat_state_mode {
	MOAT_STATE_LEARN,    /* record what the image does; no alerts */
	MOAT_STATE_ALERT,    /* alert on what is outside the model */
	MOAT_STATE_ENFORCE,  /* alert and block (kill, refuse the connection) */
};

/* "learn", "alert", "enforce". */
const char *moat_state_mode_name(enum moat_state_mode mode);
/* 0 and *ret for one of those names, MOAT_E_USAGE otherwise. */
int moat_state_mode_parse(const char *name, enum moat_state_mode *ret, struct moat_error *err);

/*
 * Open dir (NULL: MOAT_STATE_DEFAULT_DIR). create makes it (and images/)
 * with mode 0700 when missing -- the defender does; the CLI opens without
 * create and gets MOAT_E_NOTFOUND naming the directory when there is none.
 */
int moat_state_open(const char *dir, bool create, struct moat_state **ret, struct moat_error *err);
void moat_state_close(struct moat_state *st);
const char *moat_state_dir(const struct moat_state *st);

/* The key of an image id ("sha256:<64 hex>" or the bare hex): 0 and
 * key (lower case, NUL-terminated), MOAT_E_FORMAT otherwise. */
int moat_state_key_of(const char *image_id, char key[MOAT_STATE_KEY_LEN + 1],
		      struct moat_error *err);

/*
 * Which image the user means: an image id, a unique id prefix of at least
 * 12 hex digits (with or without "sha256:"), or a reference recorded in an
 * image's refs ("debian:12" also matches "docker.io/library/debian:12" and
 * a bare name matches its ":latest"). MOAT_E_NOTFOUND when nothing
 * matches, MOAT_E_USAGE when several images do (the message lists them).
 */
int moat_state_resolve(struct moat_state *st, const char *image, char key[MOAT_STATE_KEY_LEN + 1],
		       struct moat_error *err);

/* Make the image's directory if needed and record ref (may be NULL or
 * empty) in its refs. Cheap when both are already there. */
int moat_state_note_image(struct moat_state *st, const char *key, const char *ref,
			  struct moat_error *err);

/* Call fn for each image directory (key order unspecified); a non-zero
 * return from fn stops the walk and is returned. */
int moat_state_foreach_image(struct moat_state *st,
			     int (*fn)(const char *key, void *arg), void *arg,
			     struct moat_error *err);

/* The refs of an image as one string, references separated by '\n' (empty
 * when none were recorded). */
int moat_state_refs(struct moat_state *st, const char *key, struct moat_buf *out,
		    struct moat_error *err);

/* The image's mode; learn when no mode was set. */
int moat_state_mode_get(struct moat_state *st, const char *key, enum moat_state_mode *ret,
			struct moat_error *err);
int moat_state_mode_set(struct moat_state *st, const char *key, enum moat_state_mode mode,
			struct moat_error *err);

/*
 * Files. key NULL means a node-wide file in DIR itself. name is a plain
 * file name (no '/', not "." or ".."; MOAT_E_USAGE otherwise).
 * read: the whole file into out (reset first), -ENOENT when it is absent.
 * write: atomically replaces it with data (temporary file, fsync, rename).
 * remove: 0 also when it was absent.
 */
int moat_state_read(struct moat_state *st, const char *key, const char *name,
		    struct moat_buf *out, struct moat_error *err);
int moat_state_write(struct moat_state *st, const char *key, const char *name,
		     const void *data, size_t len, struct moat_error *err);
int moat_state_remove(struct moat_state *st, const char *key, const char *name,
		      struct moat_error *err);

/* What a file looks like now, to tell whether it changed since last read:
 * equal stamps mean unchanged (0 when the file is absent). */
struct moat_state_stamp {
	uint64_t ino, size;
	int64_t mtime_ns;
};
int moat_state_stamp(struct moat_state *st, const char *key, const char *name,
		     struct moat_state_stamp *ret);
bool moat_state_stamp_equal(const struct moat_state_stamp *a, const struct moat_state_stamp *b);

/*
 * The image's lock (key NULL: the node-wide one), held across a
 * read-modify-write. Blocks until it is free. lock returns an fd to pass to
 * unlock.
 */
int moat_state_lock(struct moat_state *st, const char *key, int *ret_fd, struct moat_error *err);
void moat_state_unlock(int fd);

#endif
