/* SPDX-License-Identifier: Apache-2.0 */
/*
 * content.c - what a registry serves: manifests (and the platform pick from
 * an index), blobs checked while they stream, and the paginated catalog and
 * tag lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "moat/error.h"
#include "net/http.h"
#include "client-int.h"
#include "registry.h"

/* Index -> manifest is one hop; nested indexes are not images we scan. */
#define MAX_INDEX_HOPS 2
#define MAX_PAGES 10000u

static const char *const manifest_accept[] = {
	"Accept: " MOAT_REGISTRY_MEDIA_OCI_MANIFEST,
	"Accept: " MOAT_REGISTRY_MEDIA_DOCKER_MANIFEST,
	"Accept: " MOAT_REGISTRY_MEDIA_OCI_INDEX,
	"Accept: " MOAT_REGISTRY_MEDIA_DOCKER_LIST,
	NULL,
};

static void pull_scope(const char *repo, char *out, size_t size)
{
	snprintf(out, size, "repository:%s:pull", repo);
}

void moat_registry_manifest_init(struct moat_registry_manifest *m)
{
	memset(m, 0, sizeof(*m));
	moat_buf_init(&m->data, MOAT_REGISTRY_MAX_MANIFEST + 1);
}

void moat_registry_manifest_release(struct moat_registry_manifest *m)
{
	moat_buf_release(&m->data);
	memset(m, 0, sizeof(*m));
}

/* One GET of a manifest; the bytes, their digest and type into m. */
static int fetch_manifest(struct moat_registry *reg, const char *repo, const char *ref,
			  struct moat_registry_manifest *m, json_t **ret_doc,
			  struct moat_error *err)
{
	char path[MOAT_HTTP_MAX_URL];
	char scope[MOAT_REGISTRY_MAX_SCOPE];
	char what[MOAT_REGISTRY_MAX_HOST + MOAT_REGISTRY_MAX_REPO + MOAT_DIGEST_STR_MAX + 4];
	struct registry_req rq = { .path = path, .scope = scope, .accept = manifest_accept };
	struct moat_http_resp *resp = NULL;
	struct moat_slice ctype = { 0 };
	int r;

	snprintf(what, sizeof(what), "%s/%s%s%s", reg->host, repo,
		 strncmp(ref, "sha256:", 7) == 0 ? "@" : ":", ref);
	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, ref);
	pull_scope(repo, scope, sizeof(scope));
	moat_buf_reset(&m->data);
	r = registry_send(reg, &rq, &resp, err);
	if (r == 0 && moat_http_resp_status(resp) != 200)
		r = moat_http_resp_fail(resp, what, err);
	if (r == 0)
		r = moat_http_resp_read_all(resp, &m->data, MOAT_REGISTRY_MAX_MANIFEST, err);
	if (r == 0)
		moat_http_resp_header(resp, "content-type", 0, &ctype);
	if (r == 0 && moat_sha256_str(m->data.data, m->data.len, m->digest) < 0)
		r = moat_error_set(err, -ENOMEM, "out of memory");
	if (r == 0 && !strncmp(ref, "sha256:", 7) && strcmp(ref, m->digest) != 0)
		r = moat_error_set(err, MOAT_E_VERIFY, "%s: manifest digest is %s", what, m->digest);
	if (r == 0)
		r = moat_registry_manifest_parse(m->data.data, m->data.len, ctype, what,
						 m->media_type, sizeof(m->media_type), ret_doc, err);
	moat_http_resp_close(resp);
	return r;
}

int moat_registry_manifest_get(struct moat_registry *reg, const char *repo, const char *ref,
			       const struct moat_registry_platform *platform,
			       struct moat_registry_manifest *out, struct moat_error *err)
{
	struct moat_registry_platform amd64 = { "linux", "amd64", "" };
	char next[MOAT_DIGEST_STR_MAX];
	const char *want = ref;
	int r = 0;

	if (!moat_registry_repo_valid(repo, strlen(repo)) ||
	    !(moat_registry_tag_valid(ref, strlen(ref)) || moat_digest_valid(ref, strlen(ref))))
		return moat_error_set(err, MOAT_E_USAGE, "registry: bad repository or reference");
	out->index_digest[0] = '\0';
	for (int hop = 0; r == 0; hop++) {
		json_t *doc = NULL;
		const json_t *pick;
		const char *d;

		r = fetch_manifest(reg, repo, want, out, &doc, err);
		if (r == 0 && !moat_registry_media_is_index(out->media_type)) {
			json_decref(doc);
			return 0;
		}
		if (r == 0 && hop + 1 == MAX_INDEX_HOPS)
			r = moat_error_set(err, MOAT_E_FORMAT, "%s/%s: an index inside an index",
					   reg->host, repo);
		pick = r == 0 ? moat_registry_pick_platform(doc, platform ? platform : &amd64, err)
			      : NULL;
		d = moat_json_str(pick, "digest");
		if (r == 0 && !pick)
			r = moat_error_prefix(err, "%s/%s:%s: ", reg->host, repo, ref);
		else if (r == 0 && (!d || !moat_digest_valid(d, strlen(d))))
			r = moat_error_set(err, MOAT_E_FORMAT, "%s/%s: index entry without a digest",
					   reg->host, repo);
		if (r == 0) {
			snprintf(out->index_digest, sizeof(out->index_digest), "%s", out->digest);
			snprintf(next, sizeof(next), "%s", d);
			want = next;
		}
		json_decref(doc);
	}
	return r;
}

int moat_registry_manifest_digest(struct moat_registry *reg, const char *repo, const char *tag,
				  char out[MOAT_DIGEST_STR_MAX], struct moat_error *err)
{
	char path[MOAT_HTTP_MAX_URL];
	char scope[MOAT_REGISTRY_MAX_SCOPE];
	struct registry_req rq = { .method = "HEAD", .path = path, .scope = scope,
				   .accept = manifest_accept };
	struct moat_http_resp *resp = NULL;
	struct moat_registry_manifest m;
	struct moat_slice v;
	json_t *doc = NULL;
	int r;

	snprintf(path, sizeof(path), "/v2/%s/manifests/%s", repo, tag);
	pull_scope(repo, scope, sizeof(scope));
	r = registry_send(reg, &rq, &resp, err);
	if (r == 0 && moat_http_resp_status(resp) == 200 &&
	    moat_http_resp_header(resp, "docker-content-digest", 0, &v) &&
	    v.len < MOAT_DIGEST_STR_MAX && moat_digest_valid((const char *)v.ptr, v.len)) {
		memcpy(out, v.ptr, v.len);
		out[v.len] = '\0';
		moat_http_resp_close(resp);
		return 0;
	}
	moat_http_resp_close(resp);
	/* No usable header: the digest of the bytes themselves. */
	moat_registry_manifest_init(&m);
	r = fetch_manifest(reg, repo, tag, &m, &doc, err);
	if (r == 0 || r == MOAT_E_UNSUPPORTED)
		snprintf(out, MOAT_DIGEST_STR_MAX, "%s", m.digest);
	json_decref(doc);
	moat_registry_manifest_release(&m);
	return r;
}

struct moat_registry_blob {
	struct moat_http_resp *resp;
	struct moat_reader body;
	struct moat_sha256 sha;
	char digest[MOAT_DIGEST_STR_MAX];
	uint64_t size;
	uint64_t seen;
	bool ended;
	int error;                      /* sticky: a failed blob never ends cleanly */
};

static ssize_t blob_check(struct moat_registry_blob *b, ssize_t n, const void *buf,
			  struct moat_error *err)
{
	char got[MOAT_DIGEST_STR_MAX];

	if (n < 0)
		return n;
	if (n > 0) {
		b->seen += (uint64_t)n;
		if (b->seen > b->size)
			return moat_error_set(err, MOAT_E_LIMIT, "blob %s: more than the %llu bytes "
					      "the manifest says", b->digest,
					      (unsigned long long)b->size);
		moat_sha256_update(&b->sha, buf, (size_t)n);
		return n;
	}
	b->ended = true;
	moat_sha256_final(&b->sha, got);
	b->sha.ctx = NULL;
	if (b->size != UINT64_MAX && b->seen != b->size)
		return moat_error_set(err, MOAT_E_TRUNCATED, "blob %s: %llu bytes, manifest says %llu",
				      b->digest, (unsigned long long)b->seen,
				      (unsigned long long)b->size);
	if (strcmp(got, b->digest) != 0)
		return moat_error_set(err, MOAT_E_VERIFY, "blob %s: content has digest %s",
				      b->digest, got);
	return 0;
}

static ssize_t blob_read(void *ctx, void *buf, size_t len, struct moat_error *err)
{
	struct moat_registry_blob *b = ctx;
	ssize_t n;

	if (b->error)
		return moat_error_set(err, b->error, "blob %s: read after an error", b->digest);
	if (b->ended)
		return 0;
	n = blob_check(b, moat_read(&b->body, buf, len, err), buf, err);
	if (n < 0)
		b->error = (int)n;
	return n;
}

int moat_registry_blob_open(struct moat_registry *reg, const char *repo, const char *digest,
			    uint64_t size, struct moat_registry_blob **ret_blob,
			    struct moat_reader *ret_body, struct moat_error *err)
{
	char path[MOAT_HTTP_MAX_URL];
	char scope[MOAT_REGISTRY_MAX_SCOPE];
	struct registry_req rq = { .path = path, .scope = scope, .follow = true };
	struct moat_registry_blob *b;
	int r;

	if (!moat_digest_valid(digest, strlen(digest)) || strncmp(digest, "sha256:", 7) != 0)
		return moat_error_set(err, MOAT_E_UNSUPPORTED, "blob %.80s: only sha256 digests",
				      digest);
	b = calloc(1, sizeof(*b));
	if (!b || moat_sha256_init(&b->sha) < 0) {
		free(b);
		return moat_error_set(err, -ENOMEM, "out of memory");
	}
	snprintf(b->digest, sizeof(b->digest), "%s", digest);
	b->size = size;
	snprintf(path, sizeof(path), "/v2/%s/blobs/%s", repo, digest);
	pull_scope(repo, scope, sizeof(scope));
	r = registry_send(reg, &rq, &b->resp, err);
	if (r == 0 && moat_http_resp_status(b->resp) != 200)
		r = moat_http_resp_fail(b->resp, digest, err);
	if (r < 0) {
		moat_registry_blob_close(b);
		return moat_error_prefix(err, "%s/%s: ", reg->host, repo);
	}
	b->body = moat_http_resp_body(b->resp);
	*ret_blob = b;
	*ret_body = (struct moat_reader){ blob_read, b, NULL };
	return 0;
}

void moat_registry_blob_close(struct moat_registry_blob *blob)
{
	if (!blob)
		return;
	if (blob->sha.ctx)
		moat_sha256_release(&blob->sha);
	moat_http_resp_close(blob->resp);
	free(blob);
}

int moat_registry_blob_get(struct moat_registry *reg, const char *repo, const char *digest,
			   size_t max, struct moat_buf *out, struct moat_error *err)
{
	struct moat_registry_blob *b = NULL;
	struct moat_reader body;
	size_t start = out->len;
	/* The size is not known here: bounded by max, digest checked at the end. */
	int r = moat_registry_blob_open(reg, repo, digest, UINT64_MAX, &b, &body, err);

	while (r == 0) {
		ssize_t n;

		if (moat_buf_reserve(out, 16384) < 0) {
			r = moat_error_set(err, -ENOMEM, "blob %s: out of memory", digest);
			break;
		}
		n = moat_read(&body, out->data + out->len, 16384, err);
		if (n <= 0) {
			r = (int)n;
			break;
		}
		out->len += (size_t)n;
		if (out->len - start > max)
			r = moat_error_set(err, MOAT_E_LIMIT, "blob %s: over %zu bytes", digest, max);
	}
	moat_registry_blob_close(b);
	return r;
}

/* Pages of a list endpoint: each page's JSON array `key` goes to fn. */
static int list_pages(struct moat_registry *reg, const char *first, const char *scope,
		      const char *key, size_t max, int (*fn)(void *ctx, const char *name),
		      void *ctx, struct moat_error *err)
{
	char path[MOAT_HTTP_MAX_URL];
	size_t count = 0;
	int r = 0;

	snprintf(path, sizeof(path), "%s", first);
	for (unsigned page = 0; r == 0 && path[0]; page++) {
		struct registry_req rq = { .path = path, .scope = scope };
		struct moat_http_resp *resp = NULL;
		struct moat_buf body;
		struct moat_slice link;
		json_t *doc = NULL;
		json_t *v;
		size_t i;

		if (page == MAX_PAGES)
			return moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u pages", first,
					      MAX_PAGES);
		moat_buf_init(&body, MOAT_REGISTRY_MAX_LIST + 1);
		r = registry_send(reg, &rq, &resp, err);
		if (r == 0 && moat_http_resp_status(resp) != 200)
			r = moat_http_resp_fail(resp, path, err);
		if (r == 0)
			r = moat_http_resp_read_all(resp, &body, MOAT_REGISTRY_MAX_LIST, err);
		if (r == 0)
			r = moat_json_parse(body.data, body.len, MOAT_REGISTRY_MAX_LIST, path, &doc,
					    err);
		path[0] = '\0';
		if (r == 0 && moat_http_resp_header(resp, "link", 0, &link))
			r = moat_registry_parse_link((const char *)link.ptr, link.len, path,
						     sizeof(path), err) < 0 ? MOAT_E_FORMAT : 0;
		json_array_foreach(r == 0 ? json_object_get(doc, key) : NULL, i, v) {
			if (!json_is_string(v))
				continue;
			if (++count > max) {
				r = moat_error_set(err, MOAT_E_LIMIT, "%s: more than %zu entries", first,
						   max);
				break;
			}
			if ((r = fn(ctx, json_string_value(v))) < 0)
				break;
		}
		json_decref(doc);
		moat_http_resp_close(resp);
		moat_buf_release(&body);
	}
	return r;
}

int moat_registry_catalog(struct moat_registry *reg, size_t max,
			  int (*fn)(void *ctx, const char *repo), void *ctx,
			  struct moat_error *err)
{
	return list_pages(reg, "/v2/_catalog?n=100", "registry:catalog:*", "repositories", max, fn,
			  ctx, err);
}

int moat_registry_tags(struct moat_registry *reg, const char *repo, size_t max,
		       int (*fn)(void *ctx, const char *tag), void *ctx, struct moat_error *err)
{
	char path[MOAT_HTTP_MAX_URL];
	char scope[MOAT_REGISTRY_MAX_SCOPE];

	if (!moat_registry_repo_valid(repo, strlen(repo)))
		return moat_error_set(err, MOAT_E_FORMAT, "registry: bad repository name %.80s", repo);
	snprintf(path, sizeof(path), "/v2/%s/tags/list?n=100", repo);
	pull_scope(repo, scope, sizeof(scope));
	return list_pages(reg, path, scope, "tags", max, fn, ctx, err);
}
