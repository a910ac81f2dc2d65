/* SPDX-License-Identifier: Apache-2.0 */
/* auth.c - roles, password hashes, secrets, rate limiter and times (auth.h). */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "auth.h"
#include "console.h"
#include "moat/error.h"

static const char *const role_names[] = { "admin", "operator", "auditor", "ci", "defender" };

unsigned console_role_parse(const char *s)
{
	for (size_t i = 0; s && i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (!strcmp(s, role_names[i]))
			return 1u << i;
	return 0;
}

const char *console_role_name(unsigned role)
{
	if (role == CONSOLE_ROLE_NODE)
		return "enrolled-defender";
	for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
		if (role == 1u << i)
			return role_names[i];
	return "";
}

int console_password_hash(const char *pw, char out[CONSOLE_HASH_MAX], struct moat_error *err)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	const char *h;
	int r = 0;

	/* NULL random bytes: libcrypt reads the kernel's generator itself. */
	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)))
		return moat_error_set(err, MOAT_E_INTERNAL, "crypt_gensalt: %s", strerror(errno));
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return moat_error_set(err, -ENOMEM, "out of memory");
	h = crypt_r(pw, salt, cd);
	if (!h || h[0] == '*' || strlen(h) >= CONSOLE_HASH_MAX)
		r = moat_error_set(err, MOAT_E_INTERNAL, "crypt: cannot hash the password");
	else
		memcpy(out, h, strlen(h) + 1);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return r;
}

bool console_str_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = 0;

	if (la != lb)
		return false;
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

bool console_password_check(const char *pw, const char *hash)
{
	struct crypt_data *cd;
	const char *h;
	bool ok;

	if (!hash || hash[0] != '$')
		return false;
	cd = calloc(1, sizeof(*cd));
	if (!cd)
		return false;
	h = crypt_r(pw, hash, cd);
	ok = h && h[0] != '*' && console_str_eq(h, hash);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

int console_random_hex(char *out, size_t nbytes)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[64];

	if (nbytes > sizeof(b))
		return -EINVAL;
	if (getrandom(b, nbytes, 0) != (ssize_t)nbytes)
		return -errno ? -errno : -EIO;
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
	explicit_bzero(b, sizeof(b));
	return 0;
}

bool console_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-") == n;
}

void console_rl_init(struct console_rl *rl)
{
	memset(rl, 0, sizeof(*rl));
	pthread_mutex_init(&rl->mu, NULL);
}

void console_rl_release(struct console_rl *rl)
{
	pthread_mutex_destroy(&rl->mu);
}

static struct console_rl_slot *rl_find(struct console_rl *rl, const char *key)
{
	for (size_t i = 0; i < CONSOLE_RL_SLOTS; i++)
		if (rl->slots[i].failures && !strcmp(rl->slots[i].key, key))
			return &rl->slots[i];
	return NULL;
}

unsigned console_rl_wait(struct console_rl *rl, const char *key, int64_t now)
{
	struct console_rl_slot *s;
	unsigned wait = 0;

	pthread_mutex_lock(&rl->mu);
	s = rl_find(rl, key);
	if (s && s->failures >= CONSOLE_RL_FAILURES && now - s->start < CONSOLE_RL_WINDOW_US)
		wait = (unsigned)((s->start + CONSOLE_RL_WINDOW_US - now) / 1000000) + 1;
	pthread_mutex_unlock(&rl->mu);
	return wait;
}

void console_rl_fail(struct console_rl *rl, const char *key, int64_t now)
{
	struct console_rl_slot *s;

	pthread_mutex_lock(&rl->mu);
	s = rl_find(rl, key);
	if (!s) {
		/* a free slot, else the one whose window started longest ago */
		s = &rl->slots[0];
		for (size_t i = 0; i < CONSOLE_RL_SLOTS && s->failures; i++)
			if (!rl->slots[i].failures || rl->slots[i].start < s->start)
				s = &rl->slots[i];
		snprintf(s->key, sizeof(s->key), "%s", key);
		s->failures = 0;
	}
	if (!s->failures || now - s->start >= CONSOLE_RL_WINDOW_US) {
		s->start = now;
		s->failures = 0;
	}
	s->failures++;
	pthread_mutex_unlock(&rl->mu);
}

void console_rl_clear(struct console_rl *rl, const char *key)
{
	struct console_rl_slot *s;

	pthread_mutex_lock(&rl->mu);
	s = rl_find(rl, key);
	if (s)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&rl->mu);
}

int moat_console_duration_parse(const char *s, int64_t *ret_us)
{
	char *end;
	unsigned long long n;
	int64_t unit;

	if (*s < '0' || *s > '9')
		return MOAT_E_FORMAT;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || end == s || end[0] == '\0' || end[1] != '\0' || n > 3650ULL * 86400)
		return MOAT_E_FORMAT;
	switch (*end) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	default: return MOAT_E_FORMAT;
	}
	if (n * (unsigned long long)unit > 3650ULL * 86400)
		return MOAT_E_FORMAT;
	*ret_us = (int64_t)n * unit * 1000000;
	return 0;
}

int console_since_parse(const char *s, int64_t now, int64_t *ret)
{
	int64_t d;

	if (moat_time_parse(s, ret) == 0)
		return 0;
	if (moat_console_duration_parse(s, &d) < 0)
		return MOAT_E_FORMAT;
	*ret = now - d;
	return 0;
}
