/* SPDX-License-Identifier: Apache-2.0 */
/*
 * comply-upload.c - `moat comply docker|k8s|node --console URL --token T`: POST the
 * moat.comply/v1 report to the console (POST /api/v1/compliance) through
 * the producers' one POST (uplink/uplink.h), with this host's name as
 * "node" so the console keeps one report per node, benchmark and target;
 * and, before the run, GET the console's compliance policies that the run
 * enforces (GET /api/v1/compliance/policies).
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
#include "policy/policy.h"
#include "uplink/uplink.h"

#define UPLOAD_TIMEOUT_SEC 60
#define PULL_TIMEOUT_SEC 30

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

/* Keep the policies that are not scoped; name the others. */
static void keep_unscoped(struct cli_comply_policy *p, struct moat_policy **list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!moat_policy_scoped(list[i])) {
			p->console_pol[p->n_console++] = list[i];
			continue;
		}
		cli_errorf("%s: %s is scoped (images, namespaces or labels): it is enforced per "
			   "object at admission (moat webhook --console), not by this report\n",
			   p->cmd, moat_policy_origin(list[i]));
		moat_policy_free(list[i]);
	}
	free(list);
}

int cli_comply_pull(struct cli_comply_policy *p)
{
	struct moat_http_opts ho = { .timeout_sec = PULL_TIMEOUT_SEC };
	struct moat_http *http = NULL;
	struct moat_error err = {0};
	struct moat_policy **list = NULL;
	struct moat_buf body;
	json_t *doc = NULL;
	size_t n = 0;
	int status = 0, r;

	moat_buf_init(&body, 1u << 20);
	r = moat_http_open(&ho, &http, &err);
	if (r == 0)
		r = moat_console_call(http, "GET", p->console, "/api/v1/compliance/policies",
				      p->token, NULL, 0, &body, &status, &err);
	if (r == 0)
		r = moat_json_parse(body.data, body.len, body.len + 1, "the answer", &doc, &err);
	if (r == 0)
		r = moat_policy_comply_from_console(doc, p->bench, &list, &n, p->framework,
						    sizeof(p->framework), &err);
	if (r == 0 && !(p->console_pol = calloc(n + 1, sizeof(struct moat_policy *)))) {
		moat_policy_list_free(list, n);
		r = moat_error_set(&err, -ENOMEM, "out of memory");
	}
	if (r == 0) {
		keep_unscoped(p, list, n);
		fprintf(stderr, "%s: %zu compliance polic%s from the console %s in force (etag "
			"%.12s)\n", p->cmd, p->n_console, p->n_console == 1 ? "y" : "ies",
			p->console, moat_json_str(doc, "etag") ? moat_json_str(doc, "etag") : "?");
	} else {
		cli_errorf("%s: the console %s: reading its compliance policies: %s\n", p->cmd,
			   p->console, err.msg[0] ? err.msg : moat_strerror(r));
	}
	json_decref(doc);
	moat_http_close(http);
	moat_buf_release(&body);
	return r < 0 ? -1 : 0;
}
