/* SPDX-License-Identifier: Apache-2.0 */
/*
 * creds.c - registry credentials the way the docker CLI keeps them.
 *
 * $DOCKER_CONFIG/config.json (default ~/.docker/config.json): a
 * credHelpers entry for the host wins, then credsStore, then the inline
 * "auths" entry (base64 "user:password" in "auth", or username/password,
 * or an identitytoken for the token endpoint). A helper is the program
 * docker-credential-NAME, run without a shell with the host on stdin; it
 * answers {"Username": ..., "Secret": ...}, bounded and with a timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "moat/error.h"
#include "registry-int.h"

#define CONFIG_MAX (1u << 20)
#define HELPER_OUT_MAX (64u << 10)
#define HELPER_TIMEOUT_MS 15000

extern char **environ;

static int set_pair(struct registry_creds *cr, const char *user, size_t ulen, const char *pass,
		    size_t plen)
{
	if (ulen >= sizeof(cr->user) || plen >= sizeof(cr->secret))
		return MOAT_E_LIMIT;
	memcpy(cr->user, user, ulen);
	cr->user[ulen] = '\0';
	memcpy(cr->secret, pass, plen);
	cr->secret[plen] = '\0';
	cr->have = true;
	return 0;
}

/* "auth": base64("user:password"). */
static int decode_auth(struct registry_creds *cr, const char *b64, struct moat_error *err)
{
	size_t len = strlen(b64);
	unsigned char out[1024];
	char *colon;
	int n;

	if (len == 0 || len > 4 * (sizeof(out) / 3) || len % 4)
		return moat_error_set(err, MOAT_E_FORMAT, "docker config: bad \"auth\" value");
	n = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)len);
	if (n < 0)
		return moat_error_set(err, MOAT_E_FORMAT, "docker config: \"auth\" is not base64");
	while (len && b64[--len] == '=')
		n--;
	colon = memchr(out, ':', (size_t)n);
	if (!colon)
		return moat_error_set(err, MOAT_E_FORMAT, "docker config: \"auth\" has no ':'");
	if (set_pair(cr, (char *)out, (size_t)(colon - (char *)out), colon + 1,
		     (size_t)(n - (colon + 1 - (char *)out))) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "docker config: credentials too long");
	return 0;
}

/* The auths entry for host: keys are "host", "https://host" or "http://host/v1/". */
static const json_t *auths_entry(json_t *auths, const char *host)
{
	const char *key;
	json_t *v;

	json_object_foreach(auths, key, v) {
		const char *k = key;
		size_t hlen = strlen(host);

		if (!strncmp(k, "https://", 8))
			k += 8;
		else if (!strncmp(k, "http://", 7))
			k += 7;
		if (!strncmp(k, host, hlen) && (k[hlen] == '\0' || k[hlen] == '/'))
			return v;
	}
	return NULL;
}

static int from_auths(struct registry_creds *cr, const json_t *entry, struct moat_error *err)
{
	const char *auth = moat_json_str(entry, "auth");
	const char *user = moat_json_str(entry, "username");
	const char *pass = moat_json_str(entry, "password");
	const char *idtoken = moat_json_str(entry, "identitytoken");

	if (idtoken && *idtoken) {
		if (strlen(idtoken) >= sizeof(cr->identity_token))
			return moat_error_set(err, MOAT_E_LIMIT, "docker config: identitytoken too long");
		snprintf(cr->identity_token, sizeof(cr->identity_token), "%s", idtoken);
	}
	if (auth && *auth)
		return decode_auth(cr, auth, err);
	if (user && pass && set_pair(cr, user, strlen(user), pass, strlen(pass)) < 0)
		return moat_error_set(err, MOAT_E_LIMIT, "docker config: credentials too long");
	return 0;
}

/* Read the helper's stdout to its end, bounded in size and time. */
static int read_helper(int fd, struct moat_buf *out, const char *prog, struct moat_error *err)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char buf[4096];
		ssize_t n;
		long ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= HELPER_TIMEOUT_MS)
			return moat_error_set(err, -ETIMEDOUT, "%s: no answer within %d s", prog,
					      HELPER_TIMEOUT_MS / 1000);
		if (poll(&pfd, 1, (int)(HELPER_TIMEOUT_MS - ms)) < 0 && errno != EINTR)
			return moat_error_set(err, -errno, "%s: poll: %s", prog, strerror(errno));
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return moat_error_set(err, -errno, "%s: read: %s", prog, strerror(errno));
		if (n == 0)
			return 0;
		if (out->len + (size_t)n > HELPER_OUT_MAX || moat_buf_append(out, buf, (size_t)n) < 0)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: answer over %u bytes", prog,
					      HELPER_OUT_MAX);
	}
}

static int spawn_helper(char *prog, int in_fd, int out_fd, pid_t *ret_pid)
{
	posix_spawn_file_actions_t fa;
	char get[] = "get";
	char *argv[] = { prog, get, NULL };
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
	r = posix_spawnp(ret_pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

/* docker-credential-NAME get, the host on stdin. */
static int from_helper(struct registry_creds *cr, const char *name, const char *host,
		       struct moat_error *err)
{
	char prog[128];
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	struct moat_buf answer;
	json_t *json = NULL;
	pid_t pid = -1;
	int status = 0;
	int r;

	if (!*name || strlen(name) > 64 || strpbrk(name, "/ \t\n"))
		return moat_error_set(err, MOAT_E_FORMAT, "docker config: bad helper name \"%.64s\"",
				      name);
	snprintf(prog, sizeof(prog), "docker-credential-%s", name);
	moat_buf_init(&answer, HELPER_OUT_MAX + 1);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0) {
		r = moat_error_set(err, -errno, "%s: pipe: %s", prog, strerror(errno));
		goto out;
	}
	r = spawn_helper(prog, in[0], out[1], &pid);
	if (r < 0) {
		moat_error_set(err, r, "%s: %s", prog, strerror(-r));
		goto out;
	}
	close(in[0]);
	close(out[1]);
	in[0] = out[1] = -1;
	if (write(in[1], host, strlen(host)) < 0)
		r = 0;  /* the helper may not read stdin; its answer tells */
	close(in[1]);
	in[1] = -1;
	r = read_helper(out[0], &answer, prog, err);
	if (r < 0)
		kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	if (r == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
		/* "credentials not found in native keychain": no credentials. */
		r = 0;
		goto out;
	}
	if (r == 0)
		r = moat_json_parse(answer.data, answer.len, HELPER_OUT_MAX, prog, &json, err);
	if (r == 0 && moat_json_str(json, "Username") && moat_json_str(json, "Secret")) {
		const char *user = moat_json_str(json, "Username");
		const char *secret = moat_json_str(json, "Secret");

		/* "<token>" as the user name means the secret is an identity token. */
		if (!strcmp(user, "<token>") && strlen(secret) < sizeof(cr->identity_token))
			snprintf(cr->identity_token, sizeof(cr->identity_token), "%s", secret);
		else if (set_pair(cr, user, strlen(user), secret, strlen(secret)) < 0)
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: credentials too long", prog);
	}
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	json_decref(json);
	moat_buf_release(&answer);
	return r;
}

static int config_path(char *out, size_t size, const char *dir)
{
	const char *home = getenv("HOME");

	if (!dir)
		dir = getenv("DOCKER_CONFIG");
	if (dir && *dir)
		return snprintf(out, size, "%s/config.json", dir) < (int)size ? 0 : -ENAMETOOLONG;
	if (!home || !*home)
		return -ENOENT;
	return snprintf(out, size, "%s/.docker/config.json", home) < (int)size ? 0 : -ENAMETOOLONG;
}

int registry_creds_load(struct registry_creds *cr, const char *config_dir, const char *host,
			struct moat_error *err)
{
	char path[4096];
	struct moat_buf data;
	json_t *cfg = NULL;
	const char *helper;
	int r;

	memset(cr, 0, sizeof(*cr));
	if (config_path(path, sizeof(path), config_dir) < 0 || access(path, F_OK) < 0)
		return 0;
	moat_buf_init(&data, CONFIG_MAX + 1);
	r = moat_read_file(path, CONFIG_MAX, &data, err);
	if (r == 0)
		r = moat_json_parse(data.data, data.len, CONFIG_MAX, path, &cfg, err);
	moat_buf_release(&data);
	if (r < 0)
		return r;
	helper = moat_json_str(json_object_get(cfg, "credHelpers"), host);
	if (!helper)
		helper = moat_json_str(cfg, "credsStore");
	if (helper)
		r = from_helper(cr, helper, host, err);
	if (r == 0 && !cr->have && !cr->identity_token[0]) {
		const json_t *entry = auths_entry(json_object_get(cfg, "auths"), host);

		if (entry)
			r = from_auths(cr, entry, err);
	}
	json_decref(cfg);
	if (r < 0)
		return moat_error_prefix(err, "%s: ", path);
	return 0;
}

int registry_basic_header(const struct registry_creds *cr, char *out, size_t size)
{
	char pair[sizeof(cr->user) + sizeof(cr->secret) + 2];
	int n = snprintf(pair, sizeof(pair), "%s:%s", cr->user, cr->secret);
	const char prefix[] = "Authorization: Basic ";

	if (n < 0 || (size_t)n >= sizeof(pair) ||
	    sizeof(prefix) + 4 * ((size_t)n + 2) / 3 + 1 > size)
		return MOAT_E_LIMIT;
	memcpy(out, prefix, sizeof(prefix) - 1);
	EVP_EncodeBlock((unsigned char *)out + sizeof(prefix) - 1, (unsigned char *)pair, n);
	explicit_bzero(pair, sizeof(pair));
	return 0;
}
