/* SPDX-License-Identifier: Apache-2.0 */
/*
 * copyright.h - the license of a Debian package from its
 * /usr/share/doc/PKG/copyright file.
 *
 * Machine-readable files (DEP-5, "Format: .../copyright-format/1.0/") name
 * each License in a short form ("GPL-2+", "Expat", "BSD-3-clause"); the
 * unique ones, mapped to SPDX ids ("GPL-2.0-or-later", "MIT",
 * "BSD-3-Clause"), joined with AND, are the package's license. Free-form
 * files are searched for references to /usr/share/common-licenses/NAME and
 * for the MIT and BSD permission texts. Unknown names become
 * "LicenseRef-NAME". Bounded: at most MOAT_COPYRIGHT_MAX_BYTES are read and
 * MOAT_COPYRIGHT_MAX_LICENSES distinct licenses kept.
 */
#ifndef MOAT_SBOM_COPYRIGHT_H
#define MOAT_SBOM_COPYRIGHT_H

#include "base/slice.h"

struct moat_arena;

#define MOAT_COPYRIGHT_MAX_BYTES (1u << 20)
#define MOAT_COPYRIGHT_MAX_LICENSES 16u

/* The license expression, or NULL when the text names none (or on OOM). */
const char *moat_deb_copyright_license(struct moat_arena *arena, struct moat_slice text);

#endif
