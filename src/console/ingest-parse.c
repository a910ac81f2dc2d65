/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ingest-parse.c - the pure half of ingest: check and normalise one event
 * of a POST /events batch and the head of a moat.scan/v1 document. Both
 * read untrusted JSON (fuzz/fuzz-console-ingest.c), bound every string, and
 * name the field in their errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "base/json.h"
#include "console-int.h"
#include "moat/error.h"

/* Printable ASCII, 1..max bytes (ids, names that end up in SQL and URLs). */
static bool id_ok(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

/* Optional string member no longer than max; MOAT_E_FORMAT otherwise. */
static int opt_str(const json_t *obj, const char *key, size_t max, const char **out,
		   struct moat_error *err)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return moat_error_set(err, MOAT_E_FORMAT, "\"%s\" is not a string of at most %zu "
				      "bytes", key, max);
	*out = json_string_value(v);
	return 0;
}

static bool port_parse(const json_t *v, int *port)
{
	char *end;
	long p;

	if (json_is_integer(v)) {
		p = (long)json_integer_value(v);
	} else if (json_is_string(v)) {
		p = strtol(json_string_value(v), &end, 10);
		if (end == json_string_value(v) || *end)
			return false;
	} else {
		return false;
	}
	if (p < 0 || p > 65535)
		return false;
	*port = (int)p;
	return true;
}

/* A connection: the source's image (or the host), the destination's node
 * as the defender named it (docs/network.md) or its address. */
static void event_edge(struct console_event *e)
{
	const char *daddr = moat_json_str(e->details, "net.daddr");
	const char *dnode = moat_json_str(e->details, "dst.node");
	const char *proto = moat_json_str(e->details, "net.proto");
	const json_t *dport = json_object_get(e->details, "net.dport");

	if (!daddr && !dnode)
		return;
	if (!dport || !port_parse(dport, &e->edge_port))
		e->edge_port = 0;
	if (e->image_digest)
		snprintf(e->edge_src, sizeof(e->edge_src), "image:%s", e->image_digest);
	else
		snprintf(e->edge_src, sizeof(e->edge_src), "host");
	if (dnode && strncmp(dnode, "image:", 6) == 0)
		snprintf(e->edge_dst, sizeof(e->edge_dst), "%s", dnode);
	else
		snprintf(e->edge_dst, sizeof(e->edge_dst), "external:%s", daddr ? daddr : dnode);
	snprintf(e->edge_proto, sizeof(e->edge_proto), "%s",
		 proto && strlen(proto) < sizeof(e->edge_proto) ? proto : "tcp");
}

int console_event_parse(const json_t *ev, int64_t now, struct console_event *e,
			struct moat_error *err)
{
	const char *t = NULL, *kind = NULL;
	const json_t *ctr, *det;
	int r;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(ev))
		return moat_error_set(err, MOAT_E_FORMAT, "an event is not an object");
	if ((r = opt_str(ev, "event_id", CONSOLE_EVENT_ID_MAX, &e->event_id, err)) < 0)
		return r;
	if (!e->event_id || !id_ok(e->event_id, CONSOLE_EVENT_ID_MAX))
		return moat_error_set(err, MOAT_E_FORMAT, "\"event_id\" is missing or not 1..%d "
				      "printable characters", CONSOLE_EVENT_ID_MAX);
	if ((r = opt_str(ev, "time", 64, &t, err)) < 0 ||
	    (r = opt_str(ev, "kind", 32, &kind, err)) < 0 ||
	    (r = opt_str(ev, "rule", 256, &e->rule, err)) < 0 ||
	    (r = opt_str(ev, "severity", 32, &e->severity, err)) < 0 ||
	    (r = opt_str(ev, "node", 256, &e->node, err)) < 0)
		return moat_error_prefix(err, "event %s: ", e->event_id);
	e->ts = now;
	if (t && moat_time_parse(t, &e->ts) < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "event %s: \"time\" is not RFC 3339",
				      e->event_id);
	ctr = json_object_get(ev, "container");
	if (ctr && !json_is_null(ctr)) {
		if (!json_is_object(ctr))
			return moat_error_set(err, MOAT_E_FORMAT, "event %s: \"container\" is not "
					      "an object", e->event_id);
		e->container = ctr;
		if ((r = opt_str(ctr, "id", 128, &e->container_id, err)) < 0 ||
		    (r = opt_str(ctr, "image", 512, &e->image, err)) < 0 ||
		    (r = opt_str(ctr, "image_id", 128, &e->image_digest, err)) < 0)
			return moat_error_prefix(err, "event %s: container: ", e->event_id);
	}
	det = json_object_get(ev, "details");
	if (det && !json_is_null(det)) {
		if (!json_is_object(det))
			return moat_error_set(err, MOAT_E_FORMAT, "event %s: \"details\" is not an "
					      "object", e->event_id);
		e->details = det;
	}
	if (e->details)
		event_edge(e);
	e->kind = kind ? kind : e->edge_dst[0] ? "network" : "runtime";
	return 0;
}

const char *console_layer_owner(int index, int base_layers)
{
	if (base_layers < 0 || index < 0)
		return "unknown";
	return index < base_layers ? "base" : "app";
}

int console_scan_head(const json_t *doc, struct console_scan_head *h, struct moat_error *err)
{
	const json_t *target, *os, *vulns, *base;
	const char *schema;

	memset(h, 0, sizeof(*h));
	h->base_layers = -1;
	if (!json_is_object(doc))
		return moat_error_set(err, MOAT_E_FORMAT, "the scan is not a JSON object");
	schema = moat_json_str(doc, "schema");
	if (!schema || strcmp(schema, "moat.scan/v1") != 0)
		return moat_error_set(err, MOAT_E_FORMAT, "\"schema\" is not \"moat.scan/v1\" (send "
				      "what `moat scan --format json` prints)");
	target = json_object_get(doc, "target");
	if (!json_is_object(target))
		return moat_error_set(err, MOAT_E_FORMAT, "\"target\" is not an object");
	h->digest = moat_json_str(target, "digest");
	if (!h->digest || !moat_digest_valid(h->digest, strlen(h->digest)))
		return moat_error_set(err, MOAT_E_FORMAT, "target.digest is not a sha256 digest "
				      "(dir: scans have none and cannot be uploaded)");
	h->config_digest = moat_json_str(target, "config_digest");
	if (h->config_digest && !moat_digest_valid(h->config_digest, strlen(h->config_digest)))
		return moat_error_set(err, MOAT_E_FORMAT, "target.config_digest is not a sha256 "
				      "digest");
	h->ref = moat_json_str(target, "ref");
	if (h->ref && strlen(h->ref) > 1024)
		return moat_error_set(err, MOAT_E_FORMAT, "target.ref is over 1024 bytes");
	os = json_object_get(target, "os");
	if (json_is_object(os) && moat_json_str(os, "pretty_name"))
		snprintf(h->os, sizeof(h->os), "%s", moat_json_str(os, "pretty_name"));
	else if (json_is_object(os) && moat_json_str(os, "id"))
		snprintf(h->os, sizeof(h->os), "%s %s", moat_json_str(os, "id"),
			 moat_json_str(os, "version_id") ? moat_json_str(os, "version_id") : "");
	vulns = json_object_get(doc, "vulnerabilities");
	base = json_is_object(vulns) ? json_object_get(vulns, "base_image") : NULL;
	if (json_is_object(base) && json_is_integer(json_object_get(base, "layers"))) {
		json_int_t n = json_integer_value(json_object_get(base, "layers"));

		if (n >= 0 && n <= 100000)
			h->base_layers = (int)n;
	}
	return 0;
}
