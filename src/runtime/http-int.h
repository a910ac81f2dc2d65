/* SPDX-License-Identifier: Apache-2.0 */
/*
 * http-int.h - byte classes and error helpers shared by http.c (response
 * head, requests, errors) and http-body.c (transport read-ahead and body
 * framing). Not for use outside src/runtime/.
 */
#ifndef MOAT_RUNTIME_HTTP_INT_H
#define MOAT_RUNTIME_HTTP_INT_H

#include <stdbool.h>
#include <stdint.h>

struct moat_error;

/* RFC 9110 token characters (field names, methods). */
bool http_is_tchar(uint8_t c);
/* field-vchar / SP / HTAB, obs-text included: everything but CTLs. */
bool http_is_text(uint8_t c);
/* MOAT_E_FORMAT for a byte the grammar does not allow at `where`; the
 * message names the byte (and says "bare LF" or "CR not followed by LF"). */
int http_bad_byte(struct moat_error *err, const char *where, uint8_t c);

#endif
