/* SPDX-License-Identifier: Apache-2.0 */
/*
 * yara-cache.h - compiled YARA rules kept on disk between scans.
 *
 * Why: compiling the malware rules (the built-in set and --malware-rules)
 * costs ~30-40 ms of CPU at every scan in a release build, for rules that
 * change only with moat or with the user's rule files. The compiled rules
 * are saved (yr_rules_save_stream) in blob-cache.h's verified container as
 * DIR/yara/rules-KEY.db, KEY the SHA-256 of a format tag, libyara's
 * version, the pointer size, the external variables and every rule file
 * (its namespace and text); later scans load them (yr_rules_load_stream).
 * YARA's loader trusts its input, so only a file that passes the
 * container's checks (ours, not writable by others, its key and content
 * hash) reaches it; anything else is a miss and the rules are compiled.
 *
 * Compiler warnings come from a compile only: a scan that loads the rules
 * reports none.
 */
#ifndef MOAT_DETECT_YARA_CACHE_H
#define MOAT_DETECT_YARA_CACHE_H

#include <stddef.h>

#include <yara.h>

#include "blob-cache.h"
#include "malware-prefilter.h"

/* The key of a rule set: srcs with their namespaces (ns[i] for srcs[i])
 * and the external variables the compiler defined (names, NULL ended). 0 or -1. */
int yara_cache_key(const struct malware_source *srcs, const char *const *ns, size_t n,
		   const char *const *externals, char key[65]);
/* The rules for key from dir (NULL: a miss); *rules set on a hit. */
enum blob_cache_result yara_cache_load(const char *dir, const char key[65], YR_RULES **rules);
/* Store rules under key in dir. 0 or -errno (callers may ignore it). */
int yara_cache_store(const char *dir, const char key[65], YR_RULES *rules);

#endif
