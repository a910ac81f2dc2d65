/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline-model.h - what one image was seen doing: executables,
 * parent->child pairs, paths written, listening ports and syscalls; its
 * JSON form (DIR/images/<key>/baseline.json, schema moat.baseline/v1) and
 * the tests a running defender asks of it. docs/baselines.md describes it.
 *
 * Items are text: an exe path, "PARENT -> CHILD", a written path or a
 * directory glob "DIR/\*" (covers everything below DIR), a port number, a
 * syscall name. Paths written are prefix-compressed: once more than
 * `collapse` entries sit directly in one directory they become "DIR/\*".
 * Syscalls are kept as a bitmap of this machine's native numbers.
 */
#ifndef MOAT_DEFEND_BASELINE_MODEL_H
#define MOAT_DEFEND_BASELINE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/hmap.h"

struct moat_buf;
struct moat_error;

#define MOAT_BL_SCHEMA "moat.baseline/v1"
#define MOAT_BL_ITEMS_MAX 4096u        /* per list; more is refused (MOAT_E_LIMIT) */
#define MOAT_BL_ITEM_LEN 1024u         /* longest item text */
#define MOAT_BL_COLLAPSE_DEFAULT 8u    /* siblings before a directory becomes DIR/\* */
#define MOAT_BL_SYSCALL_MAX 1024u      /* bits: native numbers, then ia32 ones */
#define MOAT_BL_SYSCALL_IA32 512u      /* bit of ia32 syscall 0 ("ia32:restart_syscall") */
#define MOAT_BL_SYSCALL_WORDS (MOAT_BL_SYSCALL_MAX / 64)
#define MOAT_BL_FILE_MAX (8u << 20)    /* largest baseline.json read */

enum moat_bl_kind {
	MOAT_BL_EXEC,        /* "exec": an executable path */
	MOAT_BL_PAIR,        /* "exec-pair": "PARENT -> CHILD" */
	MOAT_BL_FILE,        /* "file-write": a path or DIR/\* */
	MOAT_BL_LISTEN,      /* "listen": a port */
	MOAT_BL_SYSCALL,     /* "syscall": a syscall name */
	MOAT_BL_KIND_COUNT,
};

/* One image's model. Embedded by the caller: init, then release. */
struct moat_bl_model {
	struct moat_hmap sets[MOAT_BL_SYSCALL];  /* exec, pair, file, listen: keys owned */
	uint64_t syscalls[MOAT_BL_SYSCALL_WORDS];
	uint64_t learn_start;    /* epoch seconds learning began (0: not yet) */
	uint64_t learn_events;   /* events learned from */
	bool learn_done;         /* the learning window has passed */
	unsigned collapse;       /* 0 = MOAT_BL_COLLAPSE_DEFAULT */
};

/* "exec", "exec-pair", "file-write", "listen", "syscall"; parse: -1 if unknown. */
const char *moat_bl_kind_name(enum moat_bl_kind kind);
int moat_bl_kind_parse(const char *name);

void moat_bl_model_init(struct moat_bl_model *m);
void moat_bl_model_release(struct moat_bl_model *m);
/* Empty the model (learning starts over). */
void moat_bl_model_clear(struct moat_bl_model *m);

/*
 * Add an item (syscalls by name). 1 if the model grew, 0 if it already
 * covered the item, MOAT_E_USAGE for an item of the wrong form (message
 * names it), MOAT_E_LIMIT past MOAT_BL_ITEMS_MAX.
 */
int moat_bl_add(struct moat_bl_model *m, enum moat_bl_kind kind, const char *item,
		struct moat_error *err);
int moat_bl_add_syscall(struct moat_bl_model *m, unsigned nr);
/* Does the model cover item (a path written: itself or a DIR/\* above it)? */
bool moat_bl_has(const struct moat_bl_model *m, enum moat_bl_kind kind, const char *item);
bool moat_bl_has_syscall(const struct moat_bl_model *m, unsigned nr);
/* Items of a list, sorted (NULL-terminated array; free() it), or NULL on ENOMEM. */
const char **moat_bl_items(const struct moat_bl_model *m, enum moat_bl_kind kind, size_t *ret_n);
size_t moat_bl_count(const struct moat_bl_model *m, enum moat_bl_kind kind);

/* Everything src covers into dst; returns how many items dst gained (or a
 * negative code, dst then holds part of src). Learning counters add up. */
int moat_bl_merge(struct moat_bl_model *dst, const struct moat_bl_model *src);

/* Syscall names of this machine's native architecture; NULL / -1 if unknown. */
const char *moat_bl_syscall_name(unsigned nr);
int moat_bl_syscall_number(const char *name);

/*
 * JSON. save: the whole model as a moat.baseline/v1 document (image is the
 * image id, mode its mode name, both only shown). load: a document into an
 * empty model; origin names the input in errors, which give the line and
 * column of a syntax error or the member ("exec[2]: ...") of a bad value.
 * MOAT_E_FORMAT for anything not in the schema, MOAT_E_LIMIT past a bound.
 */
int moat_bl_save(const struct moat_bl_model *m, const char *image, const char *mode,
		 struct moat_buf *out, struct moat_error *err);
int moat_bl_load(struct moat_bl_model *m, const void *data, size_t len, const char *origin,
		 struct moat_error *err);

#endif
