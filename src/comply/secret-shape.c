/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-shape.c - does a variable name or value look like a secret, and is
 * a port one remote administration listens on. Shared by the ENV/ARG checks
 * and the image-environment check. Names are matched on word parts so that
 * PASS_MAX_DAYS or TOKENIZER_PATH stay quiet.
 *
 * NEEDSWORK: mc_credential_shape() is a small second list of token shapes
 * (14 prefixes) beside the secret scanner's rule set (src/detect/secret*.c,
 * rules/secrets: 107 rules, PCRE2/Hyperscan, entropy, allow-lists). Both
 * exist because the Dockerfile checks are pure functions over one string
 * with no scanner state: `moat config PATH` opens no secret engine, and
 * the engine wants an open, compiled rule set (and a struct moat_detect
 * sink) per scan. Folding them means a stateless "which rule matches this
 * text" entry point in detect/secret-rules.c that comply can call (compiled
 * once, lazily) -- not a safe change to make in passing. Until then a
 * shape added here is worth adding to rules/secrets too (the scanner is
 * the one that reports the secret itself, masked and fingerprinted; these
 * checks only say "a credential is set in ENV/ARG").
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "misconfig-int.h"

static bool part_is(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && !strncasecmp(p, word, n);
}

/* Name parts that say "this holds a secret". */
static bool secret_part(const char *p, size_t n)
{
	static const char *const words[] = {
		"password",   "passwd",	     "pwd",	   "secret",	 "token",     "apikey",
		"credential", "credentials", "privatekey", "passphrase", "secretkey", "accesskey",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (part_is(p, n, words[i]))
			return true;
	return false;
}

/* Name parts that say "this only points at or describes a secret". */
static bool harmless_part(const char *p, size_t n)
{
	static const char *const words[] = {
		"file", "path",	  "dir",    "location", "url",	"endpoint", "length",
		"len",	"min",	  "max",    "type",	"name", "user",	    "username",
		"id",	"header", "policy", "expiry",	"ttl",	"prompt",
	};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (part_is(p, n, words[i]))
			return true;
	return false;
}

bool mc_secret_name(const char *name)
{
	bool secret = false, harmless_last = false;
	const char *p = name, *prev = NULL;
	size_t prev_n = 0;

	while (*p) {
		size_t n = 0;

		while (p[n] && isalnum((unsigned char)p[n]))
			n++;
		if (n) {
			/* API_KEY, ACCESS_KEY, PRIVATE_KEY, AUTH_TOKEN as two parts */
			secret |= secret_part(p, n) || (part_is(p, n, "key") && prev &&
							(part_is(prev, prev_n, "api") ||
							 part_is(prev, prev_n, "access") ||
							 part_is(prev, prev_n, "private") ||
							 part_is(prev, prev_n, "secret") ||
							 part_is(prev, prev_n, "signing") ||
							 part_is(prev, prev_n, "encryption")));
			harmless_last = harmless_part(p, n);
			prev = p;
			prev_n = n;
		}
		p += n;
		while (*p && !isalnum((unsigned char)*p))
			p++;
	}
	return secret && !harmless_last;
}

static size_t run_of(const char *s, const char *set)
{
	size_t n = 0;

	while (s[n] && (isalnum((unsigned char)s[n]) || (set && strchr(set, s[n]))))
		n++;
	return n;
}

static bool upper_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* scheme://user:password@host with a literal password. */
static bool url_password(const char *v)
{
	const char *s = strstr(v, "://"), *at, *colon;

	if (!s)
		return false;
	s += 3;
	at = strchr(s, '@');
	if (!at)
		return false;
	colon = memchr(s, ':', (size_t)(at - s));
	return colon && colon + 1 < at && colon[1] != '$' && !memchr(s, '/', (size_t)(at - s));
}

const char *mc_credential_shape(const char *v)
{
	static const struct {
		const char *prefix;
		size_t min_tail;
		const char *extra;
		const char *kind;
	} shapes[] = {
		{"ghp_", 36, NULL, "GitHub token"},	  {"gho_", 36, NULL, "GitHub token"},
		{"ghs_", 36, NULL, "GitHub token"},	  {"ghu_", 36, NULL, "GitHub token"},
		{"github_pat_", 60, "_", "GitHub token"}, {"glpat-", 20, "-_", "GitLab token"},
		{"xoxb-", 20, "-", "Slack token"},	  {"xoxp-", 20, "-", "Slack token"},
		{"xoxa-", 20, "-", "Slack token"},	  {"sk_live_", 20, NULL, "Stripe key"},
		{"rk_live_", 20, NULL, "Stripe key"},	  {"AIza", 35, "-_", "Google API key"},
		{"npm_", 36, NULL, "npm token"},	  {"SG.", 60, "-_.", "SendGrid key"},
	};

	for (const char *p = v; *p; p++) {
		if (p != v && isalnum((unsigned char)p[-1]))
			continue;
		if ((!strncmp(p, "AKIA", 4) || !strncmp(p, "ASIA", 4)) && upper_digits(p + 4, 16) &&
		    !isalnum((unsigned char)p[20]))
			return "AWS access key id";
		for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
			size_t n = strlen(shapes[i].prefix);

			if (!strncmp(p, shapes[i].prefix, n) &&
			    run_of(p + n, shapes[i].extra) >= shapes[i].min_tail)
				return shapes[i].kind;
		}
		if (!strncmp(p, "eyJ", 3)) {
			size_t a = run_of(p, "-_");

			if (p[a] == '.' && !strncmp(p + a + 1, "eyJ", 3) &&
			    p[a + 1 + run_of(p + a + 1, "-_")] == '.')
				return "JSON Web Token";
		}
	}
	if (strstr(v, "-----BEGIN") && strstr(v, "PRIVATE KEY"))
		return "private key";
	if (url_password(v))
		return "URL with a password";
	return NULL;
}

/* Remote administration and control planes, in increasing order. */
static const unsigned long sensitive[] = {21,	22,   23,   135,  139,	445,  2375,
					  2376, 2379, 3389, 5900, 5985, 5986, 10250};

unsigned long mc_sensitive_in(unsigned long lo, unsigned long hi)
{
	for (size_t i = 0; i < sizeof(sensitive) / sizeof(sensitive[0]); i++)
		if (sensitive[i] >= lo && sensitive[i] <= hi)
			return sensitive[i];
	return 0;
}

const char *mc_sensitive_port(unsigned long port)
{
	switch (port) {
	case 21:
		return "FTP";
	case 22:
		return "SSH";
	case 23:
		return "Telnet";
	case 135:
		return "MS RPC";
	case 139:
		return "NetBIOS";
	case 445:
		return "SMB";
	case 2375:
		return "Docker API without TLS";
	case 2376:
		return "Docker API";
	case 2379:
		return "etcd";
	case 3389:
		return "RDP";
	case 5900:
		return "VNC";
	case 5985: /* fall through: HTTP and HTTPS */
	case 5986:
		return "WinRM";
	case 10250:
		return "kubelet API";
	default:
		return NULL;
	}
}
