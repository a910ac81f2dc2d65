/* SPDX-License-Identifier: Apache-2.0 */
/* httptcp_test.c - http:// URL splitting for the TCP client (RFC 3986 authority rules). */
#include <errno.h>

#include "harness.h"
#include "moat/error.h"
#include "runtime/http-tcp.h"

struct url_row {
	const char *url;
	int want;               /* 0 or the error code */
	const char *host;
	const char *port;
	const char *authority;
	const char *target;
};

static const struct url_row rows[] = {
	{ "http://127.0.0.1:8080/db/vuln.db", 0, "127.0.0.1", "8080", "127.0.0.1:8080",
	  "/db/vuln.db" },
	{ "http://mirror.example/vuln.db?x=1#frag", 0, "mirror.example", "80", "mirror.example",
	  "/vuln.db?x=1" },
	{ "http://localhost", 0, "localhost", "80", "localhost", "/" },
	{ "http://localhost?q", 0, "localhost", "80", "localhost", "/?q" },
	{ "HTTP://[::1]:5000/v2/", 0, "::1", "5000", "[::1]:5000", "/v2/" },
	{ "https://mirror.example/vuln.db", MOAT_E_UNSUPPORTED },
	{ "ftp://mirror.example/vuln.db", MOAT_E_UNSUPPORTED },
	{ "mirror.example/vuln.db", MOAT_E_UNSUPPORTED },
	{ "http://", MOAT_E_USAGE },
	{ "http:///path", MOAT_E_USAGE },
	{ "http://user:pw@host/x", MOAT_E_USAGE },       /* no credentials in URLs */
	{ "http://host:/x", MOAT_E_USAGE },
	{ "http://host:80a/x", MOAT_E_USAGE },
	{ "http://host:1234567/x", MOAT_E_USAGE },
	{ "http://host/a b", MOAT_E_USAGE },
	{ "http://host/a\r\nX-Injected: 1", MOAT_E_USAGE },
	{ "http://[::1/x", MOAT_E_USAGE },
};

static void test_httptcp__url(void)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct url_row *row = &rows[i];
		struct moat_http_url u;
		struct moat_error err = { 0 };
		int r = moat_http_url_parse(row->url, &u, &err);

		if (r != row->want)
			printf("# row %zu\n", i);
		CHECK_INT(r, row->want);
		if (r != 0 || row->want != 0)
			continue;
		CHECK_STR(u.host, row->host);
		CHECK_STR(u.port, row->port);
		CHECK_STR(u.authority, row->authority);
		CHECK_STR(u.target, row->target);
	}
}

static void test_httptcp__refused(void)
{
	struct moat_http_request req = { .method = "GET", .url = "http://127.0.0.1:1/x" };
	struct moat_http_tcp t = { 0 };
	struct moat_error err = { 0 };

	CHECK_INT(moat_http_tcp_send(&t, &req, &err), -ECONNREFUSED);
	CHECK(strstr(err.msg, "http://127.0.0.1:1/x") != NULL);
	moat_http_tcp_close(&t);
	moat_http_tcp_close(&t); /* idempotent */
}

int main(void)
{
	MOAT_RUN(test_httptcp__url);
	MOAT_RUN(test_httptcp__refused);
	return moat_test_done();
}
