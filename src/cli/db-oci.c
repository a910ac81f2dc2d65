/* SPDX-License-Identifier: Apache-2.0 */
/*
 * db-oci.c - `moat db push|pull REGISTRY/REPO:TAG`: the DB as an OCI
 * artifact over the distribution API (plain http only).
 *
 * The artifact is an OCI image manifest with artifactType
 * application/vnd.moat.vulndb.v1, the empty config ("{}") and one layer, the
 * DB file itself. Push uploads each blob monolithically (POST, then PUT with
 * the digest), then PUTs the manifest under the tag. Pull reads the manifest
 * (bounded, checked against the reference when it is a digest), then
 * downloads the layer like `moat db update`: temp file beside the DB, digest
 * and open checked, renamed over the old file.
 *
 * NEEDSWORK: move the distribution client to src/registry/ once it exists,
 * with https and token auth.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/digest.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "moat/error.h"
#include "net/http.h"
#include "vuln/vulndb.h"
#include "cli.h"
#include "db-cmd.h"

#define VDB_ARTIFACT_TYPE "application/vnd.moat.vulndb.v1"
#define VDB_LAYER_TYPE "application/vnd.moat.vulndb.layer.v1"
#define OCI_MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define OCI_EMPTY_TYPE "application/vnd.oci.empty.v1+json"
#define OCI_EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
/* Our manifest is ~600 bytes; the distribution spec caps manifests at 4 MiB. */
#define OCI_MAX_MANIFEST (4u << 20)

struct oci_ref {
	char registry[256];
	char repo[512];
	char tag[256];          /* tag or "sha256:..." */
	bool by_digest;
};

/* "host[:port]/repo/path[:tag|@sha256:hex]"; the first part must look like a host. */
static int ref_parse(const char *s, struct oci_ref *ref, struct moat_error *err)
{
	const char *slash = strchr(s, '/');
	const char *at;
	const char *colon;
	size_t rlen;

	memset(ref, 0, sizeof(*ref));
	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(ref->registry) ||
	    !(memchr(s, '.', (size_t)(slash - s)) || memchr(s, ':', (size_t)(slash - s)) ||
	      !strncmp(s, "localhost/", 10)))
		return moat_error_set(err, MOAT_E_USAGE, "%s: want REGISTRY/REPO[:TAG]", s);
	memcpy(ref->registry, s, (size_t)(slash - s));
	at = strchr(slash, '@');
	colon = strrchr(slash, ':');
	rlen = at ? (size_t)(at - slash - 1) : colon ? (size_t)(colon - slash - 1) : strlen(slash + 1);
	if (rlen == 0 || rlen >= sizeof(ref->repo))
		return moat_error_set(err, MOAT_E_USAGE, "%s: bad repository", s);
	memcpy(ref->repo, slash + 1, rlen);
	for (size_t i = 0; i < rlen; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789._-/", ref->repo[i]))
			return moat_error_set(err, MOAT_E_USAGE, "%s: bad repository name", s);
	ref->by_digest = at != NULL;
	snprintf(ref->tag, sizeof(ref->tag), "%s", at ? at + 1 : colon ? colon + 1 : "latest");
	if (ref->by_digest ? !moat_digest_valid(ref->tag, strlen(ref->tag))
			   : strspn(ref->tag, "abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
				     strlen(ref->tag) || !ref->tag[0])
		return moat_error_set(err, MOAT_E_USAGE, "%s: bad tag or digest", s);
	return 0;
}

static void ref_url(const struct oci_ref *ref, const char *kind, const char *what, char *out,
		    size_t len)
{
	snprintf(out, len, "http://%s/v2/%s/%s/%s", ref->registry, ref->repo, kind, what);
}

/* Send and require one of two statuses; the response stays open in *ret. */
static int call(struct moat_http *http, const struct moat_http_req *req, int want, int want2,
		struct moat_http_resp **ret, struct moat_error *err)
{
	int r = moat_http_send(http, req, ret, err);

	if (r < 0)
		return r;
	if (moat_http_resp_status(*ret) != want && moat_http_resp_status(*ret) != want2) {
		r = moat_http_resp_fail(*ret, req->url, err);
		moat_http_resp_close(*ret);
		*ret = NULL;
	}
	return r;
}

/* Location of an upload: absolute, or a path on the registry. */
static int upload_url(struct moat_http_resp *resp, const struct oci_ref *ref, const char *digest,
		      char *out, size_t len, struct moat_error *err)
{
	struct moat_slice loc;
	int n;

	if (!moat_http_resp_header(resp, "location", 0, &loc) || loc.len == 0)
		return moat_error_set(err, MOAT_E_FORMAT, "%s: upload without a Location",
				      moat_http_resp_url(resp));
	if (loc.ptr[0] == '/')
		n = snprintf(out, len, "http://%s%.*s", ref->registry, (int)loc.len,
			     (const char *)loc.ptr);
	else
		n = snprintf(out, len, "%.*s", (int)loc.len, (const char *)loc.ptr);
	if (n < 0 || (size_t)n >= len ||
	    (size_t)snprintf(out + n, len - (size_t)n, "%sdigest=%s",
			     memchr(loc.ptr, '?', loc.len) ? "&" : "?", digest) >= len - (size_t)n)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: upload URL too long",
				      moat_http_resp_url(resp));
	return 0;
}

/* Upload one blob unless the registry has it. */
static int push_blob(struct moat_http *http, const struct oci_ref *ref, const void *data,
		     uint64_t len, const char *digest, struct moat_error *err)
{
	char url[MOAT_HTTP_MAX_URL];
	char put[MOAT_HTTP_MAX_URL];
	struct moat_http_req req = { .method = "HEAD", .url = url };
	struct moat_http_resp *resp = NULL;
	int r;

	ref_url(ref, "blobs", digest, url, sizeof(url));
	r = moat_http_send(http, &req, &resp, err);
	if (r == 0 && moat_http_resp_status(resp) == 200) {
		moat_http_resp_close(resp);
		return 0;
	}
	moat_http_resp_close(resp);
	resp = NULL;
	ref_url(ref, "blobs", "uploads/", url, sizeof(url));
	req = (struct moat_http_req){ .method = "POST", .url = url };
	r = call(http, &req, 202, 202, &resp, err);
	if (r == 0)
		r = upload_url(resp, ref, digest, put, sizeof(put), err);
	moat_http_resp_close(resp);
	resp = NULL;
	if (r < 0)
		return r;
	req = (struct moat_http_req){ .method = "PUT", .url = put, .body = data,
		.body_len = len, .content_type = "application/octet-stream", .timeout_sec = 300 };
	r = call(http, &req, 201, 204, &resp, err);
	moat_http_resp_close(resp);
	return r;
}

static int manifest_json(struct moat_buf *out, const char *digest, uint64_t size, int64_t built)
{
	struct moat_jw jw;
	char created[32];
	time_t tt = (time_t)built;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(created, sizeof(created), "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(created, sizeof(created), "1970-01-01T00:00:00Z");
	moat_jw_init(&jw, out, false);
	moat_jw_obj_begin(&jw);
	moat_jw_kint(&jw, "schemaVersion", 2);
	moat_jw_kstr(&jw, "mediaType", OCI_MANIFEST_TYPE);
	moat_jw_kstr(&jw, "artifactType", VDB_ARTIFACT_TYPE);
	moat_jw_key(&jw, "config");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "mediaType", OCI_EMPTY_TYPE);
	moat_jw_kstr(&jw, "digest", OCI_EMPTY_DIGEST);
	moat_jw_kint(&jw, "size", 2);
	moat_jw_obj_end(&jw);
	moat_jw_key(&jw, "layers");
	moat_jw_arr_begin(&jw);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "mediaType", VDB_LAYER_TYPE);
	moat_jw_kstr(&jw, "digest", digest);
	moat_jw_kuint(&jw, "size", size);
	moat_jw_key(&jw, "annotations");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "org.opencontainers.image.title", "vuln.db");
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	moat_jw_arr_end(&jw);
	moat_jw_key(&jw, "annotations");
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "org.opencontainers.image.created", created);
	moat_jw_obj_end(&jw);
	moat_jw_obj_end(&jw);
	return moat_jw_finish(&jw);
}

static int push(struct moat_http *http, const char *path, const struct oci_ref *ref,
		struct moat_error *err)
{
	char digest[MOAT_DIGEST_STR_MAX];
	char url[MOAT_HTTP_MAX_URL];
	struct moat_vulndb *db = NULL;
	struct moat_http_resp *resp = NULL;
	struct moat_http_req req;
	struct moat_buf man;
	struct stat st;
	void *map = MAP_FAILED;
	int fd;
	int r;

	/* Only a DB that opens with its checksum verified is worth publishing. */
	r = moat_vulndb_open(path, true, &db, err);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (fd >= 0)
		close(fd);
	if (map == MAP_FAILED) {
		moat_vulndb_close(db);
		return moat_error_set(err, -errno, "%s: %s", path, strerror(errno));
	}
	moat_buf_init(&man, OCI_MAX_MANIFEST);
	r = moat_sha256_str(map, (size_t)st.st_size, digest);
	r = r ? r : push_blob(http, ref, "{}", 2, OCI_EMPTY_DIGEST, err);
	r = r ? r : push_blob(http, ref, map, (uint64_t)st.st_size, digest, err);
	if (r == 0 && manifest_json(&man, digest, (uint64_t)st.st_size,
				    moat_vulndb_info(db)->built) < 0)
		r = moat_error_set(err, -ENOMEM, "manifest: out of memory");
	ref_url(ref, "manifests", ref->tag, url, sizeof(url));
	req = (struct moat_http_req){ .method = "PUT", .url = url, .body = man.data,
		.body_len = man.len, .content_type = OCI_MANIFEST_TYPE };
	r = r ? r : call(http, &req, 201, 201, &resp, err);
	moat_http_resp_close(resp);
	if (r == 0)
		fprintf(stderr, "moat: pushed %s (%s, %llu bytes) to %s/%s:%s\n", path, digest,
			(unsigned long long)st.st_size, ref->registry, ref->repo, ref->tag);
	moat_buf_release(&man);
	munmap(map, (size_t)st.st_size);
	moat_vulndb_close(db);
	return r;
}

/* The layer digest of a moat DB artifact manifest. */
static int manifest_layer(const struct moat_buf *body, const char *url, char *digest,
			  struct moat_error *err)
{
	json_t *m = NULL;
	json_t *layers;
	json_t *layer;
	const char *d;
	const char *type;
	int r = moat_json_parse(body->data, body->len, OCI_MAX_MANIFEST, url, &m, err);

	if (r < 0)
		return r;
	layers = json_object_get(m, "layers");
	layer = json_array_get(layers, 0);
	type = moat_json_str(m, "artifactType");
	d = moat_json_str(layer, "digest");
	if (!type || strcmp(type, VDB_ARTIFACT_TYPE) != 0)
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: not a moat DB artifact (artifactType %s)",
				   url, type ? type : "missing");
	else if (json_array_size(layers) != 1 || !moat_json_str(layer, "mediaType") ||
		 strcmp(moat_json_str(layer, "mediaType"), VDB_LAYER_TYPE) != 0 || !d ||
		 !moat_digest_valid(d, strlen(d)))
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: want exactly one %s layer", url,
				   VDB_LAYER_TYPE);
	else
		snprintf(digest, MOAT_DIGEST_STR_MAX, "%s", d);
	json_decref(m);
	return r;
}

static int resolve(struct moat_http *http, const struct oci_ref *ref, char *digest,
		   struct moat_error *err)
{
	static const char *const accept[] = { "Accept: " OCI_MANIFEST_TYPE, NULL };
	char url[MOAT_HTTP_MAX_URL];
	char got[MOAT_DIGEST_STR_MAX];
	struct moat_http_req req = { .url = url, .headers = accept };
	struct moat_http_resp *resp = NULL;
	struct moat_buf body;
	int r;

	ref_url(ref, "manifests", ref->tag, url, sizeof(url));
	moat_buf_init(&body, OCI_MAX_MANIFEST + 1);
	r = call(http, &req, 200, 200, &resp, err);
	if (r == 0)
		r = moat_http_resp_read_all(resp, &body, OCI_MAX_MANIFEST, err);
	moat_http_resp_close(resp);
	if (r == 0 && ref->by_digest && (moat_sha256_str(body.data, body.len, got) < 0 ||
					 strcmp(got, ref->tag) != 0))
		r = moat_error_set(err, MOAT_E_VERIFY, "%s: manifest digest is %s", url, got);
	if (r == 0)
		r = manifest_layer(&body, url, digest, err);
	moat_buf_release(&body);
	return r;
}

static int pull(struct moat_http *http, const struct oci_ref *ref, const char *path,
		struct moat_error *err)
{
	char digest[MOAT_DIGEST_STR_MAX];
	char url[MOAT_HTTP_MAX_URL];
	int r = resolve(http, ref, digest, err);

	if (r < 0)
		return r;
	ref_url(ref, "blobs", digest, url, sizeof(url));
	r = db_update_from(http, url, NULL, digest, path, err);
	if (r == 0)
		fprintf(stderr, "moat: pulled %s/%s:%s (%s) into %s\n", ref->registry, ref->repo,
			ref->tag, digest, path);
	return r;
}

static int run(int argc, char **argv, bool is_push)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *given = NULL;
	char defpath[PATH_MAX];
	const char *path;
	struct moat_error err = { 0 };
	struct moat_http *http = NULL;
	struct oci_ref ref;
	int c;
	int r;

	while ((c = getopt_long(argc, argv, "d:h", opts, NULL)) != -1) {
		if (c == 'd') {
			given = optarg;
			continue;
		}
		fprintf(c == 'h' ? stdout : stderr, "usage: moat db %s [--db FILE] "
			"REGISTRY/REPO[:TAG|@DIGEST]\n\nplain http only (a loopback or "
			"in-cluster registry); https and auth are not supported yet.\n",
			is_push ? "push" : "pull");
		return c == 'h' ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	}
	path = db_path(given, defpath, sizeof(defpath));
	if (!path || optind != argc - 1) {
		fprintf(stderr, "moat db %s: need one REGISTRY/REPO[:TAG] (and --db or MOAT_DB)\n",
			is_push ? "push" : "pull");
		return MOAT_EXIT_USAGE;
	}
	r = ref_parse(argv[optind], &ref, &err);
	if (r == 0 && is_push && ref.by_digest)
		r = moat_error_set(&err, MOAT_E_USAGE, "push needs a tag, not a digest");
	if (r == 0)
		r = moat_http_open(NULL, &http, &err);
	if (r == 0)
		r = is_push ? push(http, path, &ref, &err) : pull(http, &ref, path, &err);
	moat_http_close(http);
	if (r < 0) {
		fprintf(stderr, "moat db %s: %s%s\n", is_push ? "push" : "pull", err.msg,
			is_push ? "" : "; kept the previous DB");
		return MOAT_EXIT_USAGE;
	}
	return MOAT_EXIT_OK;
}

int db_cmd_push(int argc, char **argv)
{
	return run(argc, argv, true);
}

int db_cmd_pull(int argc, char **argv)
{
	return run(argc, argv, false);
}
