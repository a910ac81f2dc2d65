/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-console-ingest.c - what the console reads from producers: an event
 * batch (POST /events) with its container inventory (Kubernetes facts,
 * published ports), a moat.scan/v1 document (POST /scans), a moat.comply/v1
 * report (POST /compliance), a policy's rules (POST /policies), an
 * admission controller's heartbeat (what is kept of it), and the
 * RFC 3339 / duration parsers behind ?since=. Whole ingest also scores the
 * images again in their environment (risk-env.c).
 *
 * The first byte picks the mode: 0 the pure parsers only (each event of a
 * batch, the scan head, the rest as a time string); 1 the whole ingest into
 * a real SQLite store (a temporary data directory, removed at exit), which
 * must accept or refuse the input whole: a refused batch leaves the event
 * count unchanged, and an accepted one is idempotent when sent again.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "console/console-int.h"
#include "moat/error.h"

#define FUZZ_MAX_INPUT (1u << 20)

static struct moat_console *store;
static char store_dir[] = "/tmp/moat-fuzz-console.XXXXXX";

static void store_cleanup(void)
{
	static const char *const files[] = { "moat.db", "moat.db-wal", "moat.db-shm" };
	char path[128];

	moat_console_close(store);
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", store_dir, files[i]);
		unlink(path);
	}
	rmdir(store_dir);
}

static struct moat_console *store_get(void)
{
	struct moat_console_opts o = { .data_dir = store_dir, .version = "fuzz" };

	if (store)
		return store;
	if (!mkdtemp(store_dir) || moat_console_open(&o, &store, NULL) < 0)
		abort();
	atexit(store_cleanup);
	return store;
}

static int64_t count_events(struct moat_console *c)
{
	int64_t n = -1;

	if (moat_db_int_query(c->db, "SELECT COUNT(*) FROM events", NULL, 0, -1, &n, NULL) < 0)
		abort();
	return n;
}

static void pure(const json_t *doc, const uint8_t *data, size_t size)
{
	struct moat_error err = { 0 };
	struct console_scan_head h;
	struct console_comply_head ch;
	struct console_event e;
	const json_t *ev;
	char text[128];
	int64_t us;
	size_t i;

	json_array_foreach(json_object_get(doc, "events"), i, ev)
		if (console_event_parse(ev, 0, &e, &err) == 0 && (!e.event_id || !e.kind))
			abort();
	console_scan_head(doc, &h, &err);
	json_array_foreach(json_object_get(doc, "containers"), i, ev) {
		json_t *k8s = console_container_k8s(ev), *port;
		size_t k;
		bool outside;

		if (k8s && !json_is_object(k8s))
			abort();
		json_decref(k8s);
		json_array_foreach(json_object_get(ev, "ports"), k, port)
			if (!console_port_published(port, &outside) && outside)
				abort(); /* not published, yet outside */
	}
	if (console_comply_parse(doc, &ch, &err) == 0 && (!ch.benchmark || !ch.node || !ch.target))
		abort();
	if (moat_json_str(doc, "kind") && json_is_object(json_object_get(doc, "rules"))) {
		char msg[512];

		if (!console_policy_rules_check(moat_json_str(doc, "kind"),
						json_object_get(doc, "rules"), msg, sizeof(msg)) &&
		    !msg[0])
			abort(); /* refused without a reason */
	}
	/* an admission controller's heartbeat: known fields only, bounded lists */
	json_t *adm = console_admission_health_doc(doc);
	const json_t *set = json_object_get(adm, "policy_set");

	if (adm && (json_array_size(json_object_get(set, "policies")) > 128 ||
		    json_object_get(adm, "producer") || json_object_get(adm, "node")))
		abort();
	json_decref(adm);
	if (size < sizeof(text)) {
		memcpy(text, data, size);
		text[size] = '\0';
		moat_time_parse(text, &us);
		console_since_parse(text, 1000000000000000LL, &us);
	}
}

static void whole(json_t *doc)
{
	struct moat_console *c = store_get();
	struct moat_error err = { 0 };
	size_t acc = 0, dup = 0, acc2 = 0, dup2 = 0;
	char digest[72];
	int64_t before = count_events(c);

	if (moat_console_ingest_events(c, doc, "fuzz", &acc, &dup, &err) < 0) {
		if (count_events(c) != before)
			abort(); /* a refused batch stored something */
	} else {
		if (count_events(c) != before + (int64_t)acc)
			abort();
		if (moat_console_ingest_events(c, doc, "fuzz", &acc2, &dup2, &err) < 0 || acc2 != 0 ||
		    dup2 != acc + dup)
			abort(); /* not idempotent */
	}
	moat_console_ingest_scan(c, doc, "fuzz", digest, &err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc;
	uint8_t mode;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	mode = data[0];
	data++;
	size--;
	doc = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (mode & 1) {
		if (doc)
			whole(doc);
	} else {
		pure(doc, data, size);
	}
	json_decref(doc);
	return 0;
}
