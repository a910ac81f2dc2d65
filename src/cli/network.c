/* SPDX-License-Identifier: Apache-2.0 */
/*
 * network.c - `moat network`: the network graph the defender keeps, a
 * learned allow-list as a Kubernetes NetworkPolicy, and isolating a
 * container (docs/network.md). Reads and changes the defender's state
 * directory; a running defender applies the change.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "cli.h"
#include "defend/netgraph.h"
#include "defend/netiso.h"
#include "defend/netmodel.h"
#include "defend/netpolicy.h"
#include "defend/state.h"
#include "moat/error.h"
#include "runtime/docker.h"

#define APPLY_WAIT_MS 5000
#define SELECTOR_MAX 16

static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat network graph [--format json|table] [--state DIR]\n"
		"       moat network policy IMAGE [--selector KEY=VALUE]... [--name NAME]\n"
		"                                 [--namespace NS] [-o FILE] [--state DIR]\n"
		"       moat network isolate CONTAINER [--allow ADDR[/BITS]]... [--no-wait] [--state DIR]\n"
		"       moat network unisolate CONTAINER [--no-wait] [--state DIR]\n\n"
		"graph      who talks to whom, as the defender saw it (moat.netgraph/v1)\n"
		"policy     the image's learned outbound allow-list as a Kubernetes NetworkPolicy\n"
		"isolate    cut a container off the network except from this host and --allow\n"
		"           addresses (a console); the running defender applies it in the kernel\n");
}

static int fail(int r, const struct moat_error *err)
{
	cli_errorf("moat network: %s\n", err->msg[0] ? err->msg : moat_strerror(r));
	return moat_error_is_input(r) || r == MOAT_E_NOTFOUND ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
}

struct args {
	const char *state;
	const char *format;
	const char *output;
	const char *name;
	const char *ns;
	const char *selector[SELECTOR_MAX];
	size_t n_selector;
	const char *allow[MOAT_NETISO_ALLOW_MAX];
	size_t n_allow;
	bool no_wait;
	const char *target;       /* IMAGE or CONTAINER */
};

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 'S' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "selector", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'N' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "allow", required_argument, NULL, 'a' },
		{ "no-wait", no_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:l:h", opts, NULL)) != -1) {
		switch (c) {
		case 'S': a->state = optarg; break;
		case 'f': a->format = optarg; break;
		case 'o': a->output = optarg; break;
		case 'N': a->name = optarg; break;
		case 'n': a->ns = optarg; break;
		case 'W': a->no_wait = true; break;
		case 'l':
			if (a->n_selector == SELECTOR_MAX)
				return -1;
			a->selector[a->n_selector++] = optarg;
			break;
		case 'a':
			if (a->n_allow == MOAT_NETISO_ALLOW_MAX)
				return -1;
			a->allow[a->n_allow++] = optarg;
			break;
		case 'h': usage(stdout); return 1;
		default: return -1;
		}
	}
	if (optind < argc)
		a->target = argv[optind++];
	return optind == argc ? 0 : -1;
}

static int cmd_graph(struct args *a)
{
	struct moat_error err = { 0 };
	struct moat_netgraph *g = NULL;
	struct moat_state *st = NULL;
	struct moat_buf in, out;
	bool table = a->format && !strcmp(a->format, "table");
	int r;

	if (a->target || (a->format && !table && strcmp(a->format, "json") != 0)) {
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	moat_buf_init(&in, MOAT_NETGRAPH_FILE_MAX + 1);
	moat_buf_init(&out, 0);
	r = moat_state_open(a->state, false, &st, &err);
	if (r == 0)
		r = moat_state_read(st, NULL, "netgraph.json", &in, &err);
	if (r == -ENOENT) {           /* nothing seen yet: an empty graph */
		r = moat_netgraph_new(&g);
	} else if (r == 0) {
		r = moat_netgraph_parse(in.data, in.len, "netgraph.json", &g, &err);
	}
	if (r == 0)
		r = table ? moat_netgraph_table(g, &out) : moat_netgraph_write(g, &out, 0);
	if (r == 0 && !table)
		r = moat_buf_putc(&out, '\n');
	if (r == 0)
		r = cli_emit(NULL, &out);
	moat_netgraph_free(g);
	moat_state_close(st);
	moat_buf_release(&in);
	moat_buf_release(&out);
	return r < 0 ? fail(r, &err) : MOAT_EXIT_OK;
}

static int cmd_policy(struct args *a)
{
	struct moat_netpolicy_opts po = { .name = a->name, .k8s_namespace = a->ns,
					  .selector = a->selector, .n_selector = a->n_selector };
	char key[MOAT_STATE_KEY_LEN + 1];
	struct moat_error err = { 0 };
	struct moat_state *st = NULL;
	struct moat_buf out;
	size_t skipped = 0;
	int r;

	if (!a->target) {
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	moat_buf_init(&out, 0);
	r = moat_state_open(a->state, false, &st, &err);
	if (r == 0)
		r = moat_state_resolve(st, a->target, key, &err);
	if (r == 0)
		r = moat_netpolicy_export(st, key, a->target, &po, &out, &skipped, &err);
	if (r == 0 && (r = cli_emit(a->output, &out)) < 0)
		moat_error_set(&err, r, "%s: %s", a->output ? a->output : "stdout", strerror(-r));
	if (r == 0 && skipped)
		fprintf(stderr, "moat network: %zu DNS or unnamed entries have no NetworkPolicy form "
				"and were left out\n", skipped);
	moat_state_close(st);
	moat_buf_release(&out);
	return r < 0 ? fail(r, &err) : MOAT_EXIT_OK;
}

/* The container's full id and name, from the engine. */
static int container_of(const char *ref, char id[65], char *name, size_t cap,
			struct moat_error *err)
{
	struct moat_docker *d = NULL;
	json_t *info = NULL;
	const char *s;
	int r = moat_docker_open(NULL, &d, err);

	if (r == 0)
		r = moat_docker_container_inspect(d, ref, &info, err);
	if (r == 0) {
		s = json_string_value(json_object_get(info, "Id"));
		if (!s || strlen(s) != 64)
			r = moat_error_set(err, MOAT_E_FORMAT, "container %s: no id", ref);
		else
			memcpy(id, s, 65);
		s = json_string_value(json_object_get(info, "Name"));
		snprintf(name, cap, "%s", s ? s + (s[0] == '/') : "");
	}
	json_decref(info);
	moat_docker_close(d);
	return r;
}

/* Wait until the defender's isolation.applied.json says what we asked. */
static bool applied(struct moat_state *st, const char *id, bool isolated)
{
	for (int waited = 0; waited < APPLY_WAIT_MS; waited += 100) {
		struct moat_error err = { 0 };
		static struct moat_netiso done;

		if (moat_netiso_load(st, MOAT_NETISO_APPLIED, &done, &err) == 0 &&
		    (moat_netiso_find(&done, id) >= 0) == isolated)
			return true;
		usleep(100 * 1000);
	}
	return false;
}

static int change_iso(struct moat_state *st, const struct args *a, const char *id,
		      const char *name, bool isolate, struct moat_error *err)
{
	static struct moat_netiso iso;
	struct moat_buf out;
	long i;
	int fd;
	int r = moat_state_lock(st, NULL, &fd, err);

	if (r < 0)
		return r;
	r = moat_netiso_load(st, MOAT_NETISO_FILE, &iso, err);
	i = r == 0 ? moat_netiso_find(&iso, id) : -1;
	if (r == 0 && isolate) {
		if (i < 0 && iso.n == MOAT_NETISO_MAX)
			r = moat_error_set(err, MOAT_E_LIMIT, "%u containers isolated already",
					   MOAT_NETISO_MAX);
		if (i < 0)
			i = (long)iso.n++;
		memset(&iso.v[i], 0, sizeof(iso.v[i]));
		memcpy(iso.v[i].id, id, 65);
		snprintf(iso.v[i].name, sizeof(iso.v[i].name), "%s", name);
		for (size_t k = 0; r == 0 && k < a->n_allow; k++)
			if ((r = moat_net_parse_cidr(a->allow[k], &iso.v[i].allow[k], err)) == 0)
				iso.v[i].n_allow++;
			else
				moat_error_set(err, MOAT_E_USAGE, "--allow %s: not an address",
					       a->allow[k]);
	} else if (r == 0 && i >= 0) {
		iso.v[i] = iso.v[--iso.n];
	}
	moat_buf_init(&out, 1u << 20);
	if (r == 0)
		r = moat_netiso_write(&iso, &out);
	if (r == 0)
		r = moat_state_write(st, NULL, MOAT_NETISO_FILE, out.data, out.len, err);
	moat_buf_release(&out);
	moat_state_unlock(fd);
	return r;
}

static int cmd_isolate(struct args *a, bool isolate)
{
	struct moat_error err = { 0 };
	struct moat_state *st = NULL;
	char id[65], name[256];
	int r;

	if (!a->target || (!isolate && a->n_allow)) {
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	r = container_of(a->target, id, name, sizeof(name), &err);
	if (r == 0)
		r = moat_state_open(a->state, true, &st, &err);
	if (r == 0)
		r = change_iso(st, a, id, name, isolate, &err);
	if (r < 0) {
		moat_state_close(st);
		return fail(r, &err);
	}
	if (!a->no_wait && !applied(st, id, isolate)) {
		moat_state_close(st);
		fprintf(stderr, "moat network: %s %s requested; no running defender applied it "
				"within %d s (it will when one runs with --state %s)\n",
			isolate ? "isolating" : "releasing", name, APPLY_WAIT_MS / 1000,
			a->state ? a->state : MOAT_STATE_DEFAULT_DIR);
		return MOAT_EXIT_POLICY;
	}
	printf("%s %s (%.12s)\n", isolate ? "isolated" : "released", name, id);
	moat_state_close(st);
	return MOAT_EXIT_OK;
}

int moat_cmd_network(int argc, char **argv)
{
	struct args a = { 0 };
	const char *sub = argc > 1 ? argv[1] : NULL;
	int r;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		usage(sub ? stdout : stderr);
		return sub ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	}
	r = parse_args(argc - 1, argv + 1, &a);
	if (r > 0)
		return MOAT_EXIT_OK;
	if (r < 0) {
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	if (!strcmp(sub, "graph"))
		return cmd_graph(&a);
	if (!strcmp(sub, "policy"))
		return cmd_policy(&a);
	if (!strcmp(sub, "isolate"))
		return cmd_isolate(&a, true);
	if (!strcmp(sub, "unisolate"))
		return cmd_isolate(&a, false);
	fprintf(stderr, "moat network: unknown subcommand %s\n", sub);
	usage(stderr);
	return MOAT_EXIT_USAGE;
}
