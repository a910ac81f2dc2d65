/* SPDX-License-Identifier: Apache-2.0 */
/* output.c - how every subcommand hands a finished report to the user. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/term.h"
#include "cli.h"

/* Straight into something that is not a regular file (a device such as
 * /dev/null, a FIFO): renaming a temp file over it would replace it. */
static int emit_special(const char *path, const struct moat_buf *buf)
{
	int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -errno;
	r = moat_write_all(fd, buf->data, buf->len);
	if (close(fd) != 0 && r == 0)
		r = -EIO;
	return r < 0 ? -EIO : 0;
}

/* Write the whole buffer to path via a temp file and rename (a reader never
 * sees half a report), to a device or FIFO directly, or to stdout. */
int cli_emit(const char *path, const struct moat_buf *buf)
{
	struct stat st;

	if (!path || !strcmp(path, "-"))
		return fwrite(buf->data, 1, buf->len, stdout) == buf->len && fflush(stdout) == 0 ? 0 : -EIO;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return emit_special(path, buf);
	return moat_write_file_atomic(path, buf->data, buf->len, 0644, false) < 0 ? -EIO : 0;
}

int cli_check_format(const char *name, enum cli_check_format *ret)
{
	static const char *const names[] = { "table", "json", "sarif" };

	for (int i = 0; i < 3; i++) {
		if (!strcmp(name, names[i])) {
			*ret = (enum cli_check_format)i;
			return 0;
		}
	}
	return -1;
}

void cli_errorf(const char *fmt, ...)
{
	struct moat_buf msg, out;
	va_list ap, again;
	bool nl;
	int n;

	moat_buf_init(&msg, 0);
	moat_buf_init(&out, 0);
	va_start(ap, fmt);
	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0 && moat_buf_reserve(&msg, (size_t)n + 1) == 0) {
		vsnprintf((char *)msg.data, (size_t)n + 1, fmt, again);
		msg.len = (size_t)n;
	}
	va_end(again);
	nl = msg.len && msg.data[msg.len - 1] == '\n';
	if (msg.len)
		moat_term_escape(&out, (const char *)msg.data, msg.len - nl);
	if (nl)
		moat_buf_putc(&out, '\n');
	if (out.len)
		fwrite(out.data, 1, out.len, stderr);
	moat_buf_release(&msg);
	moat_buf_release(&out);
}

void cli_last_line(const char *path, const char *fallback, char *out, size_t len)
{
	struct moat_buf b;
	const char *s, *e;

	moat_buf_init(&b, 0);
	snprintf(out, len, "%s", fallback);
	if (moat_read_file(path, 1u << 20, &b, NULL) == 0 && b.len) {
		e = (const char *)b.data + b.len;
		while (e > (const char *)b.data && (e[-1] == '\n' || e[-1] == '\r'))
			e--;
		s = e;
		while (s > (const char *)b.data && s[-1] != '\n')
			s--;
		if (e > s)
			snprintf(out, len, "%.*s", (int)(e - s), s);
	}
	moat_buf_release(&b);
}
