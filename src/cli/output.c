/* SPDX-License-Identifier: Apache-2.0 */
/* output.c - how every subcommand hands a finished report to the user. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "cli.h"

/* Write the whole buffer to path via a temp file and rename, or to stdout. */
int cli_emit(const char *path, const struct moat_buf *buf)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if (!path || !strcmp(path, "-"))
		return fwrite(buf->data, 1, buf->len, stdout) == buf->len && fflush(stdout) == 0 ? 0 : -EIO;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "wx");
	if (!f)
		return -errno;
	ok = fwrite(buf->data, 1, buf->len, f) == buf->len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -EIO;
	}
	return 0;
}
