/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-baseline.c - baseline.json through the model loader; a model that
 * loads is saved, loaded again and must come back the same, and is asked
 * the questions the defender asks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "defend/baseline-model.h"
#include "defend/baseline-seccomp.h"
#include "moat/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct moat_bl_model m, again;
	struct moat_error err = { 0 };
	struct moat_buf one, two;

	moat_bl_model_init(&m);
	moat_bl_model_init(&again);
	moat_buf_init(&one, 0);
	moat_buf_init(&two, 0);
	if (moat_bl_load(&m, data, size, "fuzz", &err) == 0) {
		moat_bl_has(&m, MOAT_BL_FILE, "/tmp/a/b/c");
		moat_bl_has(&m, MOAT_BL_EXEC, "/bin/sh");
		moat_bl_add(&m, MOAT_BL_FILE, "/tmp/x", &err);
		if (moat_bl_save(&m, NULL, NULL, &one, &err) == 0 &&
		    moat_bl_load(&again, one.data, one.len, "fuzz-again", &err) == 0 &&
		    moat_bl_save(&again, NULL, NULL, &two, &err) == 0 &&
		    (one.len != two.len || memcmp(one.data, two.data, one.len)))
			abort();    /* save and load disagree */
		moat_buf_reset(&one);
		moat_bl_seccomp(&m, true, &one, &err);
	}
	moat_buf_release(&one);
	moat_buf_release(&two);
	moat_bl_model_release(&m);
	moat_bl_model_release(&again);
	return 0;
}
