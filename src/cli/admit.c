/* SPDX-License-Identifier: Apache-2.0 */
/*
 * admit.c - `moat authz` (Docker authorization plugin) and `moat webhook`
 * (Kubernetes validating admission webhook): parse options, load the
 * policy, start the verdict cache and the server, wait for a signal.
 *
 * Images are scanned by running this binary's own `moat scan` as a child
 * (one process per image): a scanner that meets a hostile image can crash
 * or be killed on timeout without taking the admission daemon down.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admit/admit.h"
#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "admit-console.h"
#include "admit-tags.h"
#include "cli.h"
#include "comply/k8s.h"
#include "moat-config.h"
#include "moat/error.h"
#include "policy/policy.h"
#include "registry/registry.h"
#include "runtime/docker.h"
#include "scan-child.h"
#include "server/server.h"
#include "uplink/uplink.h"
#include "vuln/vulndb.h"

#define ADMIT_SCAN_MAX_SEC 900
#define ADMIT_MAX_INSECURE 8

struct admit_args {
	const char *policy_path;
	const char *socket;
	const char *listen;
	const char *tls_cert;
	const char *tls_key;
	const char *audit;
	const char *state_dir;
	const char *db;
	const char *docker_host;
	const char *ready_file;
	const char *cacert;             /* registry TLS CA bundle for scans */
	const char *registry_config;    /* DOCKER_CONFIG for registry credentials */
	const char *console;            /* --console URL: decisions as events */
	const char *token;
	const char *token_file;
	const char *console_cacert;
	const char *spool;              /* default STATE/admission-uplink */
	char *insecure[ADMIT_MAX_INSECURE];
	char *insecure_list[ADMIT_MAX_INSECURE + 1];    /* the same, NULL-terminated */
	unsigned n_insecure;
	unsigned workers;
	unsigned tag_ttl;               /* webhook: seconds a tag's digest is trusted; 0 = default */
	unsigned threads;
	unsigned console_interval;      /* hidden --console-interval: seconds between policy pulls */
	bool insecure_listen;           /* hidden: plain HTTP for benches */
	bool webhook;
	bool vuln_gate;                 /* the policy sets vulnerability thresholds */
	char db_buf[4096];               /* the paths handed to scans, owned */
	char policy_buf[4096];
	char host_buf[4096];
	char state_buf[4096];
	char cacert_buf[4096];
	char self[4096];
	pthread_mutex_t docker_mu;      /* one engine connection, shared */
	struct moat_docker *docker;
	struct admit_tags *tags;        /* the webhook's tags -> digests */
};

/* image name -> image id through the engine (tags move; ids do not). */
static int resolve_docker(void *ctx, const char *image, char *key, size_t len)
{
	struct admit_args *a = ctx;
	json_t *doc = NULL;
	const char *id;
	int r;

	pthread_mutex_lock(&a->docker_mu);
	if (!a->docker && (r = moat_docker_open(a->docker_host, &a->docker, NULL)) < 0) {
		pthread_mutex_unlock(&a->docker_mu);
		return r;
	}
	r = moat_docker_image_inspect(a->docker, image, &doc, NULL);
	if (r < 0 && r != MOAT_E_NOTFOUND && r != MOAT_E_USAGE) {
		/* the connection may be stale: one fresh try */
		moat_docker_close(a->docker);
		a->docker = NULL;
		if (moat_docker_open(a->docker_host, &a->docker, NULL) == 0)
			r = moat_docker_image_inspect(a->docker, image, &doc, NULL);
	}
	pthread_mutex_unlock(&a->docker_mu);
	if (r == MOAT_E_NOTFOUND)
		return 1;
	if (r < 0)
		return r;
	id = moat_json_str(doc, "Id");
	r = id && !strncmp(id, "sha256:", 7) ? (snprintf(key, len, "%s", id), 0) : -EINVAL;
	json_decref(doc);
	return r;
}

/* A container's inspect document (--volumes-from sources). */
static int inspect_container(void *ctx, const char *ref, json_t **ret)
{
	struct admit_args *a = ctx;
	int r;

	pthread_mutex_lock(&a->docker_mu);
	r = a->docker ? 0 : moat_docker_open(a->docker_host, &a->docker, NULL);
	if (r == 0)
		r = moat_docker_container_inspect(a->docker, ref, ret, NULL);
	if (r < 0 && r != MOAT_E_NOTFOUND && r != MOAT_E_USAGE) {
		/* the connection may be stale: one fresh try */
		moat_docker_close(a->docker);
		a->docker = NULL;
		if ((r = moat_docker_open(a->docker_host, &a->docker, NULL)) == 0)
			r = moat_docker_container_inspect(a->docker, ref, ret, NULL);
	}
	pthread_mutex_unlock(&a->docker_mu);
	return r == MOAT_E_USAGE ? MOAT_E_NOTFOUND : r;
}

/* The webhook's key: a reference with a digest as the pod names it
 * ("reg:5000/team/app@sha256:...", whole: a digest without its repository
 * cannot be pulled); a tag as the digest it points at now (admit-tags.h). */
static int resolve_ref(void *ctx, const char *image, char *key, size_t len)
{
	struct admit_args *a = ctx;

	return admit_tags_key(a->tags, image, key, len);
}

/* registry://HOST/REPO[:TAG][@DIGEST] for a reference as Docker reads it
 * (HOST: the registry's API host). */
static int registry_target(const char *image, char *out, size_t len)
{
	struct moat_image_ref ref;
	const char *host;
	int n;

	if (moat_image_ref_parse(image, &ref) < 0 || !ref.repo[0])
		return -EINVAL;
	host = moat_registry_api_host(ref.registry);
	n = snprintf(out, len, "registry://%s/%s%s%s%s%s", host, ref.repo,
		     ref.digest[0] ? "" : ":", ref.digest[0] ? "" : ref.tag,
		     ref.digest[0] ? "@" : "", ref.digest);
	return n > 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

/* A registry that cannot be reached leaves the image unscanned (the
 * `unscanned` rule decides), not failed: a scan error blocks under
 * `failure: closed`, and a registry outside the cluster's view is common. */
static bool registry_reachable(struct admit_args *a, const char *target,
			       struct moat_verdict_result *ret)
{
	const char *host = target + strlen("registry://");
	char name[300];
	struct moat_registry_opts ro = { .cacert = a->cacert ? a->cacert_buf : NULL,
					 .insecure = (const char *const *)a->insecure_list,
					 /* a blackholed registry holds this scan worker
					  * (and a sync request) no longer than this */
					 .timeout_sec = 5, .budget_ms = 6000 };
	struct moat_registry *reg = NULL;
	struct moat_error err = { 0 };
	int r;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(host, "/"), host);
	r = moat_registry_open(name, &ro, &reg, &err);
	moat_registry_close(reg);
	if (r == -ECONNREFUSED || r == -EHOSTUNREACH || r == -ETIMEDOUT || r == -ENETUNREACH) {
		ret->state = MOAT_VERDICT_UNKNOWN;
		snprintf(ret->summary, sizeof(ret->summary), "%s", err.msg);
		return false;
	}
	return true;
}

/* "CVE-1 (pkg, critical, fix 1.2); ..." from the scan's gate. */
static void gate_summary(const char *json_path, char *out, size_t len)
{
	struct moat_buf b;
	json_t *doc = NULL, *item;
	const json_t *breaking;
	size_t i, o = 0;

	moat_buf_init(&b, 0);
	snprintf(out, len, "findings over the policy's thresholds");
	if (moat_read_file(json_path, 256u << 20, &b, NULL) == 0 &&
	    moat_json_parse(b.data, b.len, 256u << 20, json_path, &doc, NULL) == 0) {
		breaking = json_object_get(json_object_get(doc, "gate"), "breaking");
		o = (size_t)snprintf(out, len, "%zu finding%s over the threshold",
				     json_array_size(breaking),
				     json_array_size(breaking) == 1 ? "" : "s");
		json_array_foreach(breaking, i, item) {
			const char *fix = moat_json_str(item, "fixed_version");

			if (i == 3 || o + 8 >= len) {
				o += (size_t)snprintf(out + o, len - o, ", ...");
				break;
			}
			o += (size_t)snprintf(out + o, len - o, "%s %s (%s %s%s%s)", i ? "," : ":",
					      moat_json_str(item, "id"),
					      moat_json_str(item, "package"),
					      moat_json_str(item, "severity"),
					      fix ? ", fixed in " : "", fix ? fix : "");
			if (o >= len)
				break;
		}
	}
	json_decref(doc);
	moat_buf_release(&b);
}

/* Run `moat scan` on docker:KEY; exit 0 = pass, 1 = over a threshold. */
static void scan_image(void *ctx, const char *key, const char *gate,
		       struct moat_verdict_result *ret)
{
	struct admit_args *a = ctx;
	char dir[] = "/tmp/moat-admit-scan.XXXXXX";
	char out[64], errp[64], target[1100], id[1024];
	const char *what = key;
	static char w_cacert[] = "--cacert", w_insec[] = "--insecure-registry";
	/* posix_spawn takes char *const argv[]: mutable copies of the words */
	static char w_scan[] = "scan", w_format[] = "--format", w_json[] = "json", w_o[] = "-o",
		    w_db[] = "--db", w_policy[] = "--policy", w_host[] = "--docker-host";
	char *argv[20 + 2 * ADMIT_MAX_INSECURE];
	size_t n = 0;
	int status = 0;
	int r;

	ret->state = MOAT_VERDICT_ERROR;
	snprintf(target, sizeof(target), "docker:%s", what);
	/* The webhook: a copy in the local engine if there is one (no
	 * network), else the registry the pod pulls from. */
	if (a->webhook && resolve_docker(a, key, id, sizeof(id)) == 0)
		snprintf(target, sizeof(target), "docker:%s", id);
	else if (a->webhook && registry_target(key, target, sizeof(target)) < 0) {
		snprintf(ret->summary, sizeof(ret->summary), "image reference cannot be parsed");
		return;
	} else if (a->webhook && !registry_reachable(a, target, ret))
		return;
	if (!mkdtemp(dir)) {
		snprintf(ret->summary, sizeof(ret->summary), "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(out, sizeof(out), "%s/scan.json", dir);
	snprintf(errp, sizeof(errp), "%s/scan.err", dir);
	argv[n++] = a->self;
	argv[n++] = w_scan;
	argv[n++] = w_format;
	argv[n++] = w_json;
	argv[n++] = w_o;
	argv[n++] = out;
	if (a->db) {
		argv[n++] = w_db;
		argv[n++] = a->db_buf;
	}
	if (gate) {
		/* a console policy's thresholds (admit-console.c) */
		argv[n++] = w_policy;
		argv[n++] = (char *)(uintptr_t)gate;
	} else if (a->policy_path && a->vuln_gate) {
		/* only for its thresholds: a --policy without any asks for a DB in vain */
		argv[n++] = w_policy;
		argv[n++] = a->policy_buf;
	}
	if (a->docker_host) {
		argv[n++] = w_host;
		argv[n++] = a->host_buf;
	}
	if (a->cacert) {
		argv[n++] = w_cacert;
		argv[n++] = a->cacert_buf;
	}
	for (unsigned i = 0; i < a->n_insecure; i++) {
		argv[n++] = w_insec;
		argv[n++] = a->insecure[i];
	}
	argv[n++] = target;
	argv[n] = NULL;
	r = cli_scan_child(&(struct cli_scan_child){ .exe = a->self, .argv = argv,
						   .err_path = errp,
						   .timeout_sec = ADMIT_SCAN_MAX_SEC },
			   &status);
	if (r == -ETIMEDOUT) {
		snprintf(ret->summary, sizeof(ret->summary), "the scan took over %d s",
			 ADMIT_SCAN_MAX_SEC);
		goto out;
	}
	if (r < 0) {
		snprintf(ret->summary, sizeof(ret->summary), "cannot run the scanner");
		goto out;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		ret->state = MOAT_VERDICT_PASS;
		snprintf(ret->summary, sizeof(ret->summary), "within the policy");
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		ret->state = MOAT_VERDICT_FAIL;
		gate_summary(out, ret->summary, sizeof(ret->summary));
	} else {
		cli_last_line(errp, "the scan failed", ret->summary, sizeof(ret->summary));
	}
out:
	unlink(out);
	unlink(errp);
	rmdir(dir);
}

static void usage(FILE *f, const char *cmd)
{
	if (!strcmp(cmd, "authz"))
		fprintf(f, "usage: moat authz [--policy FILE] [--socket PATH] [--audit FILE] "
			"[options]\n\n"
			"Docker authorization plugin; run dockerd with --authorization-plugin=NAME\n"
			"where the socket is /run/docker/plugins/NAME.sock (default NAME: moat).\n\n");
	else
		fprintf(f, "usage: moat webhook --listen ADDR --tls-cert F --tls-key F "
			"[--policy FILE] [--audit FILE] [options]\n\n"
			"Kubernetes validating admission webhook: AdmissionReview v1 at POST "
			"/validate.\n\n");
	fprintf(f, "options:\n"
		"      --policy FILE       policy (YAML/JSON, docs/policy.md); default: the built-in one\n"
		"      --audit FILE        append one JSON line per decision\n"
		"      --state-dir DIR     image verdicts (default $MOAT_STATE_DIR or /var/lib/moat)\n"
		"      --db FILE           vulnerability DB for image scans (default: moat's DB path)\n"
		"      --docker-host SOCK  Docker Engine socket for image scans\n"
		"      --scan-workers N    concurrent image scans (default 1)\n"
		"      --threads N         request threads (default 8)\n"
		"      --ready-file FILE   written once the server accepts requests\n"
		"registry images (webhook: images the local engine does not hold):\n"
		"      --registry-config DIR  docker config dir for credentials (default\n"
		"                          $DOCKER_CONFIG or ~/.docker)\n"
		"      --cacert FILE       CA bundle for registry TLS\n"
		"      --insecure-registry HOST  plain http / unverified TLS for HOST\n"
		"      --tag-ttl SECONDS   webhook: a tag is resolved to its digest at the registry\n"
		"                          and verdicts kept per digest; the answer is reused this\n"
		"                          long (default 30)\n"
		"console (docs/console.md): every decision also goes to a moat console as an\n"
		"event of kind \"admission\", through a spool on disk (no loss while it is away):\n"
		"      --console URL       the console, http(s)://HOST:PORT\n"
		"      --token T, --token-file F  its API token (role defender; or $MOAT_CONSOLE_TOKEN)\n"
		"      --console-cacert F  CA bundle for the console's certificate\n"
		"      --spool DIR         (default STATE-DIR/admission-uplink)\n"
		"      --console-interval S  how often the console's admission, trusted-images and\n"
		"                          vulnerability policies are pulled (default 30); they\n"
		"                          are enforced after --policy (docs/admission.md)\n");
}

static int parse(int argc, char **argv, struct admit_args *a)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' },
		{ "socket", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "tls-cert", required_argument, NULL, 'c' },
		{ "tls-key", required_argument, NULL, 'k' },
		{ "audit", required_argument, NULL, 'a' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "db", required_argument, NULL, 'd' },
		{ "docker-host", required_argument, NULL, 'H' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "scan-workers", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "insecure-listen", no_argument, NULL, 'I' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure-registry", required_argument, NULL, 'R' },
		{ "registry-config", required_argument, NULL, 'G' },
		{ "console", required_argument, NULL, 'U' },
		{ "token", required_argument, NULL, 'T' },
		{ "token-file", required_argument, NULL, 'F' },
		{ "console-cacert", required_argument, NULL, 'K' },
		{ "spool", required_argument, NULL, 'P' },
		{ "tag-ttl", required_argument, NULL, 'L' },
		{ "console-interval", required_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *end = NULL;
		unsigned long v = 0;

		if (c == 'L') {
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 3600)
				return fprintf(stderr, "moat %s: --tag-ttl wants 1-3600 seconds\n",
					       argv[0]), -1;
			a->tag_ttl = (unsigned)v;
			continue;
		}
		if (c == 'V') {
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 3600)
				return fprintf(stderr, "moat %s: --console-interval wants 1-3600 "
					       "seconds\n", argv[0]), -1;
			a->console_interval = (unsigned)v;
			continue;
		}
		if (c == 'w' || c == 't') {
			v = strtoul(optarg, &end, 10);
			if (!*optarg || *end || v < 1 || v > 64)
				return fprintf(stderr, "moat %s: --%s wants 1-64\n", argv[0],
					       c == 'w' ? "scan-workers" : "threads"), -1;
		}
		switch (c) {
		case 'p': a->policy_path = optarg; break;
		case 's': a->socket = optarg; break;
		case 'l': a->listen = optarg; break;
		case 'c': a->tls_cert = optarg; break;
		case 'k': a->tls_key = optarg; break;
		case 'a': a->audit = optarg; break;
		case 'S': a->state_dir = optarg; break;
		case 'd': a->db = optarg; break;
		case 'H': a->docker_host = optarg; break;
		case 'r': a->ready_file = optarg; break;
		case 'w': a->workers = (unsigned)v; break;
		case 't': a->threads = (unsigned)v; break;
		case 'I': a->insecure_listen = true; break;
		case 'C': a->cacert = optarg; break;
		case 'G': a->registry_config = optarg; break;
		case 'U': a->console = optarg; break;
		case 'T': a->token = optarg; break;
		case 'F': a->token_file = optarg; break;
		case 'K': a->console_cacert = optarg; break;
		case 'P': a->spool = optarg; break;
		case 'R':
			if (a->n_insecure == ADMIT_MAX_INSECURE)
				return fprintf(stderr, "moat %s: at most %d --insecure-registry\n",
					       argv[0], ADMIT_MAX_INSECURE), -1;
			a->insecure_list[a->n_insecure] = optarg;
			a->insecure[a->n_insecure++] = optarg;
			break;
		case 'h': usage(stdout, argv[0]); exit(MOAT_EXIT_OK);
		default: usage(stderr, argv[0]); return -1;
		}
	}
	if (optind != argc)
		return fprintf(stderr, "moat %s: unexpected argument '%s'\n", argv[0],
			       argv[optind]), -1;
	return 0;
}

static void defaults(struct admit_args *a)
{
	const char *env = getenv("MOAT_STATE_DIR");
	const char *home = getenv("HOME");

	if (!a->state_dir) {
		if (env && *env)
			snprintf(a->state_buf, sizeof(a->state_buf), "%s", env);
		else if (geteuid() == 0 || !home)
			snprintf(a->state_buf, sizeof(a->state_buf), "/var/lib/moat");
		else
			snprintf(a->state_buf, sizeof(a->state_buf), "%s/.local/state/moat", home);
		a->state_dir = a->state_buf;
	}
	if (!a->db)
		a->db = moat_vulndb_default_path(a->db_buf, sizeof(a->db_buf));
	if (a->db && a->db != a->db_buf)
		snprintf(a->db_buf, sizeof(a->db_buf), "%s", a->db);
	if (a->db && access(a->db, F_OK) != 0)
		a->db = NULL; /* scans then fail a vulnerability gate, closed */
	/* scans run from /tmp: hand them absolute paths */
	if (a->policy_path && !realpath(a->policy_path, a->policy_buf))
		snprintf(a->policy_buf, sizeof(a->policy_buf), "%s", a->policy_path);
	if (a->docker_host)
		snprintf(a->host_buf, sizeof(a->host_buf), "%s", a->docker_host);
	if (a->cacert && !realpath(a->cacert, a->cacert_buf))
		snprintf(a->cacert_buf, sizeof(a->cacert_buf), "%s", a->cacert);
	/* scans are children: they find credentials where the docker CLI does */
	if (a->registry_config) {
		char *abs = realpath(a->registry_config, NULL);

		setenv("DOCKER_CONFIG", abs ? abs : a->registry_config, 1);
		free(abs);
	}
	if (readlink("/proc/self/exe", a->self, sizeof(a->self) - 1) < 0)
		snprintf(a->self, sizeof(a->self), "/proc/self/exe");
}

/* The pid, then the TCP port (0 on a unix socket), one a line. */
static int write_ready(const char *path, unsigned port)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fprintf(f, "%d\n%u\n", (int)getpid(), port);
	return fclose(f) == 0 ? 0 : -errno;
}

static char who_webhook[] = "webhook", who_authz[] = "authz";

static void uplink_warn(void *ctx, const char *msg)
{
	fprintf(stderr, "moat %s: console: %s (decisions wait in the spool)\n",
		(const char *)ctx, msg);
}

/* --console: decisions through a spool to the console (uplink.h); tok
 * (the caller's, released by it) holds the token read from --token-file. */
static int open_uplink(struct admit_args *a, bool webhook, struct moat_buf *tok,
		       struct moat_uplink **ret, struct moat_error *err)
{
	static char node[256];
	char spool[4200];
	struct moat_uplink_opts uo = { .url = a->console, .token = a->token,
				       .cacert = a->console_cacert, .spool_dir = a->spool,
				       .version = MOAT_VERSION, .on_warn = uplink_warn,
				       .producer = "admission",
				       .ctx = webhook ? who_webhook : who_authz };
	int r = 0;

	*ret = NULL;
	if (!a->console)
		return a->token || a->token_file ? moat_error_set(err, MOAT_E_USAGE, "--token "
								  "needs --console") : 0;
	if (a->token_file && (r = moat_read_file(a->token_file, 4096, tok, err)) == 0) {
		while (tok->len && strchr(" \t\r\n", tok->data[tok->len - 1]))
			tok->data[--tok->len] = 0;
		uo.token = (const char *)tok->data;
	}
	if (r == 0 && !uo.token)
		uo.token = getenv("MOAT_CONSOLE_TOKEN");
	if (r == 0 && (!uo.token || !uo.token[0]))
		r = moat_error_set(err, MOAT_E_USAGE, "--console needs --token, --token-file or "
				   "$MOAT_CONSOLE_TOKEN");
	a->token = uo.token;
	if (!uo.spool_dir) {
		mkdir(a->state_dir, 0700);
		snprintf(spool, sizeof(spool), "%s/admission-uplink", a->state_dir);
		uo.spool_dir = spool;
	}
	if (gethostname(node, sizeof(node) - 1) == 0)
		uo.node = node;
	if (r == 0)
		r = moat_uplink_open(&uo, ret, err);
	return r;
}

/* --console: the console's admission policies over the local one (admit-console.h). */
static int open_console_policy(struct admit_args *a, bool webhook, const struct moat_policy *p,
			       struct moat_admit_overlays *ov, struct moat_verdicts *v,
			       struct moat_audit *audit, struct moat_uplink *up,
			       struct admit_console **ret, struct moat_error *err)
{
	struct admit_console_opts co = {
		.url = a->console, .token = a->token, .cacert = a->console_cacert,
		.state_dir = a->state_dir, .who = webhook ? who_webhook : who_authz,
		.interval_ms = a->console_interval * 1000u, .base = p, .overlays = ov,
		.verdicts = v, .audit = audit, .uplink = up,
	};

	*ret = NULL;
	return a->console ? admit_console_open(&co, ret, err) : 0;
}

static bool known_k8s_check(const char *id)
{
	return moat_k8s_check_find(id) != NULL;
}

static int serve(struct admit_args *a, bool webhook)
{
	struct moat_uplink *uplink = NULL;
	struct moat_admit_overlays *overlays = NULL;
	struct admit_console *console = NULL;
	struct moat_buf tok;
	struct moat_error err = { 0 };
	struct moat_policy *policy = NULL;
	struct moat_verdicts *verdicts = NULL;
	struct moat_audit *audit = NULL;
	struct moat_server *srv = NULL;
	struct moat_verdict_source src = { moat_verdicts_lookup, NULL };
	struct moat_admit ad = { 0 };
	struct moat_server_opts so = { 0 };
	int r, rc = MOAT_EXIT_INTERNAL;
	sigset_t set;

	moat_buf_init(&tok, 4096);
	r = a->policy_path ? moat_policy_load(a->policy_path, &policy, &err) :
			     moat_policy_default(&policy, &err);
	if (r < 0) {
		cli_errorf("moat: %s\n", err.msg);
		return MOAT_EXIT_USAGE;
	}
	/* the webhook enforces comply.k8s: a typo'd check id must not pass unseen */
	if (webhook && moat_policy_comply_unknown(policy, "k8s", known_k8s_check)) {
		cli_errorf("moat webhook: %s: comply.k8s.checks: unknown check '%s' (moat comply k8s "
			   "--list-checks)\n", a->policy_path,
			   moat_policy_comply_unknown(policy, "k8s", known_k8s_check));
		moat_policy_free(policy);
		return MOAT_EXIT_USAGE;
	}
	a->vuln_gate = moat_policy_has_vuln_gate(policy);
	if (webhook) {
		struct admit_tags_opts to = {
			.cacert = a->cacert ? a->cacert_buf : NULL,
			.insecure = (const char *const *)a->insecure_list,
			.engine_id = resolve_docker, .ctx = a, .ttl_sec = a->tag_ttl,
		};

		a->tags = admit_tags_new(&to);
	}
	struct moat_verdicts_opts vo = {
		.state_dir = a->state_dir,
		.policy_hash = moat_policy_hash(policy),
		.db_path = a->db,
		.resolve = webhook ? resolve_ref : resolve_docker,
		.scan = scan_image,
		.ctx = a,
		.workers = a->workers,
	};
	if ((r = moat_verdicts_open(&vo, &verdicts, &err)) < 0 ||
	    (r = moat_audit_open(a->audit, &audit, &err)) < 0 ||
	    (r = open_uplink(a, webhook, &tok, &uplink, &err)) < 0 ||
	    (uplink && (r = moat_audit_add_uplink(&audit, uplink, &err)) < 0) ||
	    (r = moat_admit_overlays_new(&overlays)) < 0 ||
	    (r = open_console_policy(a, webhook, policy, overlays, verdicts, audit, uplink,
				     &console, &err)) < 0) {
		if (r == -ENOMEM && !err.msg[0])
			moat_error_set(&err, r, "out of memory");
		cli_errorf("moat: %s\n", err.msg);
		rc = MOAT_EXIT_USAGE;
		goto out;
	}
	src.ctx = verdicts;
	ad = (struct moat_admit){ .policy = policy, .verdicts = &src, .audit = audit,
				  .overlays = overlays,
				  .inspect_container = webhook ? NULL : inspect_container,
				  .inspect_ctx = a };
	so = (struct moat_server_opts){
		.unix_path = webhook ? NULL : a->socket,
		.listen = webhook ? a->listen : NULL,
		.tls_cert = a->tls_cert,
		.tls_key = a->tls_key,
		.allow_plain_tcp = a->insecure_listen,
		.max_body = (size_t)MOAT_ADMIT_MAX_BODY * 2,
		.threads = a->threads ? a->threads : 8,
		.handler = webhook ? moat_admit_webhook_http : moat_admit_authz_http,
		.ctx = &ad,
	};
	/* Block the signals before the server threads start, so only sigwait sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((r = moat_server_open(&so, &srv, &err)) < 0) {
		cli_errorf("moat: %s\n", err.msg);
		rc = r == MOAT_E_USAGE ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
		goto out;
	}
	if (webhook)
		fprintf(stderr, "moat webhook: serving AdmissionReview on %s (port %u%s; policy %s)\n",
			a->listen, moat_server_port(srv), a->insecure_listen ? ", plain HTTP" : "",
			moat_policy_origin(policy));
	else
		fprintf(stderr, "moat authz: authorizing Docker requests on %s (policy %s)\n",
			a->socket, moat_policy_origin(policy));
	if (a->ready_file && write_ready(a->ready_file, moat_server_port(srv)) < 0)
		cli_errorf("moat: warning: --ready-file %s: %s\n", a->ready_file, strerror(errno));
	{
		int sig = 0;

		sigwait(&set, &sig);
	}
	rc = MOAT_EXIT_OK;
out:
	moat_server_close(srv);
	admit_console_close(console);
	moat_admit_overlays_free(overlays);
	if (tok.data)
		explicit_bzero(tok.data, tok.len);
	moat_buf_release(&tok);
	moat_verdicts_close(verdicts);
	admit_tags_free(a->tags);
	a->tags = NULL;
	moat_audit_close(audit);
	/* a few seconds to hand the console what is spooled; the rest waits on disk */
	if (uplink)
		moat_uplink_stop(uplink, 3000);
	moat_uplink_close(uplink);
	moat_policy_free(policy);
	return rc;
}

static int run(int argc, char **argv, bool webhook)
{
	struct admit_args a = { .socket = "/run/docker/plugins/moat.sock" };
	int rc;

	pthread_mutex_init(&a.docker_mu, NULL);
	if (parse(argc, argv, &a) < 0)
		return MOAT_EXIT_USAGE;
	if (webhook && (!a.listen || (!a.insecure_listen && (!a.tls_cert || !a.tls_key)))) {
		fprintf(stderr, "moat webhook: --listen, --tls-cert and --tls-key are required\n");
		return MOAT_EXIT_USAGE;
	}
	defaults(&a);
	a.webhook = webhook;
	rc = serve(&a, webhook);
	moat_docker_close(a.docker);
	pthread_mutex_destroy(&a.docker_mu);
	return rc;
}

int moat_cmd_authz(int argc, char **argv)
{
	return run(argc, argv, false);
}

int moat_cmd_webhook(int argc, char **argv)
{
	return run(argc, argv, true);
}
