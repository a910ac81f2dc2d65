/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admit-bench.c - decision latency of `moat authz` / `moat webhook` for
 * images whose verdicts are cached: the real server (src/server), handlers,
 * policy and verdict cache in this process, CLIENTS threads sending
 * requests over keep-alive connections (unix socket for authz, loopback TCP
 * for the webhook). Prints p50/p99/max per endpoint; the webhook also with
 * a comply.k8s section (the manifest checks of comply/k8s.h on each object,
 * see bench_checks).
 *
 *   admit-bench DIR [CLIENTS [REQUESTS_PER_CLIENT]]   (DIR: scratch, the caller removes it)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/tcp.h>
#include <time.h>
#include <unistd.h>

#include "admit/admit.h"
#include "moat/error.h"
#include "policy/policy.h"
#include "server/server.h"

#define N_IMAGES 64

struct client {
	const char *sock_path;          /* unix, or NULL for TCP */
	unsigned port;
	const char *path;
	char **bodies;                  /* N_IMAGES request bodies */
	unsigned requests;
	double *lat_ms;
	unsigned errors;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int connect_to(const struct client *c)
{
	int fd;

	if (c->sock_path) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", c->sock_path);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			close(fd);
			return -1;
		}
		return fd;
	}
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request on fd; 0 when a 200 with a whole body came back. */
static int roundtrip(int fd, const char *path, const char *body)
{
	char head[256], buf[65536];
	size_t have = 0, need = 0;
	int n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: bench\r\nContent-Type: "
			 "application/json\r\nContent-Length: %zu\r\n\r\n", path, strlen(body));
	struct iovec iov[2] = { { head, (size_t)n }, { (void *)(uintptr_t)body, strlen(body) } };

	/* one write: two would meet Nagle and delayed ACKs on TCP */
	if (writev(fd, iov, 2) != (ssize_t)(iov[0].iov_len + iov[1].iov_len))
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *end;

		if (r <= 0)
			return -1;
		have += (size_t)r;
		buf[have] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (!end)
			continue;
		if (!need) {
			char *cl = strcasestr(buf, "Content-Length:");

			if (!cl)
				return -1;
			need = (size_t)(end + 4 - buf) + strtoul(cl + 15, NULL, 10);
		}
		if (have >= need)
			return strncmp(buf, "HTTP/1.1 200", 12) ? -1 : 0;
	}
}

static void *client_run(void *arg)
{
	struct client *c = arg;
	int fd = connect_to(c);

	for (unsigned i = 0; i < c->requests; i++) {
		double t0 = now_ms();

		if (fd < 0 || roundtrip(fd, c->path, c->bodies[i % N_IMAGES]) < 0) {
			c->errors++;
			if (fd >= 0)
				close(fd);
			fd = connect_to(c);
		}
		c->lat_ms[i] = now_ms() - t0;
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *name, struct client *cs, unsigned n_clients, double wall_ms)
{
	unsigned total = n_clients * cs[0].requests, k = 0, errors = 0;
	double *all = malloc(total * sizeof(*all));

	for (unsigned i = 0; i < n_clients; i++) {
		memcpy(all + k, cs[i].lat_ms, cs[i].requests * sizeof(*all));
		k += cs[i].requests;
		errors += cs[i].errors;
	}
	qsort(all, total, sizeof(*all), cmp_double);
	printf("%-14s %u clients x %u requests: p50 %.3f ms, p99 %.3f ms, max %.3f ms, "
	       "%.0f decisions/s, %u errors%s\n", name, n_clients, cs[0].requests,
	       all[total / 2], all[total * 99 / 100], all[total - 1], total / (wall_ms / 1e3),
	       errors, all[total * 99 / 100] < 5.0 ? "" : "  (over the 5 ms p99 target)");
	free(all);
}

static void no_scan(void *ctx, const char *key, const char *gate, struct moat_verdict_result *ret)
{
	(void)ctx;
	(void)key;
	(void)gate;
	ret->state = MOAT_VERDICT_UNKNOWN;
}

static char *authz_body(unsigned i)
{
	char create[512], b64[1024], *out;

	/* every 4th image fails its scan, every 8th request asks for --privileged */
	snprintf(create, sizeof(create), "{\"Image\":\"bench/img-%u:1\",\"HostConfig\":{"
		 "\"Privileged\":%s,\"Binds\":[\"/srv/data:/data\"],\"CapAdd\":[\"NET_ADMIN\"]}}",
		 i, i % 8 == 7 ? "true" : "false");
	EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)create, (int)strlen(create));
	if (asprintf(&out, "{\"User\":\"bench\",\"RequestMethod\":\"POST\",\"RequestUri\":"
		     "\"/v1.41/containers/create\",\"RequestBody\":\"%s\"}", b64) < 0)
		exit(3);
	return out;
}

static char *review_body(unsigned i)
{
	char *out;

	if (asprintf(&out, "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
		     "\"request\":{\"uid\":\"u-%u\",\"kind\":{\"kind\":\"Deployment\"},\"operation\":"
		     "\"CREATE\",\"namespace\":\"default\",\"object\":{\"metadata\":{\"name\":\"d\"},"
		     "\"spec\":{\"template\":{\"spec\":{\"hostPID\":%s,\"containers\":["
		     "{\"name\":\"a\",\"image\":\"bench/img-%u:1\"},{\"name\":\"b\",\"image\":"
		     "\"bench/img-%u:1\",\"securityContext\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"]}}}"
		     "]}}}}}}", i, i % 8 == 7 ? "true" : "false", i, (i + 1) % N_IMAGES) < 0)
		exit(3);
	return out;
}

static int bench(const char *name, bool webhook, struct moat_admit *ad, unsigned n_clients,
		 unsigned requests, const char *dir)
{
	struct moat_error err = { 0 };
	struct moat_server *srv = NULL;
	char sock[256];
	char *bodies[N_IMAGES];
	struct client *cs = calloc(n_clients, sizeof(*cs));
	pthread_t *th = calloc(n_clients, sizeof(*th));
	double t0;

	snprintf(sock, sizeof(sock), "%s/authz.sock", dir);
	struct moat_server_opts so = {
		.unix_path = webhook ? NULL : sock, .listen = webhook ? "127.0.0.1:0" : NULL,
		.allow_plain_tcp = true, .threads = 8,
		.handler = webhook ? moat_admit_webhook_http : moat_admit_authz_http, .ctx = ad,
	};
	if (moat_server_open(&so, &srv, &err) < 0) {
		fprintf(stderr, "admit-bench: %s\n", err.msg);
		return 3;
	}
	for (unsigned i = 0; i < N_IMAGES; i++)
		bodies[i] = webhook ? review_body(i) : authz_body(i);
	for (unsigned i = 0; i < n_clients; i++) {
		cs[i] = (struct client){ .sock_path = webhook ? NULL : sock,
					 .port = moat_server_port(srv),
					 .path = webhook ? "/validate" : "/AuthZPlugin.AuthZReq",
					 .bodies = bodies, .requests = requests };
		cs[i].lat_ms = calloc(requests, sizeof(double));
	}
	t0 = now_ms();
	for (unsigned i = 0; i < n_clients; i++)
		pthread_create(&th[i], NULL, client_run, &cs[i]);
	for (unsigned i = 0; i < n_clients; i++)
		pthread_join(th[i], NULL);
	report(name, cs, n_clients, now_ms() - t0);
	moat_server_close(srv);
	for (unsigned i = 0; i < n_clients; i++)
		free(cs[i].lat_ms);
	for (unsigned i = 0; i < N_IMAGES; i++)
		free(bodies[i]);
	free(cs);
	free(th);
	return 0;
}

/* The webhook again with the manifest checks on (comply.k8s): "all" has
 * every check alert (about 40 warnings per answer and audit line: each
 * container of the bench's Deployment misses most restricted settings),
 * "some" the checks of the built-in rules at block and nothing else. */
static int bench_checks(struct moat_admit *ad, unsigned n_clients, unsigned requests,
			const char *dir)
{
	static const char *const docs[][2] = {
		{"webhook+all", "{\"comply\": {\"k8s\": {\"default\": \"alert\", "
				"\"checks\": {\"MOAT-K8S-001\": \"block\"}}}}"},
		{"webhook+some", "{\"comply\": {\"k8s\": {\"default\": \"off\", \"checks\": "
				 "{\"MOAT-K8S-001\": \"block\", \"MOAT-K8S-002\": \"block\", "
				 "\"MOAT-K8S-003\": \"block\", \"MOAT-K8S-004\": \"block\", "
				 "\"MOAT-K8S-012\": \"block\", \"MOAT-K8S-016\": \"alert\"}}}}"},
	};
	const struct moat_policy *builtin = ad->policy;
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(docs) / sizeof(docs[0]); i++) {
		struct moat_policy *p = NULL;
		struct moat_error err = { 0 };
		json_t *j = json_loads(docs[i][1], 0, NULL);

		if (!j || moat_policy_from_json(j, "bench", &p, &err) < 0) {
			fprintf(stderr, "admit-bench: %s\n", err.msg);
			json_decref(j);
			return 3;
		}
		json_decref(j);
		ad->policy = p;
		rc = bench(docs[i][0], true, ad, n_clients, requests, dir);
		ad->policy = builtin;
		moat_policy_free(p);
	}
	return rc;
}

/* The console's policies in force (admit.h overlays): three of them, each
 * decided after the local policy on every request. */
static int bench_console(struct moat_admit *ad, const struct moat_policy *base,
			 unsigned n_clients, unsigned requests, const char *dir)
{
	static const char doc_text[] = "{\"etag\":\"bench\",\"policies\":["
		"{\"id\":\"a\",\"kind\":\"admission\",\"name\":\"a\",\"enabled\":true,"
		"\"mode\":\"block\",\"rules\":{\"deny_privileged\":true,\"deny_host_pid\":true,"
		"\"scope\":{\"namespaces\":[\"default\",\"prod\"]}}},"
		"{\"id\":\"r\",\"kind\":\"admission\",\"name\":\"r\",\"enabled\":true,"
		"\"mode\":\"alert\",\"rules\":{\"deny_root\":true}},"
		"{\"id\":\"t\",\"kind\":\"trusted-images\",\"name\":\"t\",\"enabled\":true,"
		"\"mode\":\"block\",\"rules\":{\"allow\":[\"registry.example.com\",\"bench/*\","
		"\"docker.io/bench/*\"]}}]}";
	struct moat_admit_overlays *o = NULL;
	struct moat_policy **list = NULL;
	struct moat_error err = { 0 };
	json_t *doc = json_loads(doc_text, 0, NULL);
	size_t n = 0;
	int rc;

	if (!doc || moat_policy_from_console(doc, base, &list, &n, &err) < 0 ||
	    moat_admit_overlays_new(&o) < 0 || moat_admit_overlays_set(o, list, n, NULL, "bench")) {
		fprintf(stderr, "admit-bench: console policies: %s\n", err.msg);
		json_decref(doc);
		moat_admit_overlays_free(o);
		return 3;
	}
	json_decref(doc);
	ad->overlays = o;
	rc = bench("webhook+console", true, ad, n_clients, requests, dir);
	ad->overlays = NULL;
	moat_admit_overlays_free(o);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned n_clients = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 8;
	unsigned requests = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 2000;
	const char *dir = argc > 1 ? argv[1] : NULL;
	struct moat_error err = { 0 };
	struct moat_policy *policy = NULL;
	struct moat_verdicts *v = NULL;
	struct moat_audit *audit = NULL;
	char audit_path[300];
	int rc;

	if (!dir || !n_clients || !requests) {
		fprintf(stderr, "usage: admit-bench DIR [CLIENTS [REQUESTS]]\n");
		return 2;
	}
	snprintf(audit_path, sizeof(audit_path), "%s/audit.jsonl", dir);
	struct moat_verdicts_opts vo = { .state_dir = dir, .policy_hash = "bench", .scan = no_scan };
	if (moat_policy_default(&policy, &err) < 0 || moat_verdicts_open(&vo, &v, &err) < 0 ||
	    moat_audit_open(audit_path, &audit, &err) < 0) {
		fprintf(stderr, "admit-bench: %s\n", err.msg);
		return 3;
	}
	for (unsigned i = 0; i < N_IMAGES; i++) {
		char key[64];
		struct moat_verdict_result res = { .state = i % 4 == 3 ? MOAT_VERDICT_FAIL :
							      MOAT_VERDICT_PASS };

		snprintf(key, sizeof(key), "bench/img-%u:1", i);
		snprintf(res.summary, sizeof(res.summary), "CVE-2024-%u (openssl, fixed in 3.0.%u)",
			 i, i);
		moat_verdicts_put(v, key, &res);
	}
	struct moat_verdict_source src = { moat_verdicts_lookup, v };
	struct moat_admit ad = { .policy = policy, .verdicts = &src, .audit = audit };

	printf("admit-bench: cached verdicts for %d images, built-in policy, audit on\n", N_IMAGES);
	rc = bench("authz", false, &ad, n_clients, requests, dir);
	if (!rc)
		rc = bench("webhook", true, &ad, n_clients, requests, dir);
	if (!rc)
		rc = bench_checks(&ad, n_clients, requests, dir);
	if (!rc)
		rc = bench_console(&ad, policy, n_clients, requests, dir);
	moat_audit_close(audit);
	moat_verdicts_close(v);
	moat_policy_free(policy);
	return rc;
}
