/* SPDX-License-Identifier: Apache-2.0 */
/* baseline-cli.h - what the `moat baseline` subcommands share (baseline.c, baseline-edit.c). */
#ifndef MOAT_CLI_BASELINE_H
#define MOAT_CLI_BASELINE_H

#include <stdbool.h>

#include "defend/baseline.h"

struct bl_args {
	const char *state_dir;
	const char *format;       /* "table" or "json" */
	const char *output;       /* -o FILE */
	bool seccomp;
	bool network_policy;
	bool no_runtime;
	int nargs;
	char **args;              /* positional: IMAGE and the rest */
	struct moat_state *st;
	char key[MOAT_STATE_KEY_LEN + 1];
};

/* The image's model from the state directory into m (initialised here). */
int baseline_load_model(struct bl_args *a, struct moat_bl_model *m, struct moat_error *err);
/* `moat baseline edit IMAGE`: $EDITOR on the model, validated before it is saved. */
int baseline_cmd_edit(struct bl_args *a, struct moat_error *err);

#endif
