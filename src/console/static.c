/* SPDX-License-Identifier: Apache-2.0 */
/*
 * static.c - the web UI's built files (web/dist) for every path outside
 * /api/. A path that names no file gets index.html, so the UI's own router
 * handles deep links. Paths with "." or ".." segments, hidden files and
 * symlinks are refused: nothing outside the UI directory is served.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "console-int.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".json", "application/json" },
	{ ".map", "application/json" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".woff2", "font/woff2" },
	{ ".woff", "font/woff" },
	{ ".txt", "text/plain; charset=utf-8" },
};

static const char *type_of(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && !strcmp(path + n - e, types[i].ext))
			return types[i].type;
	}
	return "application/octet-stream";
}

/* Every segment plain: not empty-dot, not "..", not hidden. */
static bool path_safe(const char *p)
{
	if (strlen(p) > 1024)
		return false;
	for (const char *s = p; *s; s++)
		if (*s == '/' && s[1] == '.')
			return false;
	return p[0] == '/';
}

/* Open root + rel as a regular file, refusing symlinks in its last part. */
static int open_under(const char *root, const char *rel, struct stat *st)
{
	char path[4096];
	int fd;

	if (snprintf(path, sizeof(path), "%s%s", root, rel) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
		close(fd);
		return -EISDIR;
	}
	return fd;
}

static void plain(struct moat_server_resp *resp, int status, const char *text)
{
	resp->status = status;
	resp->content_type = "text/plain; charset=utf-8";
	moat_buf_reset(&resp->body);
	moat_buf_append_str(&resp->body, text);
}

void console_static(struct moat_console *c, const struct moat_server_req *req,
		    struct moat_server_resp *resp)
{
	const char *rel = req->path;
	struct stat st;
	int fd = -ENOENT;

	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
		moat_server_resp_header(resp, "Allow", "GET, HEAD");
		plain(resp, 405, "method not allowed\n");
		return;
	}
	if (!c->web_dir) {
		plain(resp, 404, "moat console: no web UI is installed (build web/ or pass --web "
		      "DIR); the API is at /api/v1\n");
		return;
	}
	if (!path_safe(rel)) {
		plain(resp, 404, "not found\n");
		return;
	}
	if (strcmp(rel, "/") != 0)
		fd = open_under(c->web_dir, rel, &st);
	if (fd < 0) {
		rel = "/index.html";
		fd = open_under(c->web_dir, rel, &st);
	}
	if (fd < 0) {
		plain(resp, 404, "not found\n");
		return;
	}
	resp->file_fd = fd;
	resp->file_size = (uint64_t)st.st_size;
	resp->content_type = type_of(rel);
	moat_server_resp_header(resp, "Cache-Control", strncmp(rel, "/assets/", 8) ?
				"no-cache" : "public, max-age=31536000, immutable");
	if (!strcmp(rel, "/index.html"))
		moat_server_resp_header(resp, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data:; style-src 'self' "
					"'unsafe-inline'; frame-ancestors 'none'");
}
