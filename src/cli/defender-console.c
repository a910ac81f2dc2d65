/* SPDX-License-Identifier: Apache-2.0 */
/* defender-console.c - the defender's link to the console (defender-console.h). */
#include "defender-console.h"
#include "defender-scan.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "defend/state.h"
#include "moat-config.h"
#include "moat/error.h"
#include "uplink/control.h"
#include "uplink/uplink.h"

static size_t note_rules;
static uint64_t note_alerts;
static struct moat_uplink *health_uplink;
static struct defender_scan *health_scan;

void defender_console_note_scans(struct defender_scan *scan)
{
	__atomic_store_n(&health_scan, scan, __ATOMIC_RELEASE);
}

/* The node's image scans in the heartbeat. */
static void scan_health(json_t *hb)
{
	struct defender_scan *scan = __atomic_load_n(&health_scan, __ATOMIC_ACQUIRE);
	struct defender_scan_stats st;

	if (!scan)
		return;
	defender_scan_stats(scan, &st);
	json_object_set_new(hb, "images_scanned", json_integer((json_int_t)st.scanned));
	json_object_set_new(hb, "images_failed", json_integer((json_int_t)st.failed));
	json_object_set_new(hb, "images_queued", json_integer((json_int_t)st.queued));
	if (st.last_error[0])
		json_object_set_new(hb, "scan_error", json_string(st.last_error));
}

static pthread_mutex_t policy_mu = PTHREAD_MUTEX_INITIALIZER;
static char policy_error[512];          /* under policy_mu */

void defender_console_policy_error(const char *msg)
{
	pthread_mutex_lock(&policy_mu);
	snprintf(policy_error, sizeof(policy_error), "%s%s", msg && msg[0] ? "policy not applied: "
		 : "", msg ? msg : "");
	pthread_mutex_unlock(&policy_mu);
}

void defender_console_note(size_t rules, uint64_t alerts)
{
	__atomic_store_n(&note_rules, rules, __ATOMIC_RELAXED);
	__atomic_store_n(&note_alerts, alerts, __ATOMIC_RELAXED);
}

static void uplink_warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "moat defender: console: %s (alerts wait in the spool)\n", msg);
}

static void ctl_warn(void *ctx, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "moat defender: console control: %s (the last policy stays in force)\n",
		msg);
}

/* The heartbeat's fields, on the control thread. */
static void health(void *ctx, json_t *hb)
{
	(void)ctx;
	json_object_set_new(hb, "version", json_string(MOAT_VERSION));
	pthread_mutex_lock(&policy_mu);
	if (policy_error[0])
		json_object_set_new(hb, "last_error", json_string(policy_error));
	pthread_mutex_unlock(&policy_mu);
	json_object_set_new(hb, "rules", json_integer((json_int_t)__atomic_load_n(
		&note_rules, __ATOMIC_RELAXED)));
	json_object_set_new(hb, "alerts", json_integer((json_int_t)__atomic_load_n(
		&note_alerts, __ATOMIC_RELAXED)));
	scan_health(hb);
	moat_uplink_health(health_uplink, hb);
}

/* One secret from a file (trailing white space dropped). */
static int read_secret(const char *path, struct moat_buf *out, struct moat_error *err)
{
	int r = moat_read_file(path, 4096, out, err);

	if (r < 0)
		return r;
	while (out->len && strchr(" \t\r\n", out->data[out->len - 1]))
		out->data[--out->len] = 0;
	return 0;
}

static int credentials(const struct defender_console_opts *o, const char *state,
		       struct moat_buf *tok, struct moat_identity *id, const char **ret,
		       struct moat_error *err)
{
	const char *join = o->join_token;
	char node[256] = "";
	bool enrolled;
	int r;

	*ret = o->token;
	if (o->token_file) {
		if ((r = read_secret(o->token_file, tok, err)) < 0)
			return r;
		*ret = (const char *)tok->data;
	}
	if (!*ret && !join && !o->join_token_file)
		*ret = getenv("MOAT_CONSOLE_TOKEN");
	if (*ret && (join || o->join_token_file))
		return moat_error_set(err, MOAT_E_USAGE, "--token and --join-token exclude each "
				      "other (a join token makes the defender its own identity)");
	if (*ret)
		return (*ret)[0] ? 0 : moat_error_set(err, MOAT_E_USAGE, "the console token is empty");
	if (o->join_token_file) {
		if ((r = read_secret(o->join_token_file, tok, err)) < 0)
			return r;
		join = (const char *)tok->data;
	}
	gethostname(node, sizeof(node) - 1);
	/* no join token: an identity enrolled before, or the usage error below */
	r = moat_identity_get(state, o->url, o->cacert, join && join[0] ? join : NULL, node,
			      MOAT_VERSION, id, &enrolled, err);
	if (r == MOAT_E_NOTFOUND && !join)
		return moat_error_set(err, MOAT_E_USAGE, "--console needs a token (--token, "
				      "--token-file or $MOAT_CONSOLE_TOKEN) or --join-token, or an "
				      "identity enrolled before in %s", state);
	if (r < 0)
		return r;
	fprintf(stderr, "moat defender: console %s: %s defender %s\n", o->url,
		enrolled ? "enrolled as" : "identity of", id->id);
	*ret = id->secret;
	return 0;
}

int defender_console_open(const struct defender_console_opts *o, struct defender_console *dc,
			  struct moat_error *err)
{
	const char *state = o->state_dir ? o->state_dir : MOAT_STATE_DEFAULT_DIR;
	struct moat_uplink_opts up = { .url = o->url, .cacert = o->cacert,
				       .spool_max_bytes = o->spool_max_bytes,
				       .on_warn = uplink_warn, .version = MOAT_VERSION };
	struct moat_console_ctl_opts co = { .url = o->url, .cacert = o->cacert, .dir = state,
					    .interval_ms = o->interval_ms, .health = health,
					    .on_warn = ctl_warn };
	static char node[256];
	struct moat_identity id = { 0 };
	struct moat_buf tok;
	int r;

	memset(dc, 0, sizeof(*dc));
	if (!o->url)
		return o->token || o->token_file || o->join_token || o->join_token_file
			       ? moat_error_set(err, MOAT_E_USAGE, "--token and --join-token need "
						"--console") : 0;
	if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0)
		return moat_error_set(err, MOAT_E_USAGE, "--console %s: want http(s)://HOST:PORT",
				      o->url);
	mkdir(state, 0700);     /* the state module makes the rest of it later */
	moat_buf_init(&tok, 4096);
	r = credentials(o, state, &tok, &id, &up.token, err);
	if (o->spool_dir)
		snprintf(dc->spool_dir, sizeof(dc->spool_dir), "%s", o->spool_dir);
	else
		snprintf(dc->spool_dir, sizeof(dc->spool_dir), "%s/uplink", state);
	up.spool_dir = dc->spool_dir;
	if (gethostname(node, sizeof(node) - 1) == 0)
		up.node = node;
	if (r == 0)
		r = moat_uplink_open(&up, &dc->uplink, err);
	co.token = up.token;
	if (r == 0 && !(dc->token = strdup(up.token)))
		r = moat_error_set(err, -ENOMEM, "out of memory");
	health_uplink = dc->uplink;
	if (r == 0)
		r = moat_console_ctl_open(&co, &dc->ctl, err);
	if (tok.data)
		explicit_bzero(tok.data, tok.len);
	moat_buf_release(&tok);
	explicit_bzero(&id, sizeof(id));
	return r;
}

void defender_console_close(struct defender_console *dc)
{
	moat_console_ctl_close(dc->ctl);
	dc->ctl = NULL;
	if (dc->token)
		explicit_bzero(dc->token, strlen(dc->token));
	free(dc->token);
	dc->token = NULL;
}
