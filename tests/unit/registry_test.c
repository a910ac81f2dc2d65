/* SPDX-License-Identifier: Apache-2.0 */
/* registry_test.c - WWW-Authenticate, Link, references, platform picks and
 * push notifications (src/registry/parse.c, notify.c); a registry that
 * never answers within a handle's budget (client.c). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/json.h"
#include "harness.h"
#include "moat/error.h"
#include "registry/notify.h"
#include "registry/parse.h"
#include "registry/registry.h"

#define D1 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define D2 "sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int challenge(const char *s, struct moat_registry_challenge *ch)
{
	return moat_registry_parse_challenge(s, strlen(s), ch, NULL);
}

static void test_registry__challenges(void)
{
	struct moat_registry_challenge ch;

	CHECK_INT(challenge("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
			    "scope=\"repository:library/alpine:pull\"", &ch), 0);
	CHECK_INT(ch.scheme, MOAT_REGISTRY_AUTH_BEARER);
	CHECK_STR(ch.realm, "https://auth.docker.io/token");
	CHECK_STR(ch.service, "registry.docker.io");
	CHECK_STR(ch.scope, "repository:library/alpine:pull");
	CHECK_INT(challenge("Basic realm=\"Registry Realm\"", &ch), 0);
	CHECK_INT(ch.scheme, MOAT_REGISTRY_AUTH_BASIC);
	/* Bearer wins, whatever the order; token68 and unknown schemes are skipped. */
	CHECK_INT(challenge("Negotiate YWJj==, Basic realm=x, bearer realm=\"https://a/t\\\"q\" , "
			    "error=insufficient_scope", &ch), 0);
	CHECK_INT(ch.scheme, MOAT_REGISTRY_AUTH_BEARER);
	CHECK_STR(ch.realm, "https://a/t\"q");
	CHECK_STR(ch.error, "insufficient_scope");
	CHECK_INT(challenge("Negotiate abc", &ch), MOAT_E_UNSUPPORTED);
	CHECK_INT(challenge("Bearer service=x", &ch), MOAT_E_FORMAT);
	CHECK_INT(challenge("Bearer realm=\"https://a", &ch), MOAT_E_FORMAT);
	CHECK_INT(challenge("", &ch), MOAT_E_FORMAT);
	CHECK_INT(challenge("Bearer realm=a\x01", &ch), MOAT_E_FORMAT);
}

static void test_registry__links(void)
{
	char next[64];
	const char *l1 = "</v2/_catalog?last=b&n=100>; rel=\"next\"";
	const char *l2 = "<https://x/p>; rel=prev, </v2/t?n=2>; title=\"a;b\"; rel=\"first next\"";

	CHECK_INT(moat_registry_parse_link(l1, strlen(l1), next, sizeof(next), NULL), 1);
	CHECK_STR(next, "/v2/_catalog?last=b&n=100");
	CHECK_INT(moat_registry_parse_link(l2, strlen(l2), next, sizeof(next), NULL), 1);
	CHECK_STR(next, "/v2/t?n=2");
	CHECK_INT(moat_registry_parse_link("<a>; rel=prev", 13, next, sizeof(next), NULL), 0);
	CHECK_INT(moat_registry_parse_link("a; rel=next", 11, next, sizeof(next), NULL),
		  MOAT_E_FORMAT);
	CHECK_INT(moat_registry_parse_link("<a b>; rel=next", 15, next, sizeof(next), NULL),
		  MOAT_E_FORMAT);
}

static void test_registry__refs(void)
{
	struct moat_registry_ref ref;

	CHECK_INT(moat_registry_ref_parse("127.0.0.1:5000/moat/app", &ref, NULL), 0);
	CHECK_STR(ref.host, "127.0.0.1:5000");
	CHECK_STR(ref.repo, "moat/app");
	CHECK_STR(ref.tag, "latest");
	CHECK_INT(moat_registry_ref_parse("r.io/a/b__c-d.e:v1.2", &ref, NULL), 0);
	CHECK_STR(ref.repo, "a/b__c-d.e");
	CHECK_STR(ref.tag, "v1.2");
	CHECK_INT(moat_registry_ref_parse("r.io/a:t@" D1, &ref, NULL), 0);
	CHECK_STR(ref.repo, "a");
	CHECK_STR(ref.digest, D1);
	CHECK_STR(ref.tag, "");
	CHECK_INT(moat_registry_ref_parse("r.io/A/b", &ref, NULL), MOAT_E_USAGE);
	CHECK_INT(moat_registry_ref_parse("r.io/a//b", &ref, NULL), MOAT_E_USAGE);
	CHECK_INT(moat_registry_ref_parse("r.io/../b", &ref, NULL), MOAT_E_USAGE);
	CHECK_INT(moat_registry_ref_parse("r.io/a:-x", &ref, NULL), MOAT_E_USAGE);
	CHECK_INT(moat_registry_ref_parse("app", &ref, NULL), MOAT_E_USAGE);
	CHECK_INT(moat_registry_ref_parse("r.io/a@sha256:12", &ref, NULL), MOAT_E_USAGE);
}

static void test_registry__platform_pick(void)
{
	const char *text = "{\"manifests\":["
		"{\"digest\":\"" D1 "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
		"\"variant\":\"v7\"}},"
		"{\"digest\":\"" D2 "\",\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
		"\"variant\":\"v8\"}},"
		"{\"digest\":\"" D1 "\",\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}";
	json_t *doc = json_loads(text, 0, NULL);
	struct moat_registry_platform p;
	struct moat_error err = { 0 };

	CHECK_INT(moat_registry_platform_parse("linux/arm64", &p, NULL), 0);
	CHECK_STR(moat_json_str(moat_registry_pick_platform(doc, &p, NULL), "digest"), D2);
	CHECK_INT(moat_registry_platform_parse("linux/arm/v7", &p, NULL), 0);
	CHECK_STR(moat_json_str(moat_registry_pick_platform(doc, &p, NULL), "digest"), D1);
	CHECK_INT(moat_registry_platform_parse("linux/arm/v6", &p, NULL), 0);
	CHECK(moat_registry_pick_platform(doc, &p, &err) == NULL);
	CHECK(strstr(err.msg, "linux/arm/v7, linux/arm64/v8") != NULL);
	CHECK_INT(moat_registry_platform_parse("linux", &p, NULL), MOAT_E_USAGE);
	CHECK_INT(moat_registry_platform_parse("linux/amd64/v2/x", &p, NULL), MOAT_E_USAGE);
	json_decref(doc);
}

static void test_registry__notifications(void)
{
	const char *dist = "{\"events\":["
		"{\"action\":\"push\",\"target\":{\"mediaType\":\"application/octet-stream\","
		"\"repository\":\"a\",\"digest\":\"" D1 "\"}},"
		"{\"action\":\"pull\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"repository\":\"a\",\"digest\":\"" D1 "\"}},"
		"{\"action\":\"push\",\"target\":{\"mediaType\":"
		"\"application/vnd.docker.distribution.manifest.v2+json\","
		"\"repository\":\"a/b\",\"digest\":\"" D2 "\",\"tag\":\"1\"}},"
		"{\"action\":\"push\",\"target\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
		"\"repository\":\"../x\",\"digest\":\"" D2 "\"}}]}";
	const char *harbor = "{\"type\":\"PUSH_ARTIFACT\",\"event_data\":{\"repository\":"
		"{\"repo_full_name\":\"lib/app\"},\"resources\":[{\"digest\":\"" D1 "\",\"tag\":\"v2\"}]}}";
	struct moat_registry_pushed p[4];
	size_t n, skipped;

	CHECK_INT(moat_registry_notify_parse(dist, strlen(dist), p, 4, &n, &skipped, NULL), 0);
	CHECK_INT((int)n, 1);
	CHECK_INT((int)skipped, 1);
	CHECK_STR(p[0].repo, "a/b");
	CHECK_STR(p[0].digest, D2);
	CHECK_STR(p[0].tag, "1");
	CHECK_INT(moat_registry_notify_parse(harbor, strlen(harbor), p, 4, &n, &skipped, NULL), 0);
	CHECK_INT((int)n, 1);
	CHECK_STR(p[0].repo, "lib/app");
	CHECK_STR(p[0].tag, "v2");
	CHECK_INT(moat_registry_notify_parse("{\"x\":1}", 7, p, 4, &n, &skipped, NULL),
		  MOAT_E_FORMAT);
	CHECK_INT(moat_registry_notify_parse(harbor, strlen(harbor), p, 0, &n, &skipped, NULL),
		  MOAT_E_LIMIT);
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A blackholed registry: a loopback socket that listens and never accepts
 * (the kernel completes the handshake, nothing ever answers the TLS hello
 * or the request). The handle's budget bounds the whole open, https and
 * the plain-http retry of a loopback host included; the connect/idle
 * timeout alone (60 s by default) would not. */
static void test_registry__budget(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct moat_registry_opts ro = { .timeout_sec = 30, .budget_ms = 800,
					 .docker_config = "/nonexistent" };
	struct moat_registry *reg = NULL;
	struct moat_error err = { 0 };
	char host[32];
	double t0, took;
	int r;

	CHECK(fd >= 0);
	CHECK_INT(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	CHECK_INT(listen(fd, 4), 0);
	CHECK_INT(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	snprintf(host, sizeof(host), "127.0.0.1:%u", ntohs(sa.sin_port));
	t0 = now_sec();
	r = moat_registry_open(host, &ro, &reg, &err);
	took = now_sec() - t0;
	CHECK_INT(r, -ETIMEDOUT);
	CHECK(reg == NULL);
	CHECK(strstr(err.msg, host) != NULL);
	CHECK(took >= 0.7);
	CHECK(took < 3.0);
	fprintf(stderr, "registry budget 800 ms: open of a silent registry gave up after %.0f ms "
		"(%s)\n", took * 1000, err.msg);
	close(fd);
}

int main(void)
{
	MOAT_RUN(test_registry__challenges);
	MOAT_RUN(test_registry__links);
	MOAT_RUN(test_registry__refs);
	MOAT_RUN(test_registry__platform_pick);
	MOAT_RUN(test_registry__notifications);
	MOAT_RUN(test_registry__budget);
	return moat_test_done();
}
