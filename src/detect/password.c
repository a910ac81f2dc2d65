/* SPDX-License-Identifier: Apache-2.0 */
/*
 * password.c - weak passwords: /etc/shadow and /etc/passwd (empty passwords,
 * hashes checked with crypt_r against a dictionary under a time budget per
 * hash) and the dispatch to the service-config parsers (svcconf.c).
 */
#include <crypt.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/embedded.h"
#include "base/file.h"
#include "base/hmap.h"
#include "moat/error.h"
#include "password-int.h"

#define PW_DEFAULT_BUDGET_MS 1000u
/* A user word list: at most this big. */
#define PW_LIST_MAX_BYTES (64u << 20)
#define PW_MAX_WORD 128u

extern const struct moat_embedded moat_password_lists[];

struct cracked {
	int word;                   /* index of the word, -1 = not found in budget */
};

struct pw_state {
	struct moat_buf list;       /* a user list's bytes (words point into it) */
	const char **words;
	size_t *lens;
	size_t n_words;
	struct moat_hmap dict;      /* word -> 1, for service passwords */
	struct moat_hmap cache;     /* hash string -> struct cracked * (layers rewrite shadow) */
	struct crypt_data *cd;
	uint64_t budget_ns;
	uint64_t total_ns;          /* crypt time left for the whole scan */
	size_t n_hashes;
};

static int add_words(struct pw_state *s, const unsigned char *data, size_t len)
{
	struct moat_slice in = moat_slice_make(data, len), line;

	while (moat_slice_line(&in, &line)) {
		size_t n = line.len;

		if (n && line.ptr[n - 1] == '\r')
			n--;
		if (!n || n > PW_MAX_WORD || moat_slice_startswith(line, "#!comment"))
			continue;
		if (moat_hmap_get(&s->dict, (const char *)line.ptr, n))
			continue;
		if (s->n_words % 1024 == 0) {
			const char **w = realloc(s->words, (s->n_words + 1024) * sizeof(*w));
			size_t *l = w ? realloc(s->lens, (s->n_words + 1024) * sizeof(*l)) : NULL;

			if (w)
				s->words = w;
			if (!w || !l)
				return -ENOMEM;
			s->lens = l;
		}
		s->words[s->n_words] = (const char *)line.ptr;
		s->lens[s->n_words++] = n;
		if (moat_hmap_put(&s->dict, (const char *)line.ptr, n, (void *)1) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int pw_open(struct moat_detect *d, void **ret_state, struct moat_error *err)
{
	const struct moat_detect_opts *o = moat_detect_options(d);
	struct pw_state *s = calloc(1, sizeof(*s));
	int r = 0;

	if (!s)
		return moat_error_set(err, -ENOMEM, "out of memory");
	*ret_state = s;
	moat_hmap_init(&s->dict);
	moat_hmap_init(&s->cache);
	moat_buf_init(&s->list, PW_LIST_MAX_BYTES);
	s->cd = calloc(1, sizeof(*s->cd));
	if (!s->cd)
		return moat_error_set(err, -ENOMEM, "out of memory");
	s->budget_ns = (uint64_t)(o->password_budget_ms ? o->password_budget_ms
							 : PW_DEFAULT_BUDGET_MS) * 1000000u;
	s->total_ns = s->budget_ns * 16;
	if (o->password_list) {
		r = moat_read_file(o->password_list, PW_LIST_MAX_BYTES, &s->list, err);
		if (r < 0)
			return r;
		/* Terminated so the last word is a string too (moat_read_file may not). */
		if (moat_buf_putc(&s->list, '\n') < 0)
			return moat_error_set(err, -ENOMEM, "out of memory");
		r = add_words(s, s->list.data, s->list.len);
	}
	/* A user list replaces John's list; vendor defaults are always tried. */
	for (const struct moat_embedded *e = moat_password_lists; e->name && !r; e++)
		if (!o->password_list || !strcmp(e->name, "defaults.txt"))
			r = add_words(s, e->data, e->len);
	return r < 0 ? moat_error_set(err, r, "out of memory") : 0;
}

static void pw_close(void *state)
{
	struct pw_state *s = state;

	moat_hmap_release(&s->dict);
	moat_hmap_release(&s->cache);
	moat_buf_release(&s->list);
	free(s->words);
	free(s->lens);
	free(s->cd);
	free(s);
}

enum pw_kind pw_kind_of(const char *path, size_t len)
{
	struct moat_slice p = moat_slice_make(path, len);

	if (moat_slice_eq_str(p, "etc/shadow"))
		return PW_SHADOW;
	if (moat_slice_eq_str(p, "etc/passwd"))
		return PW_PASSWD;
	if (moat_slice_endswith(p, ".conf") &&
	    (moat_slice_startswith(p, "etc/redis/") || moat_slice_endswith(p, "/redis.conf") ||
	     moat_slice_eq_str(p, "redis.conf")))
		return PW_REDIS;
	if (moat_slice_endswith(p, "tomcat-users.xml"))
		return PW_TOMCAT;
	if (moat_slice_endswith(p, ".cnf") &&
	    (moat_slice_startswith(p, "etc/mysql/") || moat_slice_eq_str(p, "etc/my.cnf") ||
	     moat_slice_startswith(p, "etc/my.cnf.d/")))
		return PW_MYSQL;
	if (moat_slice_endswith(p, "/pg_hba.conf") || moat_slice_eq_str(p, "pg_hba.conf"))
		return PW_PGHBA;
	if (moat_slice_endswith(p, "vsftpd.conf"))
		return PW_VSFTPD;
	if (moat_slice_endswith(p, "proftpd.conf") || moat_slice_startswith(p, "etc/proftpd/conf.d/"))
		return PW_PROFTPD;
	if (moat_slice_eq_str(p, "etc/ssh/sshd_config") ||
	    (moat_slice_startswith(p, "etc/ssh/sshd_config.d/") && moat_slice_endswith(p, ".conf")))
		return PW_SSHD;
	return PW_NONE;
}

static uint64_t pw_match(void *state, const char *path, size_t len, uint32_t mode, uint64_t size)
{
	(void)state;
	(void)mode;
	if (size > (4u << 20))
		return 0;
	return pw_kind_of(path, len) != PW_NONE ? (4u << 20) : 0;
}

const char *pw_weak(struct pw_state *s, struct moat_slice value, const char *user)
{
	if (!value.len)
		return "empty";
	if (user && moat_slice_eq_str(value, user))
		return "the user's own name";
	if (moat_hmap_get(&s->dict, (const char *)value.ptr, value.len))
		return "in the dictionary";
	if (value.len < 8)
		return "shorter than 8 characters";
	return NULL;
}

int pw_emit(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *file,
	    const char *id, const char *severity, unsigned line, struct moat_slice value,
	    const char *title, struct moat_error *err)
{
	struct moat_finding f = { 0 };
	char fp[32];

	(void)s;
	f.kind = "password";
	f.id = id;
	f.severity = severity;
	f.title = title;
	f.line = line;
	f.match = value.len ? moat_detect_mask(moat_detect_arena(d), value.ptr, value.len) : NULL;
	/* Same id, path and line text in two layers = one finding (the first layer). */
	snprintf(fp, sizeof(fp), "%016llx",
		 (unsigned long long)moat_hash_bytes(title, strlen(title)) ^
			 moat_hash_bytes(value.ptr, value.len));
	f.fingerprint = fp;
	return moat_detect_emit(d, file, &f, err);
}

/* ---- hashes ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int itoa64_index(char c)
{
	static const char itoa64[] =
		"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	const char *p = c ? strchr(itoa64, c) : NULL;

	return p ? (int)(p - itoa64) : -1;
}

/* Hash schemes we check, with their cost parameters bounded: a hash line
 * in an image can ask crypt for any amount of memory and time. */
static bool checkable(const char *h, size_t n)
{
	if (n < 2)
		return false;
	if (!strncmp(h, "$y$", 3)) {
		/* $y$<flags><N><r>$: Debian's default is j9T (N = 2^12, r = 32). */
		const char *end = memchr(h + 3, '$', n - 3);

		return end && end - (h + 3) == 3 && h[3] == 'j' && itoa64_index(h[4]) >= 0 &&
		       itoa64_index(h[4]) <= 13 && itoa64_index(h[5]) >= 0 &&
		       itoa64_index(h[5]) <= 31;
	}
	if (!strncmp(h, "$2b$", 4) || !strncmp(h, "$2a$", 4) || !strncmp(h, "$2y$", 4))
		return n > 7 && isdigit((unsigned char)h[4]) && isdigit((unsigned char)h[5]) &&
		       (h[4] - '0') * 10 + (h[5] - '0') <= 12;
	if (!strncmp(h, "$6$", 3) || !strncmp(h, "$5$", 3)) {
		if (!strncmp(h + 3, "rounds=", 7)) {
			unsigned long rounds = strtoul(h + 10, NULL, 10);

			return rounds <= 100000;
		}
		return true;
	}
	if (!strncmp(h, "$1$", 3))
		return true;
	/* Traditional DES: 13 characters of the itoa64 alphabet. */
	if (n == 13) {
		for (size_t i = 0; i < n; i++)
			if (itoa64_index(h[i]) < 0)
				return false;
		return true;
	}
	return false;
}

static bool try_word(struct pw_state *s, const char *word, const char *hash)
{
	const char *out = crypt_r(word, hash, s->cd);

	return out && out[0] != '*' && !strcmp(out, hash);
}

/* The dictionary word that hashes to hash, -1 if none within the budget;
 * -2 when the budget ran out first. The user's name is tried first. */
static int crack(struct pw_state *s, const char *hash, const char *user, const char **ret_word)
{
	uint64_t start = now_ns(), spent;
	int found = -1;

	*ret_word = NULL;
	if (user && try_word(s, user, hash)) {
		*ret_word = user;
		return 0;
	}
	for (size_t i = 0; i < s->n_words; i++) {
		char word[PW_MAX_WORD + 1];

		memcpy(word, s->words[i], s->lens[i]);
		word[s->lens[i]] = '\0';
		if (try_word(s, word, hash)) {
			found = (int)i;
			*ret_word = s->words[i];
			break;
		}
		spent = now_ns() - start;
		if (spent > s->budget_ns || spent > s->total_ns) {
			found = -2;
			break;
		}
	}
	spent = now_ns() - start;
	s->total_ns = spent < s->total_ns ? s->total_ns - spent : 0;
	return found;
}

/* One hash of user at line: empty, weak, or fine. */
static int check_hash(struct pw_state *s, struct moat_detect *d, const struct moat_detect_file *f,
		      const char *user, struct moat_slice hash, unsigned line, bool in_passwd,
		      struct moat_error *err)
{
	struct arena_title { char buf[256]; } t;
	struct cracked *c;
	const char *word = NULL;
	char *h;

	if (!hash.len) {
		snprintf(t.buf, sizeof(t.buf), "user %.64s has an empty password%s", user,
			 in_passwd ? " in /etc/passwd" : "");
		return pw_emit(s, d, f, "password-empty", "critical", line, hash, t.buf, err);
	}
	if (in_passwd && moat_slice_eq_str(hash, "x"))
		return 0;
	if (hash.ptr[0] == '!' || hash.ptr[0] == '*' || !checkable((const char *)hash.ptr, hash.len))
		return 0; /* locked, disabled, or a scheme we do not run */
	h = moat_arena_strndup(moat_detect_arena(d), (const char *)hash.ptr, hash.len);
	if (!h)
		return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
	c = moat_hmap_get(&s->cache, h, hash.len);
	if (!c) {
		if (s->n_hashes >= PW_MAX_HASHES || !s->total_ns)
			return 0;
		s->n_hashes++;
		c = moat_arena_zalloc(moat_detect_arena(d), sizeof(*c));
		if (!c || moat_hmap_put(&s->cache, h, hash.len, c) < 0)
			return moat_error_set(err, MOAT_E_LIMIT, "out of scan memory");
		c->word = crack(s, h, user, &word);
		if (c->word == -2)
			moat_detect_warn(d, f, "password-budget", "user %.64s: hash not fully checked "
					 "in the time budget", user);
	} else if (c->word >= 0) {
		word = s->words[c->word];
	}
	if (c->word < 0 || !word)
		return 0;
	snprintf(t.buf, sizeof(t.buf), "user %.64s has a weak password (%s)%s", user,
		 word == user ? "the user's own name" : "in the dictionary",
		 in_passwd ? " in /etc/passwd" : "");
	return pw_emit(s, d, f, "password-weak", "critical", line, moat_slice_str(h), t.buf, err);
}

/* name:hash:... lines of /etc/shadow or /etc/passwd. */
static int scan_accounts(struct pw_state *s, struct moat_detect *d,
			 const struct moat_detect_file *f, bool passwd, struct moat_error *err)
{
	struct moat_slice in = f->content, line;
	unsigned n = 0;
	int r;

	while (moat_slice_line(&in, &line) && ++n <= PW_MAX_LINES) {
		struct moat_slice name, hash;
		char user[65];

		if (!moat_slice_split(&line, ':', &name) || !name.len || name.ptr[0] == '#' ||
		    name.ptr[0] == '+' || name.ptr[0] == '-')
			continue;
		if (!moat_slice_split(&line, ':', &hash))
			continue; /* no second field: not an account line */
		snprintf(user, sizeof(user), "%.*s", (int)(name.len < 64 ? name.len : 64),
			 (const char *)name.ptr);
		r = check_hash(s, d, f, user, hash, n, passwd, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int pw_scan_file(void *state, struct moat_detect *d, const struct moat_detect_file *file,
			struct moat_error *err)
{
	struct pw_state *s = state;
	enum pw_kind kind = pw_kind_of(file->visit->path, file->visit->path_len);

	switch (kind) {
	case PW_SHADOW:
		return scan_accounts(s, d, file, false, err);
	case PW_PASSWD:
		return scan_accounts(s, d, file, true, err);
	case PW_NONE:
		return 0;
	default:
		return pw_scan_service(s, d, kind, file, err);
	}
}

const struct moat_scanner moat_scanner_password = {
	.name = "password",
	.bit = MOAT_SCAN_PASSWORD,
	.open = pw_open,
	.close = pw_close,
	.match = pw_match,
	.wants_binary = false,
	.scan_file = pw_scan_file,
	.scan_image = NULL,
};
