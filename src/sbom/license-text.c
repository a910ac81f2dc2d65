/* SPDX-License-Identifier: Apache-2.0 */
/* license-text.c - licence texts and names to SPDX ids (license-text.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "license-text.h"

/* Lowercase letters and digits; every other run of bytes is one space. */
static size_t fold(const unsigned char *in, size_t len, char *out)
{
	size_t w = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = in[i];

		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c + ('a' - 'A'));
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[w++] = (char)c;
		else if (w && out[w - 1] != ' ')
			out[w++] = ' ';
	}
	return w;
}

static bool has(const char *t, size_t len, const char *phrase)
{
	return memmem(t, len, phrase, strlen(phrase)) != NULL;
}

static bool has_all(const char *t, size_t len, const char *const *phrases)
{
	for (; *phrases; phrases++)
		if (!has(t, len, *phrases))
			return false;
	return true;
}

static const char *const mit[] = {
	"permission is hereby granted free of charge to any person obtaining a copy",
	"the above copyright notice and this permission notice shall be included in all "
	"copies or substantial portions of the software",
	NULL,
};
static const char *const isc[] = {
	"permission to use copy modify and or distribute this software for any purpose "
	"with or without fee is hereby granted",
	"the software is provided as is and the author disclaims all warranties",
	NULL,
};
static const char *const apache2[] = {
	"apache license version 2 0 january 2004",
	"terms and conditions for use reproduction and distribution",
	"grant of copyright license",
	NULL,
};
static const char *const mpl2[] = {
	"mozilla public license version 2 0",
	"covered software",
	"this source code form is subject to the terms of the mozilla public license v 2 0",
	NULL,
};
static const char *const bsd[] = {
	"redistribution and use in source and binary forms with or without modification "
	"are permitted provided that the following conditions are met",
	"redistributions of source code must retain the above copyright notice",
	"redistributions in binary form must reproduce the above copyright notice",
	NULL,
};

/* BSD-2 and BSD-3 differ by the endorsement clause; the four-clause
 * licence (advertising) and other wordings of the third clause are not
 * either. */
static const char *bsd_variant(const char *t, size_t len)
{
	bool endorse = has(t, len, "endorse or promote products derived from this software");

	if (has(t, len, "advertising materials"))
		return NULL;
	if (!endorse)
		return "BSD-2-Clause";
	return has(t, len, "neither the name of") ? "BSD-3-Clause" : NULL;
}

const char *moat_license_identify(const void *text, size_t len)
{
	const char *found = NULL;
	size_t hits = 0;
	char *t;
	size_t n;

	if (len > MOAT_LICENSE_TEXT_MAX)
		len = MOAT_LICENSE_TEXT_MAX;
	if (!(t = malloc(len + 1)))
		return NULL;
	n = fold(text, len, t);
	if (has_all(t, n, mit) && ++hits)
		found = "MIT";
	if (has_all(t, n, isc) && ++hits)
		found = "ISC";
	if (has_all(t, n, apache2) && ++hits)
		found = "Apache-2.0";
	if (has_all(t, n, mpl2) && ++hits)
		found = "MPL-2.0";
	if (has_all(t, n, bsd) && ++hits)
		found = bsd_variant(t, n);
	/* the preamble every GNU licence text (GPL, LGPL, AGPL, FDL) opens with */
	if (hits != 1 || has(t, n, "everyone is permitted to copy and distribute verbatim copies "
			     "of this license document"))
		found = NULL;
	free(t);
	return found;
}

/* Folded names (see fold()) as Maven poms and similar manifests write them. */
static const struct {
	const char *name;
	const char *spdx;
} names[] = {
	{ "apache license version 2 0", "Apache-2.0" },
	{ "the apache license version 2 0", "Apache-2.0" },
	{ "apache software license version 2 0", "Apache-2.0" },
	{ "the apache software license version 2 0", "Apache-2.0" },
	{ "apache license 2 0", "Apache-2.0" },
	{ "apache 2 0", "Apache-2.0" },
	{ "apache 2", "Apache-2.0" },
	{ "apache v2", "Apache-2.0" },
	{ "asl 2 0", "Apache-2.0" },
	{ "apache 2 0 license", "Apache-2.0" },
	{ "mit", "MIT" },
	{ "mit license", "MIT" },
	{ "the mit license", "MIT" },
	{ "the mit license mit", "MIT" },
	{ "isc", "ISC" },
	{ "isc license", "ISC" },
	{ "bsd 2 clause", "BSD-2-Clause" },
	{ "bsd 2 clause license", "BSD-2-Clause" },
	{ "bsd 3 clause", "BSD-3-Clause" },
	{ "bsd 3 clause license", "BSD-3-Clause" },
	{ "new bsd license", "BSD-3-Clause" },
	{ "revised bsd license", "BSD-3-Clause" },
	{ "eclipse public license 1 0", "EPL-1.0" },
	{ "eclipse public license v 1 0", "EPL-1.0" },
	{ "eclipse public license v1 0", "EPL-1.0" },
	{ "eclipse public license 2 0", "EPL-2.0" },
	{ "eclipse public license v 2 0", "EPL-2.0" },
	{ "eclipse public license v2 0", "EPL-2.0" },
	{ "epl 2 0", "EPL-2.0" },
	{ "eclipse distribution license v 1 0", "BSD-3-Clause" },
	{ "mozilla public license 2 0", "MPL-2.0" },
	{ "mozilla public license version 2 0", "MPL-2.0" },
	{ "mpl 2 0", "MPL-2.0" },
	{ "gnu lesser general public license version 2 1", "LGPL-2.1-only" },
	{ "gnu lesser general public license v2 1", "LGPL-2.1-only" },
	{ "lgpl 2 1", "LGPL-2.1-only" },
	{ "cddl 1 1", "CDDL-1.1" },
	{ "common development and distribution license cddl version 1 1", "CDDL-1.1" },
	{ "common development and distribution license cddl version 1 0", "CDDL-1.0" },
	{ "public domain", NULL },
};

const char *moat_license_from_name(const char *name, size_t len)
{
	char buf[128];
	size_t n;

	if (len >= sizeof(buf) / 2)
		return NULL;
	n = fold((const unsigned char *)name, len, buf);
	while (n && buf[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i].name) == n && !memcmp(names[i].name, buf, n))
			return names[i].spdx;
	return NULL;
}
