/* SPDX-License-Identifier: Apache-2.0 */
/*
 * term.h - text from an image, made safe to show on a terminal.
 *
 * Tags, os-release fields, package names, paths and error messages that
 * carry them are chosen by the image author. Written raw, an ESC sequence
 * among them can recolour, move the cursor, retitle the window or hide the
 * lines around it. Before such text reaches a terminal (the table report,
 * stderr) every byte that is not printable text is shown as a visible
 * escape: C0 controls and DEL as \xNN, C1 controls (raw 0x80-0x9f, or
 * U+0080-U+009F encoded) and bytes that are not valid UTF-8 as \xNN per
 * byte, and the bidirectional overrides that reorder a line (U+202A-U+202E,
 * U+2066-U+2069) as \u{NNNN}. Valid printable UTF-8 is kept as it is.
 * Machine formats (JSON, XML) have their own escaping and stay exact.
 */
#ifndef MOAT_TERM_H
#define MOAT_TERM_H

#include <stddef.h>

struct moat_buf;

/* Append s[0..len) escaped. 0 or MOAT_E_LIMIT (buffer full). */
int moat_term_escape(struct moat_buf *out, const char *s, size_t len);
/* The same for a C string; NULL appends nothing. */
int moat_term_str(struct moat_buf *out, const char *s);
/* Escaped s, then spaces up to width bytes (printf's "%-*s"); NULL is "". */
int moat_term_pad(struct moat_buf *out, const char *s, int width);
/* True if s[0..len) would be changed by escaping. */
int moat_term_needs_escape(const char *s, size_t len);

#endif
