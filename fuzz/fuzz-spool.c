/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-spool.c - a spool directory whose files someone else wrote: the
 * input's first line is the cursor file, the rest the oldest segment. The
 * spool must open or refuse it, then read it in small batches to the end,
 * each event a JSON object, without crashing or looping. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "moat/error.h"
#include "uplink/spool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		abort();
	if (n && write(fd, p, n) != (ssize_t)n)
		abort();
	close(fd);
}

/* Empty and remove dir (a fork per run would cost more than the run). */
static void clean(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t cur = nl ? (size_t)(nl - data) + 1 : size;
	struct moat_spool_opts o = { .segment_bytes = 4096, .max_bytes = 1u << 20 };
	struct moat_spool *sp = NULL;
	struct moat_error err = { 0 };
	struct moat_buf out;
	size_t lines;

	moat_spool_whole_lines((const char *)data, size, &lines);
	if (!dir[0])
		snprintf(dir, sizeof(dir), "/tmp/moat-fuzz-spool.%ld", (long)getpid());
	clean(dir);
	if (mkdir(dir, 0700) < 0)
		abort();
	put(dir, "cursor", data, cur);
	put(dir, "00000000000000000001.jsonl", data + cur, size - cur);
	o.dir = dir;
	moat_buf_init(&out, 0);
	if (moat_spool_open(&o, &sp, &err) == 0) {
		moat_spool_append(sp, "{\"n\":1}", 7, &err);
		for (unsigned round = 0; round < 10000; round++) {
			struct moat_spool_mark end;
			size_t n = 0;

			moat_buf_reset(&out);
			if (moat_spool_peek(sp, &out, 3, 4096, &n, &end, &err) < 0 || n == 0)
				break;
			if (out.data[0] != '{')
				abort();
			if (moat_spool_commit(sp, &end, &err) < 0)
				break;
		}
		moat_spool_close(sp);
	}
	moat_buf_release(&out);
	clean(dir);
	return 0;
}
