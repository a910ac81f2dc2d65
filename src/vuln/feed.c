/* SPDX-License-Identifier: Apache-2.0 */
/*
 * feed.c - which parser suits a document (by content, then by name), and the
 * feed's own date. Both look at a bounded prefix or at top-level members only,
 * never at all the records.
 */
#include <string.h>

#include "base/buf.h"
#include "base/slice.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "feed-scan.h"
#include "feed.h"

/* Bytes of the document's start that sniffing reads: the markers sit in the
 * first few hundred bytes of every real feed; 256 KiB leaves room for a long
 * OSV "details" before "affected". */
#define SNIFF_WINDOW (256u << 10)

static bool has(struct moat_slice s, const char *needle)
{
	return memmem(s.ptr, s.len, needle, strlen(needle)) != NULL;
}

static bool ends_with(const char *name, const char *suffix)
{
	return name && moat_slice_endswith(moat_slice_str(name), suffix);
}

static struct moat_slice skip_ws(struct moat_slice s)
{
	while (s.len && (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\r' ||
			 s.ptr[0] == '\n')) {
		s.ptr++;
		s.len--;
	}
	return s;
}

/* {"SOURCE": {"CVE-... or "TEMP-...: the tracker's object of objects. */
static bool tracker_shape(struct moat_slice s)
{
	size_t i = 1;

	s = skip_ws(s);
	if (!s.len || s.ptr[0] != '{')
		return false;
	s = skip_ws(moat_slice_make(s.ptr + 1, s.len - 1));
	if (!s.len || s.ptr[0] != '"')
		return false;
	while (i < s.len && s.ptr[i] != '"')
		i += s.ptr[i] == '\\' ? 2 : 1;
	if (i >= s.len)
		return false;
	s = skip_ws(moat_slice_make(s.ptr + i + 1, s.len - i - 1));
	if (!s.len || s.ptr[0] != ':')
		return false;
	s = skip_ws(moat_slice_make(s.ptr + 1, s.len - 1));
	if (!s.len || s.ptr[0] != '{')
		return false;
	s = skip_ws(moat_slice_make(s.ptr + 1, s.len - 1));
	return moat_slice_startswith(s, "\"CVE-") || moat_slice_startswith(s, "\"TEMP-");
}

static const char *sniff_json(struct moat_slice head)
{
	if (has(head, "\"catalogVersion\""))
		return "kev";
	if (head.ptr[0] == '{' && has(head, "\"vulnerabilities\"") && has(head, "\"cve\""))
		return "nvd";
	if (tracker_shape(head))
		return "debian-tracker";
	if (has(head, "\"packages\"") && has(head, "\"pkg\""))
		return "alpine-secdb";
	if (has(head, "\"id\"") && has(head, "\"lastModified\"") && has(head, "\"descriptions\""))
		return "nvd";
	if (has(head, "\"id\"") && (has(head, "\"affected\"") || has(head, "\"modified\"")))
		return "osv";
	return NULL;
}

/* YAML: Alpine's archived secdb (packages: - pkg: secfixes:) or OSV. */
static const char *sniff_yaml(struct moat_slice head)
{
	if (has(head, "packages:") && (has(head, "pkg:") || has(head, "secfixes:")))
		return "alpine-secdb";
	/* An empty branch file (v3.3/community.yaml) has "packages:" and no entries. */
	if (has(head, "secfixes:") || (has(head, "packages:") && has(head, "distroversion:")))
		return "alpine-secdb";
	if (has(head, "id:") && (has(head, "affected:") || has(head, "modified:")))
		return "osv";
	return NULL;
}

static const char *sniff_name(const char *name)
{
	if (!name)
		return NULL;
	if (strstr(name, "known_exploited_vulnerabilities"))
		return "kev";
	if (strstr(name, "nvdcve"))
		return "nvd";
	if (ends_with(name, ".csv") || strstr(name, "epss"))
		return "epss";
	if (ends_with(name, ".yaml") || ends_with(name, ".yml"))
		return "osv";
	return NULL;
}

const char *moat_feed_sniff(const char *name, const uint8_t *data, size_t len)
{
	struct moat_slice head = skip_ws(moat_slice_make(data, data ? len : 0));
	const char *kind = NULL;

	if (head.len > SNIFF_WINDOW)
		head.len = SNIFF_WINDOW;
	if (moat_slice_startswith(head, "\xef\xbb\xbf"))  /* UTF-8 BOM */
		head = skip_ws(moat_slice_make(head.ptr + 3, head.len - 3));
	if (moat_slice_startswith(head, "#model_version") || moat_slice_startswith(head, "cve,epss"))
		return "epss";
	if (head.len && (head.ptr[0] == '{' || head.ptr[0] == '['))
		kind = sniff_json(head);
	else if (head.len && (ends_with(name, ".yaml") || ends_with(name, ".yml") ||
			      !ends_with(name, ".json")))
		kind = sniff_yaml(head);
	return kind ? kind : head.len ? sniff_name(name) : NULL;
}

/* ---- feed dates ----------------------------------------------------- */

static int copy_out(struct moat_slice v, char *buf, size_t size)
{
	size_t n = v.len < size - 1 ? v.len : size - 1;

	memcpy(buf, v.ptr, n);
	buf[n] = '\0';
	return 0;
}

/* "#model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000" */
static int epss_date(struct moat_slice in, char *buf, size_t size)
{
	struct moat_slice line, field;

	if (!moat_slice_line(&in, &line) || !moat_slice_startswith(line, "#"))
		return MOAT_E_NOTFOUND;
	line.ptr++;
	line.len--;
	while (moat_slice_split(&line, ',', &field)) {
		if (moat_slice_startswith(field, "score_date:"))
			return copy_out(moat_slice_make(field.ptr + 11, field.len - 11), buf, size);
	}
	return MOAT_E_NOTFOUND;
}

/* A top-level string member of a JSON object, found without a tree. */
static int json_date(const uint8_t *data, size_t len, const char *const *keys, char *buf,
		     size_t size, struct moat_error *err)
{
	struct feed_scan scan;
	struct moat_slice key, value, found[2] = { { NULL, 0 }, { NULL, 0 } };
	struct moat_buf text;
	int r;

	feed_scan_init(&scan, data, len, "feed");
	r = feed_scan_enter(&scan, '{', err);
	while (r >= 0) {
		r = feed_scan_next(&scan, &key, &value, err);
		if (r <= 0)
			break;
		for (int k = 0; k < 2 && keys[k]; k++)
			if (feed_scan_key_is(key, keys[k]) && value.len && value.ptr[0] == '"')
				found[k] = value;
	}
	if (r < 0)
		return r;
	value = found[0].ptr ? found[0] : found[1];
	if (!value.ptr)
		return MOAT_E_NOTFOUND;
	moat_buf_init(&text, MOAT_LIMIT_PATH_BYTES);
	r = feed_scan_decode_key(&scan, value, &text, err);
	if (r >= 0)
		copy_out(moat_slice_make(text.data ? text.data : (const uint8_t *)"", text.len),
			 buf, size);
	moat_buf_release(&text);
	return r;
}

int moat_feed_date(const char *kind, const uint8_t *data, size_t len, char *buf, size_t size,
		   struct moat_error *err)
{
	static const char *const kev_keys[] = { "dateReleased", "catalogVersion" };
	static const char *const nvd_keys[] = { "timestamp", NULL };
	int r;

	if (!kind || !buf || !size || (!data && len))
		return moat_error_set(err, MOAT_E_USAGE, "feed date: bad arguments");
	buf[0] = '\0';
	if (strcmp(kind, "epss") == 0)
		r = epss_date(moat_slice_make(data, len), buf, size);
	else if (strcmp(kind, "kev") == 0)
		r = json_date(data, len, kev_keys, buf, size, err);
	else if (strcmp(kind, "nvd") == 0)
		r = json_date(data, len, nvd_keys, buf, size, err);
	else
		r = MOAT_E_NOTFOUND;
	if (r == MOAT_E_NOTFOUND)
		return moat_error_set(err, r, "%s feed: no date in the document", kind);
	return r;
}
