/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-upload.c - `moat comply docker|k8s|node --console URL --token T`: POST the
 * moat.comply/v1 report to the console (POST /api/v1/compliance) through
 * the producers' one POST (uplink/uplink.h), with this host's name as
 * "node" so the console keeps one report per node, benchmark and target.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "cli.h"
#include "moat/error.h"
#include "net/http.h"
#include "uplink/uplink.h"

#define UPLOAD_TIMEOUT_SEC 60

int cli_comply_upload(const char *console, const char *token, const struct moat_buf *report,
		      struct moat_error *err)
{
	struct moat_http_opts ho = { .timeout_sec = UPLOAD_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_buf body;
	json_t *doc = NULL;
	char host[256] = "", *text = NULL;
	int status, r;

	moat_buf_init(&body, 1u << 16);
	r = moat_json_parse(report->data, report->len, report->len + 1, "the report", &doc, err);
	if (r < 0)
		goto out;
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0])
		json_object_set_new(doc, "node", json_string(host));
	text = json_dumps(doc, JSON_COMPACT);
	if (!text) {
		r = moat_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	if ((r = moat_http_open(&ho, &http, err)) == 0)
		r = moat_console_post(http, console, "/api/v1/compliance", token, text, strlen(text),
				      &body, &status, err);
out:
	free(text);
	json_decref(doc);
	moat_http_close(http);
	moat_buf_release(&body);
	return r;
}

int cli_comply_upload_report(const struct cli_comply_policy *p, cli_report_json_fn json,
			     const void *rep, int rc)
{
	struct moat_error err = {0};
	struct moat_buf out;

	if (!p->console)
		return rc;
	moat_buf_init(&out, 0);
	if (json(&out, rep, &err) < 0) {
		fprintf(stderr, "%s: %s\n", p->cmd, err.msg);
		rc = MOAT_EXIT_INTERNAL;
	} else if (cli_comply_upload(p->console, p->token, &out, &err) < 0) {
		cli_errorf("%s: upload to the console failed: %s\n", p->cmd, err.msg);
		rc = MOAT_EXIT_USAGE;
	} else {
		fprintf(stderr, "%s: uploaded to %s\n", p->cmd, p->console);
	}
	moat_buf_release(&out);
	return rc;
}
