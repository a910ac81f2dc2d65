/* SPDX-License-Identifier: Apache-2.0 */
/*
 * auth.h - the console's pure security helpers: roles, password hashes
 * (yescrypt through libcrypt), random secrets, the login rate limiter, and
 * ?since= durations. No storage and no HTTP here, so each is unit-tested alone.
 */
#ifndef MOAT_CONSOLE_AUTH_H
#define MOAT_CONSOLE_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/time.h"

struct moat_error;

/* Roles as bits, so an endpoint's allowed set is one mask. */
enum console_role {
	CONSOLE_ROLE_ADMIN = 1 << 0,
	CONSOLE_ROLE_OPERATOR = 1 << 1,
	CONSOLE_ROLE_AUDITOR = 1 << 2,
	CONSOLE_ROLE_CI = 1 << 3,
	CONSOLE_ROLE_DEFENDER = 1 << 4,
	/* an enrolled defender's own identity (api-defenders.c); never a token's role */
	CONSOLE_ROLE_NODE = 1 << 5,
};

/* The role named s, or 0. */
unsigned console_role_parse(const char *s);
/* "admin", ...; "" for anything else. */
const char *console_role_name(unsigned role);

/* Longest crypt(3) string we store ("$y$j9T$<salt>$<hash>" is ~73). */
#define CONSOLE_HASH_MAX 128
/* yescrypt hash of pw into out. 0, or MOAT_E_INTERNAL when libcrypt fails. */
int console_password_hash(const char *pw, char out[CONSOLE_HASH_MAX], struct moat_error *err);
/* pw against a stored crypt(3) hash, in constant time over the hash. */
bool console_password_check(const char *pw, const char *hash);

/* nbytes random bytes from the kernel as 2*nbytes lowercase hex + NUL. 0 or -errno. */
int console_random_hex(char *out, size_t nbytes);
/* Constant-time string equality (lengths compared first). */
bool console_str_eq(const char *a, const char *b);
/* User and token names: 1..64 of [A-Za-z0-9._@-]. */
bool console_name_valid(const char *s);

/* Failed logins per key (client address + user name) in a sliding minute. */
#define CONSOLE_RL_SLOTS 512
#define CONSOLE_RL_KEY 160
#define CONSOLE_RL_FAILURES 5
#define CONSOLE_RL_WINDOW_US (60 * 1000000LL)

struct console_rl_slot {
	char key[CONSOLE_RL_KEY];
	int64_t start;                  /* first failure of the window, us */
	unsigned failures;
};

struct console_rl {
	pthread_mutex_t mu;
	struct console_rl_slot slots[CONSOLE_RL_SLOTS];
};

void console_rl_init(struct console_rl *rl);
void console_rl_release(struct console_rl *rl);
/* Seconds until key may try again, or 0 when it may now. */
unsigned console_rl_wait(struct console_rl *rl, const char *key, int64_t now_us);
void console_rl_fail(struct console_rl *rl, const char *key, int64_t now_us);
void console_rl_clear(struct console_rl *rl, const char *key);

/* A ?since= value: RFC 3339, or a duration back from now ("90s", "15m", "24h", "7d"). */
int console_since_parse(const char *s, int64_t now_us, int64_t *ret_us);

#endif
