/* SPDX-License-Identifier: Apache-2.0 */
/*
 * license-text.h - name the licence of a LICENSE file's text, and map the
 * licence names people write in manifests (Maven's <license><name>) to SPDX.
 *
 * Only the common permissive and weak-copyleft texts are recognised (MIT,
 * Apache-2.0, BSD-2-Clause, BSD-3-Clause, ISC, MPL-2.0), by phrases of the
 * licence's own grant that every faithful copy holds, after folding case,
 * punctuation and line breaks. Text that holds none of them, more than one
 * (dual licensing, bundled third-party notices) or a GNU licence's text as well
 * gives NULL: no licence is better than a guessed one.
 */
#ifndef MOAT_SBOM_LICENSE_TEXT_H
#define MOAT_SBOM_LICENSE_TEXT_H

#include <stddef.h>

/* Longest text looked at; a licence file is a few KB (Apache's is 11 KB). */
#define MOAT_LICENSE_TEXT_MAX (256u << 10)

/* The SPDX id of text (a static string), or NULL when not recognised. */
const char *moat_license_identify(const void *text, size_t len);
/* The SPDX id for a licence name as manifests write it ("The Apache
 * Software License, Version 2.0", "MIT License", "EPL 2.0"), or NULL. */
const char *moat_license_from_name(const char *name, size_t len);

#endif
