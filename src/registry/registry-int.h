/* SPDX-License-Identifier: Apache-2.0 */
/* registry-int.h - what the files of src/registry/ share. */
#ifndef MOAT_REGISTRY_INT_H
#define MOAT_REGISTRY_INT_H

#include <stdbool.h>
#include <stddef.h>

struct moat_error;

/* Credentials for one host (creds.c). Secrets never leave these buffers
 * except as request headers; the handle wipes them on close. */
struct registry_creds {
	bool have;                      /* user and secret are set */
	char user[256];
	char secret[4096];
	char identity_token[4096];      /* OAuth refresh token for the realm, or "" */
};

/* Fill cr for host from config.json (config_dir NULL = $DOCKER_CONFIG or
 * ~/.docker). No file or no entry is not an error (cr->have stays false). */
int registry_creds_load(struct registry_creds *cr, const char *config_dir, const char *host,
			struct moat_error *err);
/* "Authorization: Basic <base64 user:secret>" into out. 0 or MOAT_E_LIMIT. */
int registry_basic_header(const struct registry_creds *cr, char *out, size_t size);

#endif
