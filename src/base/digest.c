/* SPDX-License-Identifier: Apache-2.0 */
/* digest.c - SHA-256 through OpenSSL's EVP (SHA-NI on CPUs that have it). */
#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

#include "digest.h"

int moat_sha256_init(struct moat_sha256 *sha)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return -EINVAL;
	}
	sha->ctx = ctx;
	return 0;
}

void moat_sha256_update(struct moat_sha256 *sha, const void *data, size_t len)
{
	EVP_DigestUpdate(sha->ctx, data, len);
}

void moat_sha256_final(struct moat_sha256 *sha, char out[MOAT_DIGEST_STR_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned int md_len = 0;
	char *p = out;

	EVP_DigestFinal_ex(sha->ctx, md, &md_len);
	memcpy(p, "sha256:", 7);
	p += 7;
	for (unsigned int i = 0; i < md_len; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = '\0';
	moat_sha256_release(sha);
}

void moat_sha256_release(struct moat_sha256 *sha)
{
	EVP_MD_CTX_free(sha->ctx);
	sha->ctx = NULL;
}

int moat_sha256_str(const void *data, size_t len, char out[MOAT_DIGEST_STR_MAX])
{
	struct moat_sha256 sha;
	int r = moat_sha256_init(&sha);

	if (r < 0)
		return r;
	moat_sha256_update(&sha, data, len);
	moat_sha256_final(&sha, out);
	return 0;
}

bool moat_digest_valid(const char *digest, size_t len)
{
	if (len != 71 || memcmp(digest, "sha256:", 7) != 0)
		return false;
	for (size_t i = 7; i < len; i++) {
		char c = digest[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}
