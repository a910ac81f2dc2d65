/* SPDX-License-Identifier: Apache-2.0 */
/* console-answer.h - the console's policy answer for the policy translation tests. */
#ifndef MOAT_TEST_CONSOLE_ANSWER_H
#define MOAT_TEST_CONSOLE_ANSWER_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* {"etag", "policies": [...]} with these policies ([...] text); NULL on a
 * bad text. */
static inline json_t *answer(const char *policies)
{
	char *text = NULL;
	json_t *doc;

	if (asprintf(&text, "{\"etag\":\"sha256:e1\",\"policies\":%s}", policies) < 0)
		return NULL;
	doc = json_loads(text, 0, NULL);
	free(text);
	return doc;
}

#endif
