/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-rules.h - the secret rule set: load (YAML), compile (PCRE2 JIT),
 * and match one buffer with a keyword prefilter.
 *
 * A rule file (rules/secrets/NAME.yaml, --secret-config) holds `rules:` and
 * `allow:` lists (docs/content-scanners.md). Each rule names keywords (any
 * of them, case-insensitive, must occur in the text before its regex runs),
 * a PCRE2 regex whose group `group` (default 1, or 0 without groups) is the
 * secret, a minimum Shannon entropy, and optional path regexes. Allow
 * entries drop matches by rule, path, secret regex or fingerprint.
 *
 * The prefilter is one pass over the text: Hyperscan with every keyword as
 * a caseless literal when built with it, else a table of two-byte keyword
 * heads (8 KiB bitmap + buckets). Only rules whose keyword was seen run
 * their regex.
 */
#ifndef MOAT_DETECT_SECRET_RULES_H
#define MOAT_DETECT_SECRET_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/slice.h"

struct moat_error;
struct secret_rules;

/* Bounds on a rule file (hostile input: a policy from a repository). */
#define SECRET_RULES_MAX_BYTES (4u << 20)
#define SECRET_RULES_MAX_RULES 2000u
#define SECRET_RULES_MAX_KEYWORDS 64u
#define SECRET_RULES_MAX_REGEX 4096u

struct secret_match {
	const char *rule_id;
	const char *title;
	const char *severity;
	size_t start, len;          /* the secret in the text */
	size_t match_start;         /* the whole match (for the line) */
	char fingerprint[17];       /* 16 hex of sha256(rule id, NUL, secret) */
};

typedef int (*secret_match_fn)(void *ctx, const struct secret_match *m, struct moat_error *err);

int secret_rules_open(struct secret_rules **ret, struct moat_error *err);
void secret_rules_close(struct secret_rules *rs);
/* Add one file's rules and allow entries (origin names it in errors). */
int secret_rules_load(struct secret_rules *rs, const uint8_t *data, size_t len,
		      const char *origin, struct moat_error *err);
/* The rule files compiled into moat (rules/secrets/). */
int secret_rules_load_builtin(struct secret_rules *rs, struct moat_error *err);
/* After loading: build the prefilter. */
int secret_rules_compile(struct secret_rules *rs, struct moat_error *err);
/* Before compiling: keep the compiled keyword database in this cache
 * directory (hs-cache.h; dir outlives rs). NULL (default): compile each time. */
void secret_rules_cache_dir(struct secret_rules *rs, const char *dir);
size_t secret_rules_count(const struct secret_rules *rs);
/* "hyperscan" or "builtin": what the prefilter runs on. */
const char *secret_rules_engine(const struct secret_rules *rs);

/* Match text (path may be NULL for config/history text); cb for each
 * allowed match. binary: the text holds NULs (only rules with binary: true). */
int secret_rules_scan(struct secret_rules *rs, const char *path, struct moat_slice text,
		      bool binary, secret_match_fn cb, void *ctx, struct moat_error *err);
/* Would any rule look at a file at path (path filters, global path allow)? */
bool secret_rules_want_path(const struct secret_rules *rs, const char *path, size_t len);

/* Shannon entropy in bits per byte. */
double secret_entropy(const uint8_t *p, size_t n);

#endif
