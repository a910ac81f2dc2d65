/* SPDX-License-Identifier: Apache-2.0 */
/*
 * secret-shape.c - does a variable name or value look like a secret, and is
 * a port one remote administration listens on. Shared by the ENV/ARG checks
 * and the image-environment check. Names are matched on word parts so that
 * PASS_MAX_DAYS or TOKENIZER_PATH stay quiet. Values are asked of the secret
 * scanner's own rule set (moat_secret_shape(): rules/secrets, compiled once
 * per process, set by the caller: moat_misconfig_set_credential_shape), so
 * there is one list of credential shapes, with its entropy checks and
 * allow-lists.
 */
#include <ctype.h>
#include <stdbool.h>
#include <string.h>

#include "misconfig.h"
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

static moat_credential_shape_fn credential_shape;

void moat_misconfig_set_credential_shape(moat_credential_shape_fn fn)
{
	credential_shape = fn;
}

const char *mc_credential_shape(const char *v)
{
	/* The secret scanner's rule set: one list of credential shapes. */
	return credential_shape && v ? credential_shape(v) : NULL;
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
