/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect.h - image content scanners (secrets, weak passwords, malware,
 * image misconfiguration) and the findings they emit.
 *
 * Content scanners ride the same single pass over the layers as the
 * catalogers: moat_detect_visit() is the moat_image_opts.visit_file hook.
 * For each regular file it asks every enabled scanner's match() (path,
 * mode, size: cheap); when one claims the file it peeks the first bytes
 * (binary files are skipped unless a scanner asks for them), reads the file
 * once into a reused buffer, hands that buffer to every claiming scanner
 * and then to the next visitor in the chain (the language catalogers), so
 * no layer is read twice. After the image is complete, moat_detect_finish()
 * runs each scanner's image step (struct moat_detect_image: config
 * Env/Labels, history, the merged filesystem, the package list, the base
 * boundary) and resolves layers, owners and whiteouts.
 *
 * A scanner reports through the sink: moat_detect_emit() with a struct
 * moat_finding whose strings are copied. That is the whole API a new
 * scanner needs (docs/content-scanners.md).
 */
#ifndef MOAT_DETECT_H
#define MOAT_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"
#include "image/image.h"

struct moat_arena;
struct moat_base;
struct moat_error;
struct moat_fs;
struct moat_pkg_list;
struct moat_reader;
struct moat_warnings;
struct moat_detect;

/* --scanners bits. */
enum moat_scanner_bits {
	MOAT_SCAN_VULN = 1 << 0,
	MOAT_SCAN_SECRET = 1 << 1,
	MOAT_SCAN_PASSWORD = 1 << 2,
	MOAT_SCAN_MALWARE = 1 << 3,
	MOAT_SCAN_MISCONFIG = 1 << 4,
};

/* Parse "vuln,secret,..." into bits. Unknown names fail (-EINVAL) and
 * *ret_bad points at the offending name (borrowed from list). Names of
 * scanners this build does not have fail with -ENOTSUP. */
int moat_scanners_parse(const char *list, unsigned *ret_bits, const char **ret_bad,
			size_t *ret_bad_len);
/* Every scanner this build has (the default of --scanners). */
unsigned moat_scanners_available(void);

/* One content finding. Strings borrowed until moat_detect_emit() copies them. */
struct moat_finding {
	const char *kind;           /* "secret", "password", "malware", "misconfig" */
	const char *id;             /* our rule id: "aws-access-key-id" */
	const char *severity;       /* "critical", "high", "medium", "low" */
	const char *title;
	const char *message;        /* this occurrence ("User is unset (root)"), or NULL */
	const char *const *references;  /* NULL-ended upstream rule ids ("trivy:DS002"), or NULL */
	const char *path;           /* file in the image (no leading '/'); NULL for source */
	const char *source;         /* NULL for files; "config" or "history" */
	const char *field;          /* for source: "Env", "Labels", "created_by" */
	unsigned line;              /* 1-based; 0 = not line-bound */
	const char *match;          /* masked evidence (never a whole secret), or NULL */
	const char *fingerprint;    /* stable id for allow-lists: hex, or NULL */
	const char *rule;           /* malware: the engine's rule ("miners.miner_xmrig_binary", "sha256") */
	const char *sha256;         /* malware: hex digest of the whole file, or NULL */
	/* Filled by the framework. */
	int layer_index;            /* -1 = unknown (set for file findings) */
	const char *layer;          /* diff_id, or NULL */
	const char *owner;          /* "base", "app" or "unknown" */
	const char *note;           /* "deleted by layer 3; still in the image's layers" */
	unsigned read_seq;          /* internal: layer as it streamed */
	bool streamed;              /* internal: found in a streamed file (whiteout notes) */
};

struct moat_finding_list {
	struct moat_finding **items;
	size_t count;
	size_t cap;
};

/* A file as a content scanner sees it. */
struct moat_detect_file {
	const struct moat_file_visit *visit;
	struct moat_slice content;  /* the whole file (or its first max_bytes) */
	bool binary;                /* a NUL in the first bytes */
	bool truncated;             /* content is only the file's start */
};

/* The complete image, as the scanners' image steps see it. Any member may
 * be NULL (a dir: target has a synthetic config; `moat sbom` paths pass no
 * packages); a step skips what it lacks. */
struct moat_detect_image {
	const struct moat_image_meta *meta;     /* config and history */
	struct moat_fs *fs;                     /* the merged view (each entry's layer) */
	const struct moat_pkg_list *pkgs;       /* catalogued packages */
	const struct moat_base *base;           /* base boundary; NULL or 0 layers = unknown */
};

/* A content scanner: one entry per kind in the table (detect.c). */
struct moat_scanner {
	const char *name;           /* the --scanners name */
	unsigned bit;               /* enum moat_scanner_bits */
	/* Private state; NULL and no error = nothing to scan with. */
	int (*open)(struct moat_detect *d, void **ret_state, struct moat_error *err);
	void (*close)(void *state);
	/* Read this file? Return its byte budget (0 = no). Cheap: path, mode, size. */
	uint64_t (*match)(void *state, const char *path, size_t len, uint32_t mode, uint64_t size);
	bool wants_binary;          /* files with NULs are shown too */
	/* Optional, after the first bytes are read (magic numbers): the budget
	 * for this file (at most the one match() gave; 0 = not this file).
	 * head->content is the peek (up to 8000 bytes), head->binary set. */
	uint64_t (*match_head)(void *state, const struct moat_detect_file *head, uint64_t budget);
	int (*scan_file)(void *state, struct moat_detect *d, const struct moat_detect_file *file,
			 struct moat_error *err);
	/* After all layers: config, history, merged view, packages (may be NULL). */
	int (*scan_image)(void *state, struct moat_detect *d, const struct moat_detect_image *img,
			  struct moat_error *err);
};

/* A policy's `secrets.allow` entry: a secret finding that matches every
 * given part is dropped. */
struct moat_detect_allow {
	const char *path;                   /* fnmatch glob ('*' crosses '/'; no leading '/'), or NULL */
	const char *const *rules;           /* NULL-ended rule ids, or NULL = any */
	const char *const *fingerprints;    /* NULL-ended, or NULL = any */
};

struct moat_detect_opts {
	unsigned scanners;          /* enum moat_scanner_bits */
	const struct moat_limits *limits;
	/* Secrets: extra rules and allow-lists (YAML, rules/secrets format), or NULL. */
	const char *secret_config;
	/* Secrets: accepted findings (copied at open). */
	const struct moat_detect_allow *secret_allow;
	size_t n_secret_allow;
	/* Malware: a directory of extra YARA rules (*.yar, *.yara) and hash
	 * lists (*.sha256), or NULL. */
	const char *malware_rules;
	/* Passwords: a word list (one password per line) instead of the shipped one. */
	const char *password_list;
	uint32_t password_budget_ms;    /* per hash; 0 = default (1000) */
	/* Compiled pattern databases kept between scans (hs-cache.h), or NULL. */
	const char *cache_dir;
	/* Next visitor in the chain (language catalogers), or NULL. */
	moat_visit_fn next_visit;
	void *next_ctx;
};

int moat_detect_open(const struct moat_detect_opts *opts, struct moat_detect **ret,
		     struct moat_error *err);
void moat_detect_close(struct moat_detect *d);
/* Suits moat_image_opts.visit_file (ctx = the struct moat_detect). */
int moat_detect_visit(void *ctx, const struct moat_file_visit *file, struct moat_reader *content,
		      struct moat_error *err);
/* After the image is read: image steps, layers, whiteouts, dedupe, owners
 * (img->base NULL = unknown). Findings sorted by layer, path, line. */
int moat_detect_finish(struct moat_detect *d, const struct moat_detect_image *img,
		       struct moat_error *err);
const struct moat_finding_list *moat_detect_findings(const struct moat_detect *d);
/* Secret findings a policy allow entry (opts.secret_allow) dropped. */
size_t moat_detect_allowed_count(const struct moat_detect *d);
/* Files the scanners skipped (too large, unreadable rules...). Owned by d. */
const struct moat_warnings *moat_detect_warnings(const struct moat_detect *d);

/* ---- the sink, for scanners ---- */

/* Add a finding (strings and references copied). For a file finding pass
 * the file being scanned (layer and path come from it). Without one (image
 * steps) the finding names itself: f->path + f->layer_index for a file of
 * the merged view or a package database, or f->source (config/history;
 * f->layer_index may name a layer for history). */
int moat_detect_emit(struct moat_detect *d, const struct moat_detect_file *file,
		     const struct moat_finding *f, struct moat_error *err);
/* Config and history text are echoed by the reports (Env, Labels,
 * created_by): a scanner that finds a secret at [start, start+len) of one
 * of meta's own strings (compared by pointer) records it here, and
 * moat_detect_redacted_meta() gives the reports a copy of meta with that
 * span masked. */
int moat_detect_redact(struct moat_detect *d, const char *text, size_t start, size_t len,
		       struct moat_error *err);
/* meta itself when nothing was redacted; else a copy (in d's arena, valid
 * until moat_detect_close) whose env, label values and created_by strings
 * hold masked secrets. NULL on out of memory. */
const struct moat_image_meta *moat_detect_redacted_meta(struct moat_detect *d,
							const struct moat_image_meta *meta);
struct moat_arena *moat_detect_arena(struct moat_detect *d);
const struct moat_detect_opts *moat_detect_options(const struct moat_detect *d);
void moat_detect_warn(struct moat_detect *d, const struct moat_detect_file *file,
		      const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Mask a secret for reports: at most the first 4 and last 2 characters
 * shown (fewer for short ones), the rest '*'; the result never holds more
 * than a third of the secret. Returns an arena string. */
const char *moat_detect_mask(struct moat_arena *arena, const uint8_t *s, size_t len);
/* Line number (1-based) of offset off in content. */
unsigned moat_detect_line_of(struct moat_slice content, size_t off);

/* Does text (an ENV/ARG/LABEL value: no file, no scan) hold a credential
 * one of the built-in secret rules names (not the name-based generic-*
 * ones)? The rule's title ("AWS access key ID"), or NULL. The rules are
 * compiled on first use, once per process, and kept; thread-safe. */
const char *moat_secret_shape(const char *text);

/* A rule id of ours: [a-z0-9-]{1,64}. */
bool moat_detect_rule_id_valid(const char *id);

/* Severity rank: critical 4, high 3, medium 2, low 1, else 0. */
int moat_detect_severity_rank(const char *severity);

/* The scanners (one file each). */
extern const struct moat_scanner moat_scanner_secret;   /* secret.c */
extern const struct moat_scanner moat_scanner_password; /* password.c */
extern const struct moat_scanner moat_scanner_misconfig; /* misconfig-scan.c */
extern const struct moat_scanner moat_scanner_malware;  /* malware.c */

#endif
