/* SPDX-License-Identifier: Apache-2.0 */
/* walk.c - directory walks of moat config and moat comply k8s. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/arena.h"
#include "walk.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk(const char *cmd, const char *dir, int depth, bool (*want)(const char *name),
		int (*fn)(void *arg, const char *path), void *arg, struct moat_arena *arena)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int r = 0;
	DIR *d;

	if (depth > CLI_WALK_MAX_DEPTH)
		return 0;
	d = opendir(dir);
	if (!d)
		return fprintf(stderr, "moat %s: %s: %s\n", cmd, dir, strerror(errno)), -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..") || !strcmp(de->d_name, ".git")))
			continue;
		if (!strcmp(de->d_name, "node_modules"))
			continue;
		char **grown = realloc(names, (n + 1) * sizeof(*names));

		if (!grown || !(grown[n] = moat_arena_printf(arena, "%s/%s", dir, de->d_name))) {
			free(grown ? grown : names);
			closedir(d);
			return -ENOMEM;
		}
		names = grown;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n && r == 0; i++) {
		struct stat st;
		const char *base = strrchr(names[i], '/') + 1;

		if (lstat(names[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			r = walk(cmd, names[i], depth + 1, want, fn, arg, arena);
		else if (S_ISREG(st.st_mode) && want(base))
			r = fn(arg, names[i]);
	}
	free(names);
	return r;
}

int cli_walk(const char *cmd, const char *dir, bool (*want)(const char *name),
	     int (*fn)(void *arg, const char *path), void *arg, struct moat_arena *arena)
{
	return walk(cmd, dir, 0, want, fn, arg, arena);
}
