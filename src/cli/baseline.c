/* SPDX-License-Identifier: Apache-2.0 */
/*
 * baseline.c - `moat baseline`: read and change the learned behaviour
 * models in the defender's state directory, while it runs or not
 * (docs/baselines.md). Every change is a read-modify-write under the
 * image's lock; the defender notices it on its next tick.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/file.h"
#include "base/json.h"
#include "base/jsonw.h"
#include "base/term.h"
#include "baseline-cli.h"
#include "cli.h"
#include "defend/baseline-seccomp.h"
#include "defend/baseline.h"
#include "defend/netpolicy.h"
#include "defend/state.h"
#include "moat/error.h"


static void usage(FILE *out)
{
	fprintf(out,
		"usage: moat baseline list [--format table|json] [--state DIR]\n"
		"       moat baseline show IMAGE [--format table|json] [--state DIR]\n"
		"       moat baseline mode IMAGE [learn|alert|enforce] [--state DIR]\n"
		"       moat baseline reset IMAGE [--state DIR]\n"
		"       moat baseline approve IMAGE KIND:ITEM|ALERT-JSON [--state DIR]\n"
		"       moat baseline edit IMAGE [--state DIR]\n"
		"       moat baseline export IMAGE --seccomp [--no-runtime] [-o FILE] [--state DIR]\n"
		"       moat baseline export IMAGE --network-policy [-o FILE] [--state DIR]\n\n"
		"IMAGE is an image id, a unique id prefix (12+ hex digits) or a reference the\n"
		"defender saw it run under. KIND is exec, exec-pair, file-write, listen or\n"
		"syscall (exec:/usr/bin/curl, file-write:/data/*, listen:8080, syscall:ptrace,\n"
		"\"exec-pair:/bin/sh -> /bin/ls\"); an alert line the defender printed may be\n"
		"given instead. The state directory defaults to " MOAT_STATE_DEFAULT_DIR ".\n");
}

static int fail(int r, const struct moat_error *err)
{
	cli_errorf("moat baseline: %s\n", err->msg[0] ? err->msg : moat_strerror(r));
	return moat_error_is_input(r) || r == MOAT_E_NOTFOUND ? MOAT_EXIT_USAGE
							       : MOAT_EXIT_INTERNAL;
}

static int parse(int argc, char **argv, struct bl_args *a)
{
	static const struct option opts[] = {
		{ "state", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "seccomp", no_argument, NULL, 'c' },
		{ "network-policy", no_argument, NULL, 'n' },
		{ "no-runtime", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	a->format = "table";
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': a->state_dir = optarg; break;
		case 'f': a->format = optarg; break;
		case 'o': a->output = optarg; break;
		case 'c': a->seccomp = true; break;
		case 'n': a->network_policy = true; break;
		case 'r': a->no_runtime = true; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (strcmp(a->format, "table") != 0 && strcmp(a->format, "json") != 0) {
		cli_errorf("moat baseline: --format '%s': expected table or json\n", a->format);
		return -1;
	}
	a->nargs = argc - optind;
	a->args = argv + optind;
	return 0;
}

/* Open the state directory and find IMAGE (args[0]). An image id the
 * defender has not seen yet gets its directory (it starts in learn). */
static int open_image(struct bl_args *a, struct moat_error *err)
{
	int r = moat_state_open(a->state_dir, false, &a->st, err);

	if (r < 0)
		return r;
	if (a->nargs < 1)
		return moat_error_set(err, MOAT_E_USAGE, "no IMAGE given");
	r = moat_state_resolve(a->st, a->args[0], a->key, err);
	if (r == MOAT_E_NOTFOUND && moat_state_key_of(a->args[0], a->key, NULL) == 0) {
		memset(err, 0, sizeof(*err));
		return moat_state_note_image(a->st, a->key, NULL, err);
	}
	return r;
}

int baseline_load_model(struct bl_args *a, struct moat_bl_model *m, struct moat_error *err)
{
	moat_bl_model_init(m);
	return moat_bl_read(a->st, a->key, m, err);
}

/* --- show, list ------------------------------------------------------------- */

static void print_list(const struct moat_bl_model *m, enum moat_bl_kind kind, const char *title)
{
	size_t n = 0;
	const char **items = moat_bl_items(m, kind, &n);
	struct moat_buf line;

	moat_buf_init(&line, 0);
	printf("%s (%zu):\n", title, n);
	/* items are what containers did: escaped for the terminal */
	for (size_t i = 0; items && i < n; i++) {
		moat_buf_reset(&line);
		if (moat_term_str(&line, items[i]) == 0)
			printf("  %.*s\n", (int)line.len, (const char *)line.data);
	}
	moat_buf_release(&line);
	free(items);
}

static int cmd_show(struct bl_args *a, struct moat_error *err)
{
	enum moat_state_mode mode = MOAT_STATE_LEARN;
	struct moat_bl_model m;
	struct moat_buf out;
	char image[MOAT_STATE_KEY_LEN + 8];
	int r = moat_state_mode_get(a->st, a->key, &mode, err);

	if (r == 0)
		r = baseline_load_model(a, &m, err);
	else
		moat_bl_model_init(&m);
	snprintf(image, sizeof(image), "sha256:%s", a->key);
	moat_buf_init(&out, 0);
	if (r == 0 && !strcmp(a->format, "json")) {
		r = moat_bl_save(&m, image, moat_state_mode_name(mode), &out, err);
		if (r == 0)
			fwrite(out.data, 1, out.len, stdout);
	} else if (r == 0) {
		printf("image    %s\nmode     %s\nlearning %llu events%s\n", image,
		       moat_state_mode_name(mode), (unsigned long long)m.learn_events,
		       m.learn_done ? ", window over" : "");
		print_list(&m, MOAT_BL_EXEC, "executables");
		print_list(&m, MOAT_BL_PAIR, "parent -> child");
		print_list(&m, MOAT_BL_FILE, "paths written");
		print_list(&m, MOAT_BL_LISTEN, "ports bound");
		print_list(&m, MOAT_BL_SYSCALL, "syscalls");
	}
	moat_buf_release(&out);
	moat_bl_model_release(&m);
	return r;
}

struct list_walk {
	struct bl_args *a;
	struct moat_jw *jw;
};

static int list_one(const char *key, void *arg)
{
	struct list_walk *w = arg;
	enum moat_state_mode mode = MOAT_STATE_LEARN;
	struct moat_error err = { 0 };
	struct moat_bl_model m;
	struct moat_buf refs;
	char *nl;

	moat_buf_init(&refs, 0);
	moat_bl_model_init(&m);
	moat_state_mode_get(w->a->st, key, &mode, &err);
	moat_state_refs(w->a->st, key, &refs, &err);
	moat_buf_putc(&refs, 0);
	nl = strchr((char *)refs.data, '\n');
	if (nl)
		*nl = 0;
	/* an unreadable model shows as empty here; `show` says why */
	moat_bl_read(w->a->st, key, &m, &err);
	if (w->jw) {
		moat_jw_obj_begin(w->jw);
		moat_jw_kstr(w->jw, "image", key);
		moat_jw_kstr(w->jw, "ref", (char *)refs.data);
		moat_jw_kstr(w->jw, "mode", moat_state_mode_name(mode));
		for (int k = 0; k < MOAT_BL_KIND_COUNT; k++)
			moat_jw_kuint(w->jw, moat_bl_kind_name((enum moat_bl_kind)k),
				      moat_bl_count(&m, (enum moat_bl_kind)k));
		moat_jw_obj_end(w->jw);
	} else {
		printf("%.12s  %-7s %5zu %5zu %5zu %5zu  %s\n", key, moat_state_mode_name(mode),
		       moat_bl_count(&m, MOAT_BL_EXEC), moat_bl_count(&m, MOAT_BL_FILE),
		       moat_bl_count(&m, MOAT_BL_LISTEN), moat_bl_count(&m, MOAT_BL_SYSCALL),
		       (char *)refs.data);
	}
	moat_bl_model_release(&m);
	moat_buf_release(&refs);
	return 0;
}

static int cmd_list(struct bl_args *a, struct moat_error *err)
{
	struct moat_buf out;
	struct moat_jw jw;
	struct list_walk w = { a, NULL };
	int r = moat_state_open(a->state_dir, false, &a->st, err);

	if (r < 0)
		return r;
	moat_buf_init(&out, 0);
	if (!strcmp(a->format, "json")) {
		moat_jw_init(&jw, &out, true);
		moat_jw_arr_begin(&jw);
		w.jw = &jw;
	} else {
		printf("IMAGE         MODE     EXEC FILES PORTS SYSCALLS REF\n");
	}
	r = moat_state_foreach_image(a->st, list_one, &w, err);
	if (w.jw) {
		moat_jw_arr_end(&jw);
		if (r == 0 && moat_jw_finish(&jw) == 0) {
			fwrite(out.data, 1, out.len, stdout);
			putchar('\n');
		}
	}
	moat_buf_release(&out);
	return r;
}

/* --- changes ---------------------------------------------------------------- */

static int cmd_mode(struct bl_args *a, struct moat_error *err)
{
	enum moat_state_mode mode;
	int fd;
	int r;

	if (a->nargs < 2) {
		r = moat_state_mode_get(a->st, a->key, &mode, err);
		if (r == 0)
			printf("%s\n", moat_state_mode_name(mode));
		return r;
	}
	r = moat_state_mode_parse(a->args[1], &mode, err);
	if (r < 0)
		return r;
	r = moat_state_lock(a->st, a->key, &fd, err);
	if (r < 0)
		return r;
	r = moat_state_mode_set(a->st, a->key, mode, err);
	moat_state_unlock(fd);
	if (r == 0)
		printf("%.12s: %s\n", a->key, moat_state_mode_name(mode));
	return r;
}

static int cmd_reset(struct bl_args *a, struct moat_error *err)
{
	int fd;
	int r = moat_state_lock(a->st, a->key, &fd, err);

	if (r < 0)
		return r;
	r = moat_state_remove(a->st, a->key, MOAT_BL_FILE_NAME, err);
	if (r == 0)
		r = moat_state_mode_set(a->st, a->key, MOAT_STATE_LEARN, err);
	moat_state_unlock(fd);
	if (r == 0)
		printf("%.12s: model emptied, learning again\n", a->key);
	return r;
}

/* "kind:item", or an alert line with details baseline.kind / baseline.item. */
static int parse_item(const char *arg, int *ret_kind, char *item, size_t cap,
		      struct moat_error *err)
{
	const char *colon = strchr(arg, ':');
	json_t *doc = NULL;
	const json_t *details;
	char kind[32];
	int r;

	if (arg[0] == '{') {
		r = moat_json_parse(arg, strlen(arg), 1u << 20, "the alert", &doc, err);
		if (r < 0)
			return r;
		details = json_object_get(doc, "details");
		snprintf(kind, sizeof(kind), "%s",
			 moat_json_str(details, "baseline.kind") ? moat_json_str(details, "baseline.kind")
								 : "");
		snprintf(item, cap, "%s",
			 moat_json_str(details, "baseline.item") ? moat_json_str(details, "baseline.item")
								 : "");
		json_decref(doc);
	} else if (colon && (size_t)(colon - arg) < sizeof(kind)) {
		memcpy(kind, arg, (size_t)(colon - arg));
		kind[colon - arg] = 0;
		snprintf(item, cap, "%s", colon + 1);
	} else {
		kind[0] = 0;
	}
	*ret_kind = moat_bl_kind_parse(kind);
	if (*ret_kind < 0 || !item[0])
		return moat_error_set(err, MOAT_E_USAGE, "'%.200s': expected KIND:ITEM (KIND one of "
				      "exec, exec-pair, file-write, listen, syscall) or a baseline "
				      "alert line", arg);
	return 0;
}

static int cmd_approve(struct bl_args *a, struct moat_error *err)
{
	char item[MOAT_BL_ITEM_LEN];
	struct moat_bl_model m;
	int kind;
	int fd;
	int r;

	if (a->nargs < 2)
		return moat_error_set(err, MOAT_E_USAGE, "approve: no item given");
	r = parse_item(a->args[1], &kind, item, sizeof(item), err);
	if (r < 0)
		return r;
	r = moat_state_lock(a->st, a->key, &fd, err);
	if (r < 0)
		return r;
	r = baseline_load_model(a, &m, err);
	if (r == 0)
		r = moat_bl_add(&m, (enum moat_bl_kind)kind, item, err);
	if (r > 0)
		r = moat_bl_write(a->st, a->key, &m, err);
	moat_state_unlock(fd);
	moat_bl_model_release(&m);
	if (r == 0)
		printf("%.12s: %s %s is in the model\n", a->key, moat_bl_kind_name(kind), item);
	return r;
}

/* --- export ----------------------------------------------------------------- */

/* The learned network allow-list as a Kubernetes NetworkPolicy (netpolicy.h). */
static int export_network_policy(struct bl_args *a, struct moat_error *err)
{
	struct moat_netpolicy_opts po = { 0 };
	struct moat_buf out;
	size_t skipped = 0;
	int r;

	moat_buf_init(&out, 0);
	r = moat_netpolicy_export(a->st, a->key, a->args[0], &po, &out, &skipped, err);
	if (r == 0 && cli_emit(a->output, &out) < 0)
		r = moat_error_set(err, -errno, "%s: cannot write: %s", a->output, strerror(errno));
	if (r == 0 && skipped)
		fprintf(stderr, "moat baseline: %zu DNS or unnamed entries have no NetworkPolicy "
				"form and were left out\n", skipped);
	moat_buf_release(&out);
	return r;
}

static int cmd_export(struct bl_args *a, struct moat_error *err)
{
	struct moat_bl_model m;
	struct moat_buf out;
	int r;

	if (a->network_policy == a->seccomp)
		return moat_error_set(err, MOAT_E_USAGE, "export: give one of --seccomp or "
				      "--network-policy");
	if (a->network_policy)
		return export_network_policy(a, err);
	r = baseline_load_model(a, &m, err);
	if (r == 0 && moat_bl_count(&m, MOAT_BL_SYSCALL) == 0)
		r = moat_error_set(err, MOAT_E_NOTFOUND, "%s: no syscalls learned yet (a profile "
				   "of none would stop the container from starting)", a->args[0]);
	moat_buf_init(&out, 0);
	if (r == 0)
		r = moat_bl_seccomp(&m, !a->no_runtime, &out, err);
	if (r == 0 && cli_emit(a->output, &out) < 0)
		r = moat_error_set(err, -errno, "%s: cannot write: %s", a->output, strerror(errno));
	moat_buf_release(&out);
	moat_bl_model_release(&m);
	return r;
}

int moat_cmd_baseline(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(struct bl_args *a, struct moat_error *err);
	} subs[] = {
		{ "show", cmd_show }, { "mode", cmd_mode }, { "reset", cmd_reset },
		{ "approve", cmd_approve }, { "edit", baseline_cmd_edit },
		{ "export", cmd_export },
	};
	struct moat_error err = { 0 };
	struct bl_args a = { 0 };
	const char *sub = argc > 1 ? argv[1] : "";
	int r;

	if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		usage(stdout);
		return MOAT_EXIT_OK;
	}
	r = argc > 1 ? parse(argc - 1, argv + 1, &a) : -1;
	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : (usage(stderr), MOAT_EXIT_USAGE);
	if (!strcmp(sub, "list")) {
		r = cmd_list(&a, &err);
	} else {
		size_t i = 0;

		while (i < sizeof(subs) / sizeof(subs[0]) && strcmp(sub, subs[i].name) != 0)
			i++;
		if (i == sizeof(subs) / sizeof(subs[0])) {
			cli_errorf("moat baseline: unknown subcommand '%s'\n", sub);
			usage(stderr);
			return MOAT_EXIT_USAGE;
		}
		r = open_image(&a, &err);
		if (r == 0)
			r = subs[i].run(&a, &err);
	}
	moat_state_close(a.st);
	return r < 0 ? fail(r, &err) : MOAT_EXIT_OK;
}
