/* SPDX-License-Identifier: Apache-2.0 */
/*
 * password-int.h - the weak-password scanner's parts: the dictionary, the
 * bounded hash check, and one parser per file kind (password.c for
 * /etc/shadow and /etc/passwd, svcconf.c for service configurations).
 */
#ifndef MOAT_DETECT_PASSWORD_INT_H
#define MOAT_DETECT_PASSWORD_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/slice.h"
#include "detect.h"

struct pw_state;

/* Lines one parsed file may have (hostile input). */
#define PW_MAX_LINES 100000u
/* Hashes one scan checks against the dictionary. */
#define PW_MAX_HASHES 256u

/* The file kinds, chosen by path (pw_kind_of). */
enum pw_kind {
	PW_NONE, PW_SHADOW, PW_PASSWD, PW_REDIS, PW_TOMCAT, PW_MYSQL, PW_PGHBA, PW_VSFTPD,
	PW_PROFTPD, PW_SSHD,
};

enum pw_kind pw_kind_of(const char *path, size_t len);

/* Is value a weak password (in the dictionary or defaults, shorter than 8,
 * or the user's own name)? Returns a static reason or NULL. */
const char *pw_weak(struct pw_state *s, struct moat_slice value, const char *user);

/* Emit a password finding at line of file. value (may be empty) is masked. */
int pw_emit(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *file,
	    const char *id, const char *severity, unsigned line, struct moat_slice value,
	    const char *title, struct moat_error *err);

/* The service-config parsers (svcconf.c). */
int pw_scan_service(struct pw_state *s, struct moat_detect *d, enum pw_kind kind,
		    const struct moat_detect_file *file, struct moat_error *err);

#endif
