/* SPDX-License-Identifier: Apache-2.0 */
/* baseline-seccomp.h - a learned model as a Docker/OCI seccomp profile. */
#ifndef MOAT_DEFEND_BASELINE_SECCOMP_H
#define MOAT_DEFEND_BASELINE_SECCOMP_H

#include <stdbool.h>

struct moat_bl_model;
struct moat_buf;
struct moat_error;

/*
 * The profile as JSON into out: defaultAction SCMP_ACT_ERRNO (EPERM),
 * architectures x86_64, x86 and x32, one allow rule naming the model's
 * syscalls plus (with_runtime) the few runc itself makes after it loads
 * the filter and before the entrypoint runs.
 */
int moat_bl_seccomp(const struct moat_bl_model *m, bool with_runtime, struct moat_buf *out,
		    struct moat_error *err);

#endif
