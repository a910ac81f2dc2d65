/* SPDX-License-Identifier: Apache-2.0 */
/*
 * digest.h - streaming SHA-256 and "sha256:<hex>" digest strings.
 */
#ifndef MOAT_DIGEST_H
#define MOAT_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "sha256:" + 64 hex + NUL */
#define MOAT_DIGEST_STR_MAX 72

struct moat_sha256 {
	void *ctx; /* EVP_MD_CTX, owned */
};

int moat_sha256_init(struct moat_sha256 *sha);
void moat_sha256_update(struct moat_sha256 *sha, const void *data, size_t len);
/* Write "sha256:<hex>" into out (MOAT_DIGEST_STR_MAX bytes) and release the context. */
void moat_sha256_final(struct moat_sha256 *sha, char out[MOAT_DIGEST_STR_MAX]);
void moat_sha256_release(struct moat_sha256 *sha);
/* One-shot. */
int moat_sha256_str(const void *data, size_t len, char out[MOAT_DIGEST_STR_MAX]);

/* True for "sha256:" followed by exactly 64 lowercase hex digits. */
bool moat_digest_valid(const char *digest, size_t len);

#endif
