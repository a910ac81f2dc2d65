/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan-upload.c - `moat scan --console URL --token T`: POST the scan's
 * moat.scan/v1 JSON to the console (POST /api/v1/scans) through the
 * producers' one POST (uplink/uplink.h: moat_console_post, libcurl), after
 * the report went out as usual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/json.h"
#include "moat/error.h"
#include "net/http.h"
#include "scan-run.h"
#include "uplink/uplink.h"

/* Scans can be large; the console answers once it has stored everything. */
#define UPLOAD_TIMEOUT_SEC 120

int scan_upload(const char *console, const char *token, const char *cacert,
		const struct moat_buf *doc, char *digest, size_t digest_len,
		struct moat_error *err)
{
	struct moat_http_opts ho = { .cacert = cacert, .timeout_sec = UPLOAD_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_buf body;
	json_t *ans = NULL;
	int status, r;

	moat_buf_init(&body, 1u << 20);
	if ((r = moat_http_open(&ho, &http, err)) < 0 ||
	    (r = moat_console_post(http, console, "/api/v1/scans", token, doc->data, doc->len,
				   &body, &status, err)) < 0 ||
	    (r = moat_json_parse(body.data, body.len, body.len + 1, "console answer", &ans,
				 err)) < 0)
		goto out;
	snprintf(digest, digest_len, "%s", moat_json_str(ans, "image") ?
		 moat_json_str(ans, "image") : "?");
out:
	json_decref(ans);
	moat_http_close(http);
	moat_buf_release(&body);
	return r;
}
