/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tar_list.c - moat's tar reader's view of a tar, in the format of
 * tests/tools/gotar (see tar_listing.h).
 *
 *   tar_list FILE              one listing on stdout; exit 1 when refused
 *   tar_list -o DIR FILE...    DIR/BASENAME.moat for each (one process for
 *                              a whole corpus: sanitizer start-up is slow)
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/reader.h"
#include "tar_listing.h"

static int list_file(const char *path, FILE *out)
{
	struct moat_limits limits;
	struct moat_fd_reader fr;
	struct moat_reader rd;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0) {
		perror(path);
		return 2;
	}
	moat_limits_default(&limits);
	moat_fd_reader_init(&fr, fd, 0, UINT64_MAX);
	rd = moat_fd_reader(&fr);
	r = tar_listing(out, &rd, &limits);
	close(fd);
	return r < 0 ? 1 : 0;
}

/* DIR/BASENAME.moat, without a trailing ".tar". */
static FILE *open_out(const char *dir, const char *path)
{
	char copy[4096], out[8192];
	char *base;
	size_t len;

	snprintf(copy, sizeof(copy), "%s", path);
	base = basename(copy);
	len = strlen(base);
	if (len > 4 && !strcmp(base + len - 4, ".tar"))
		base[len - 4] = '\0';
	snprintf(out, sizeof(out), "%s/%s.moat", dir, base);
	return fopen(out, "w");
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return list_file(argv[1], stdout);
	if (argc < 3 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: tar_list FILE | tar_list -o DIR FILE...\n");
		return 2;
	}
	for (int i = 3; i < argc; i++) {
		FILE *out = open_out(argv[2], argv[i]);

		if (!out) {
			perror(argv[2]);
			return 2;
		}
		if (list_file(argv[i], out) == 2)
			return 2;
		fclose(out);
	}
	return 0;
}
