/* SPDX-License-Identifier: Apache-2.0 */
/*
 * embedded.h - data files compiled into moat by tools/embed.py (rule sets,
 * word lists). Arrays end with an entry whose name is NULL; data is
 * NUL-terminated past len.
 */
#ifndef MOAT_EMBEDDED_H
#define MOAT_EMBEDDED_H

#include <stddef.h>

struct moat_embedded {
	const char *name;           /* file name, no directory */
	const unsigned char *data;
	size_t len;
};

#endif
