/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docker_probe.c - talk to a real Docker Engine through src/runtime/docker.c
 * and print what it answered, for tests/integration/docker_api.sh to compare
 * with the docker CLI.
 *
 *   docker_probe [-s SOCKET] NAME
 *
 * Prints, one per line:
 *   api 1.41                        negotiated API version
 *   id sha256:...                   "Id" of GET /images/NAME/json
 *   member <type> <size> <path>     each entry of the export, in stream order
 *   stream sha256:... <bytes>       digest and size of the whole export stream
 *
 * Exit status: 0 on success, 3 when the engine has no such image
 * (MOAT_E_NOTFOUND), 4 when the engine cannot be reached, 1 otherwise; errors
 * go to stderr as "docker_probe: <code name>: <message>".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/digest.h"
#include "image/tar.h"
#include "moat/error.h"
#include "moat/limits.h"
#include "runtime/docker.h"

/* Hashes and counts every byte of the export. It has no skip on purpose, so
 * the tar reader's skips over entry data still pass through the digest. */
struct hash_reader {
	struct moat_reader *in;
	struct moat_sha256 sha;
	uint64_t bytes;
};

static ssize_t hash_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct hash_reader *h = ctx;
	ssize_t n = moat_read(h->in, buf, len, err);

	if (n > 0) {
		moat_sha256_update(&h->sha, buf, (size_t)n);
		h->bytes += (uint64_t)n;
	}
	return n;
}

static int fail(int code, const struct moat_error *err)
{
	fprintf(stderr, "docker_probe: %s: %s\n", moat_strerror(code), err->msg);
	if (code == MOAT_E_NOTFOUND)
		return 3;
	if (code == -ENOENT || code == -ECONNREFUSED || code == -EACCES)
		return 4;
	return 1;
}

static int print_id(struct moat_docker *docker, const char *name, struct moat_error *err)
{
	json_t *json = NULL;
	const char *id;
	int r = moat_docker_image_inspect(docker, name, &json, err);

	if (r < 0)
		return r;
	id = json_string_value(json_object_get(json, "Id"));
	printf("id %s\n", id ? id : "(none)");
	json_decref(json);
	return 0;
}

/* List the export's members, drain what follows the tar's end, print the digest. */
static int print_export(struct moat_docker *docker, const char *name, struct moat_error *err)
{
	struct moat_limits limits;
	struct moat_reader body;
	struct hash_reader h = { 0 };
	struct moat_reader hr = { hash_read, &h, NULL };
	struct moat_tar tar;
	struct moat_tar_entry e;
	char digest[MOAT_DIGEST_STR_MAX];
	uint8_t rest[65536];
	ssize_t n;
	int r;

	r = moat_docker_image_export(docker, name, &body, err);
	if (r < 0)
		return r;
	h.in = &body;
	if (moat_sha256_init(&h.sha) < 0)
		return moat_error_set(err, -ENOMEM, "sha256 init failed");
	moat_limits_default(&limits);
	moat_tar_init(&tar, &hr, &limits, "export");
	for (;;) {
		r = moat_tar_next(&tar, &e, err);
		if (r <= 0)
			break;
		printf("member %c %" PRIu64 " %.*s\n", e.type, e.size, (int)e.path_len, e.path);
	}
	moat_tar_release(&tar);
	/* The tar's end-of-archive blocks and any padding after them. */
	do {
		n = r < 0 ? 0 : moat_read(&hr, rest, sizeof(rest), err);
	} while (n > 0);
	if (r == 0 && n < 0)
		r = (int)n;
	moat_sha256_final(&h.sha, digest);
	if (r < 0)
		return r;
	printf("stream %s %" PRIu64 "\n", digest, h.bytes);
	return 0;
}

int main(int argc, char **argv)
{
	struct moat_error err = { 0 };
	struct moat_docker *docker = NULL;
	const char *sock = NULL;
	int opt;
	int r;

	while ((opt = getopt(argc, argv, "s:")) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: docker_probe [-s SOCKET] NAME\n");
			return 2;
		}
		sock = optarg;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: docker_probe [-s SOCKET] NAME\n");
		return 2;
	}
	r = moat_docker_open(sock, &docker, &err);
	if (r < 0)
		return fail(r, &err);
	printf("api %s\n", moat_docker_api_version(docker));
	r = print_id(docker, argv[optind], &err);
	if (r == 0)
		r = print_export(docker, argv[optind], &err);
	moat_docker_close(docker);
	if (r < 0) {
		fflush(stdout);
		return fail(r, &err);
	}
	return 0;
}
