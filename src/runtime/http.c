/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http.c - strict HTTP/1.1 response heads, error answers and requests.
 *
 * The response head is parsed by a byte-at-a-time state machine (status line
 * and header fields) that keeps its state in the caller's struct, so a read
 * may end anywhere, even in the middle of "\r\n". Body framing lives in
 * http-body.c.
 */
#include <string.h>

#include "base/json.h"
#include "moat-config.h"
#include "moat/error.h"
#include "http-int.h"
#include "http.h"
#include "net/http.h"

enum head_state {
	H_PROTO,        /* matching "HTTP/1." */
	H_MINOR,        /* the minor version digit */
	H_SP_STATUS,    /* the space before the status code */
	H_STATUS,       /* three status digits */
	H_AFTER_STATUS, /* space before the reason, or CR when it is absent */
	H_REASON,
	H_STATUS_LF,
	H_FIELD_START,  /* a field name, or CR of the blank line */
	H_NAME,
	H_VALUE_WS,     /* OWS before the value */
	H_VALUE,
	H_FIELD_LF,
	H_END_LF,
	H_DONE,
};

static const char http_proto[] = "HTTP/1.";

bool http_is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool http_is_text(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

static bool slice_eq_nocase(struct moat_slice s, const char *str)
{
	size_t n = strlen(str);

	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(s.ptr[i]) != lower((uint8_t)str[i]))
			return false;
	return true;
}

int http_bad_byte(struct moat_error *err, const char *where, uint8_t c)
{
	if (c == '\n')
		return moat_error_set(err, MOAT_E_FORMAT, "http: bare LF in %s", where);
	if (c == '\r')
		return moat_error_set(err, MOAT_E_FORMAT, "http: CR not followed by LF in %s",
				      where);
	return moat_error_set(err, MOAT_E_FORMAT, "http: unexpected byte 0x%02x in %s", c, where);
}

void moat_http_response_init(struct moat_http_response *resp)
{
	memset(resp, 0, sizeof(*resp));
	moat_buf_init(&resp->store, MOAT_HTTP_MAX_HEADER_BYTES);
	resp->state = H_PROTO;
}

void moat_http_response_release(struct moat_http_response *resp)
{
	moat_buf_release(&resp->store);
	moat_http_response_init(resp);
}

/* "HTTP/1.x NNN reason\r\n"; the reason may be empty or absent. */
static int status_step(struct moat_http_response *resp, uint8_t c, struct moat_error *err)
{
	switch (resp->state) {
	case H_PROTO:
		if (c != (uint8_t)http_proto[resp->idx])
			return http_bad_byte(err, "status line protocol", c);
		if (++resp->idx == sizeof(http_proto) - 1)
			resp->state = H_MINOR;
		return 0;
	case H_MINOR:
		if (c >= '2' && c <= '9')
			return moat_error_set(err, MOAT_E_FORMAT,
					      "http: unsupported version HTTP/1.%c", c);
		if (c != '0' && c != '1')
			return http_bad_byte(err, "status line version", c);
		resp->minor = c - '0';
		resp->state = H_SP_STATUS;
		return 0;
	case H_SP_STATUS:
		if (c != ' ')
			return http_bad_byte(err, "status line after the version", c);
		resp->idx = 0;
		resp->state = H_STATUS;
		return 0;
	case H_STATUS:
		if (c < '0' || c > '9' || (resp->idx == 0 && (c < '1' || c > '5')))
			return http_bad_byte(err, "status code", c);
		resp->status = resp->status * 10 + (c - '0');
		if (++resp->idx < 3)
			return 0;
		if (resp->status < 200)
			return moat_error_set(err, MOAT_E_UNSUPPORTED,
					      "http: interim response %d not supported",
					      resp->status);
		resp->state = H_AFTER_STATUS;
		return 0;
	case H_AFTER_STATUS:
		if (c == '\r')
			resp->state = H_STATUS_LF;
		else if (c == ' ')
			resp->state = H_REASON;
		else
			return http_bad_byte(err, "status code", c);
		return 0;
	case H_REASON:
		if (c == '\r')
			resp->state = H_STATUS_LF;
		else if (!http_is_text(c))
			return http_bad_byte(err, "reason phrase", c);
		return 0;
	}
	/* H_STATUS_LF */
	if (c != '\n')
		return http_bad_byte(err, "status line", '\r');
	resp->state = H_FIELD_START;
	return 0;
}

/* The field being parsed: only after field_begin() checked nheaders. */
static struct moat_http_header *field_cur(struct moat_http_response *resp)
{
	return &resp->headers[resp->nheaders];
}

/* Keep a name or value byte; the head limit keeps the store below its max. */
static int store_byte(struct moat_http_response *resp, uint8_t c, struct moat_error *err)
{
	int r = moat_buf_putc(&resp->store, (char)c);

	if (r < 0)
		return moat_error_set(err, r, "http: no memory for header fields");
	return 0;
}

/* Start a field at its first name byte. */
static int field_begin(struct moat_http_response *resp, uint8_t c, struct moat_error *err)
{
	struct moat_http_header *h;

	if (resp->nheaders == MOAT_HTTP_MAX_HEADERS)
		return moat_error_set(err, MOAT_E_LIMIT, "http: more than %u header fields",
				      MOAT_HTTP_MAX_HEADERS);
	h = field_cur(resp);
	h->name_off = (uint32_t)resp->store.len;
	h->name_len = 0;
	resp->state = H_NAME;
	return store_byte(resp, lower(c), err);
}

/* Finish a field at its CR: drop trailing OWS from the value. */
static void field_end(struct moat_http_response *resp)
{
	struct moat_http_header *h = field_cur(resp);

	h->value_len = (uint32_t)resp->store.len - h->value_off;
	while (h->value_len) {
		uint8_t last = resp->store.data[h->value_off + h->value_len - 1];

		if (last != ' ' && last != '\t')
			break;
		h->value_len--;
	}
	resp->nheaders++;
}

static int field_step(struct moat_http_response *resp, uint8_t c, struct moat_error *err)
{
	switch (resp->state) {
	case H_FIELD_START:
		if (c == '\r') {
			resp->state = H_END_LF;
			return 0;
		}
		if (c == ' ' || c == '\t')
			return moat_error_set(err, MOAT_E_FORMAT,
					      "http: obsolete line folding in header field");
		if (!http_is_tchar(c))
			return http_bad_byte(err, "header field name", c);
		return field_begin(resp, c, err);
	case H_NAME:
		if (c == ':') {
			struct moat_http_header *h = field_cur(resp);

			h->name_len = (uint32_t)resp->store.len - h->name_off;
			h->value_off = (uint32_t)resp->store.len;
			resp->state = H_VALUE_WS;
			return 0;
		}
		if (!http_is_tchar(c))
			return http_bad_byte(err, "header field name", c);
		return store_byte(resp, lower(c), err);
	case H_VALUE_WS:
		if (c == ' ' || c == '\t')
			return 0;
		resp->state = H_VALUE;
		__attribute__((fallthrough));
	case H_VALUE:
		if (c == '\r') {
			field_end(resp);
			resp->state = H_FIELD_LF;
			return 0;
		}
		if (!http_is_text(c))
			return http_bad_byte(err, "header field value", c);
		return store_byte(resp, c, err);
	case H_FIELD_LF:
		if (c != '\n')
			return http_bad_byte(err, "header field", '\r');
		resp->state = H_FIELD_START;
		return 0;
	}
	/* H_END_LF */
	if (c != '\n')
		return http_bad_byte(err, "end of header", '\r');
	resp->state = H_DONE;
	return 0;
}

static struct moat_slice header_name(const struct moat_http_response *resp, unsigned i)
{
	const struct moat_http_header *h = &resp->headers[i];

	return moat_slice_make(resp->store.data + h->name_off, h->name_len);
}

static struct moat_slice header_value(const struct moat_http_response *resp, unsigned i)
{
	const struct moat_http_header *h = &resp->headers[i];

	return moat_slice_make(resp->store.data + h->value_off, h->value_len);
}

bool moat_http_response_header(const struct moat_http_response *resp, const char *name,
			       struct moat_slice *ret_value)
{
	for (unsigned i = 0; i < resp->nheaders; i++) {
		if (slice_eq_nocase(header_name(resp, i), name)) {
			*ret_value = header_value(resp, i);
			return true;
		}
	}
	return false;
}

/*
 * Message framing (RFC 9112 section 6). Conflicting or repeated lengths and
 * Transfer-Encoding together with Content-Length are how responses get
 * smuggled past one parser and not another, so they are errors here.
 */
static int head_framing(struct moat_http_response *resp, struct moat_error *err)
{
	for (unsigned i = 0; i < resp->nheaders; i++) {
		struct moat_slice name = header_name(resp, i);
		struct moat_slice value = header_value(resp, i);
		uint64_t len;

		if (moat_slice_eq_str(name, "content-length")) {
			if (!moat_slice_to_u64(value, &len) || len > INT64_MAX)
				return moat_error_set(err, MOAT_E_FORMAT,
						      "http: bad Content-Length \"%.*s\"",
						      (int)(value.len > 32 ? 32 : value.len),
						      (const char *)value.ptr);
			if (resp->has_length && len != resp->length)
				return moat_error_set(err, MOAT_E_FORMAT,
						      "http: conflicting Content-Length headers");
			resp->has_length = true;
			resp->length = len;
		} else if (moat_slice_eq_str(name, "transfer-encoding")) {
			if (!slice_eq_nocase(value, "chunked"))
				return moat_error_set(err, MOAT_E_UNSUPPORTED,
						      "http: Transfer-Encoding \"%.*s\" not supported",
						      (int)(value.len > 32 ? 32 : value.len),
						      (const char *)value.ptr);
			if (resp->chunked)
				return moat_error_set(err, MOAT_E_FORMAT,
						      "http: Transfer-Encoding repeated");
			resp->chunked = true;
		}
	}
	if (resp->chunked && resp->has_length)
		return moat_error_set(err, MOAT_E_FORMAT,
				      "http: both Transfer-Encoding and Content-Length");
	return 1;
}

static int head_step(struct moat_http_response *resp, uint8_t c, struct moat_error *err)
{
	if (++resp->head_bytes > MOAT_HTTP_MAX_HEADER_BYTES)
		return moat_error_set(err, MOAT_E_LIMIT, "http: response head over %u bytes",
				      MOAT_HTTP_MAX_HEADER_BYTES);
	if (++resp->line_bytes > MOAT_HTTP_MAX_LINE)
		return moat_error_set(err, MOAT_E_LIMIT, "http: header line over %u bytes",
				      MOAT_HTTP_MAX_LINE);
	if (c == '\n')
		resp->line_bytes = 0;
	if (resp->state <= H_STATUS_LF)
		return status_step(resp, c, err);
	return field_step(resp, c, err);
}

int moat_http_response_parse(struct moat_http_response *resp, const uint8_t *data, size_t len,
			     size_t *ret_used, struct moat_error *err)
{
	size_t i;

	*ret_used = 0;
	if (resp->state == H_DONE)
		return 1;
	for (i = 0; i < len && resp->state != H_DONE; i++) {
		int r = head_step(resp, data[i], err);

		if (r < 0) {
			*ret_used = i;
			return r;
		}
	}
	*ret_used = i;
	if (resp->state != H_DONE)
		return 0;
	return head_framing(resp, err);
}

int moat_http_rx_fail(struct moat_http_rx *rx, const char *what, struct moat_error *err)
{
	struct moat_buf body;
	int r;

	moat_buf_init(&body, MOAT_HTTP_MAX_ERROR_BODY + 1);
	/* A cut-off or broken body still yields whatever text arrived. */
	moat_http_rx_read_all(rx, &body, MOAT_HTTP_MAX_ERROR_BODY, NULL);
	r = moat_http_body_fail(rx->resp.status, &body, what, err);
	moat_buf_release(&body);
	return r;
}

/* True when s is non-empty and every byte passes ok(). */
static bool all_bytes(const char *s, bool (*ok)(uint8_t c))
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!ok((uint8_t)*s))
			return false;
	return true;
}

static bool is_target_byte(uint8_t c)
{
	return c > 0x20 && c < 0x7f;
}

static bool is_header_text(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

int moat_http_format_request(struct moat_buf *out, const char *method, const char *target,
			     const char *host, const char *content_type, struct moat_slice *body,
			     struct moat_error *err)
{
	int r;

	if (!all_bytes(method, http_is_tchar) || !target || target[0] != '/' ||
	    !all_bytes(target, is_target_byte) || !all_bytes(host, is_target_byte) ||
	    (body && !all_bytes(content_type, is_header_text)))
		return moat_error_set(err, MOAT_E_USAGE, "http: bad method, target or header");
	/* Connection: close because each request gets its own connection: the
	 * end of the stream then also marks the end of a read-to-close body. */
	r = moat_buf_appendf(out,
			     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: moat/%s\r\n"
			     "Accept: */*\r\nConnection: close\r\n",
			     method, target, host, MOAT_VERSION);
	if (r == 0 && body)
		r = moat_buf_appendf(out, "Content-Type: %s\r\nContent-Length: %zu\r\n",
				     content_type, body->len);
	if (r == 0)
		r = moat_buf_append(out, "\r\n", 2);
	if (r == 0 && body)
		r = moat_buf_append(out, body->ptr, body->len);
	if (r < 0)
		return moat_error_set(err, r, "http: request does not fit");
	return 0;
}
