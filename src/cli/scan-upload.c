/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-upload.c - `moat scan --console URL --token T`: POST the scan's
 * moat.scan/v1 JSON to the console (POST /api/v1/scans) over libcurl
 * (net/http.h), after the report went out as usual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "moat/error.h"
#include "net/http.h"
#include "scan-run.h"

/* Scans can be large; the console answers once it has stored everything. */
#define UPLOAD_TIMEOUT_SEC 120

int scan_upload(const char *console, const char *token, const char *cacert,
		const struct moat_buf *doc, char *digest, size_t digest_len,
		struct moat_error *err)
{
	struct moat_http_opts ho = { .cacert = cacert, .timeout_sec = UPLOAD_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_http_resp *resp = NULL;
	struct moat_buf url, auth, body;
	json_t *ans = NULL;
	size_t n = strlen(console);
	int r;

	while (n && console[n - 1] == '/')
		n--;
	if (strncmp(console, "http://", 7) != 0 && strncmp(console, "https://", 8) != 0)
		return moat_error_set(err, MOAT_E_USAGE, "--console %s: want http(s)://HOST:PORT",
				      console);
	moat_buf_init(&url, MOAT_HTTP_MAX_URL);
	moat_buf_init(&auth, 1024);
	moat_buf_init(&body, 1u << 20);
	if (moat_buf_appendf(&url, "%.*s/api/v1/scans", (int)n, console) < 0 ||
	    moat_buf_appendf(&auth, "Authorization: Bearer %s", token) < 0) {
		r = moat_error_set(err, MOAT_E_USAGE, "--console or --token too long");
		goto out;
	}
	const char *headers[] = { (const char *)auth.data, NULL };
	struct moat_http_req req = {
		.method = "POST", .url = (const char *)url.data, .headers = headers,
		.content_type = "application/json", .body = doc->data, .body_len = doc->len,
	};
	if ((r = moat_http_open(&ho, &http, err)) < 0 ||
	    (r = moat_http_send(http, &req, &resp, err)) < 0)
		goto out;
	if (moat_http_resp_status(resp) != 201) {
		/* the console's errors are {"error": "..."} */
		int status = moat_http_resp_status(resp);

		if (moat_http_resp_read_all(resp, &body, MOAT_HTTP_MAX_ERROR_BODY, NULL) == 0 &&
		    moat_json_parse(body.data, body.len, body.len + 1, "answer", &ans, NULL) == 0 &&
		    moat_json_str(ans, "error"))
			r = moat_error_set(err, MOAT_E_RUNTIME, "%s: HTTP %d: %s", url.data, status,
					   moat_json_str(ans, "error"));
		else
			r = moat_error_set(err, MOAT_E_RUNTIME, "%s: HTTP %d", url.data, status);
		goto out;
	}
	if ((r = moat_http_resp_read_all(resp, &body, 1u << 20, err)) < 0 ||
	    (r = moat_json_parse(body.data, body.len, body.len + 1, "console answer", &ans,
				 err)) < 0)
		goto out;
	snprintf(digest, digest_len, "%s", moat_json_str(ans, "image") ?
		 moat_json_str(ans, "image") : "?");
out:
	json_decref(ans);
	moat_http_resp_close(resp);
	moat_http_close(http);
	if (auth.data)
		explicit_bzero(auth.data, auth.len);
	moat_buf_release(&auth);
	moat_buf_release(&url);
	moat_buf_release(&body);
	return r;
}
