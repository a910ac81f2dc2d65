/* SPDX-License-Identifier: Apache-2.0 */
/* walk.h - the files below a directory that a command reads (moat config, moat comply k8s). */
#ifndef MOAT_CLI_WALK_H
#define MOAT_CLI_WALK_H

#include <stdbool.h>

struct moat_arena;

/* Directory levels searched below a PATH argument; deeper trees are skipped. */
#define CLI_WALK_MAX_DEPTH 16

/* Call fn(arg, path) for each regular file below dir whose name want()
 * accepts, in name order (stable reports); .git, other dot entries and
 * node_modules are skipped, symlinks are not followed. Paths live in arena.
 * Stops at the first fn() that returns non-zero and returns it; -errno when
 * a directory cannot be read (after printing it with cmd's name). */
int cli_walk(const char *cmd, const char *dir, bool (*want)(const char *name),
	     int (*fn)(void *arg, const char *path), void *arg, struct moat_arena *arena);

#endif
