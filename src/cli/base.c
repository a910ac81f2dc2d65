/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base.c - `moat base add|list`: the local index of base images.
 *
 * `add` reads an image's layer chain (no file contents) and records it as a
 * golden base under a name; `moat scan` then attributes findings in those
 * bottom layers to "base" without --base-image (vuln/owner.h).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/jsonw.h"
#include "image/image.h"
#include "moat/error.h"
#include "vuln/owner.h"
#include "cli.h"

struct base_args {
	const char *name;
	const char *index;      /* --index FILE; NULL = moat_base_index_default_path() */
	const char *docker_host;
	bool json;
	const char *target;
};

static void usage(FILE *out)
{
	fputs("usage: moat base add [--name NAME] TARGET\n"
	      "       moat base list [--format table|json]\n\n"
	      "Register golden base images: `moat scan` attributes findings in their layers to\n"
	      "\"base\" without --base-image.\n\n"
	      "options:\n"
	      "      --name NAME         the name reports show (default: TARGET)\n"
	      "      --index FILE        the index (default: $MOAT_BASE_INDEX, else\n"
	      "                          $XDG_DATA_HOME/moat/bases.jsonl)\n"
	      "      --docker-host SOCK  Docker Engine socket for docker: targets\n"
	      "  -f, --format FMT        list: table (default) or json\n"
	      "  -h, --help              this help\n", out);
}

/* Returns 0, 1 for --help, or -EINVAL (printed). */
static int parse_args(int argc, char **argv, bool add, struct base_args *a)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "index", required_argument, NULL, 'i' },
		{ "docker-host", required_argument, NULL, 'H' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': a->name = optarg; break;
		case 'i': a->index = optarg; break;
		case 'H': a->docker_host = optarg; break;
		case 'f':
			if (add || (strcmp(optarg, "json") != 0 && strcmp(optarg, "table") != 0))
				return fprintf(stderr, "moat base: bad --format '%s'\n", optarg), -EINVAL;
			a->json = !strcmp(optarg, "json");
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			fprintf(stderr, "moat base: unknown or incomplete option '%s'\n", argv[optind - 1]);
			usage(stderr);
			return -EINVAL;
		}
	}
	if (add != (optind == argc - 1) || (!add && optind != argc)) {
		fprintf(stderr, "moat base %s: %s\n", argv[0], add ? "want one TARGET" : "no arguments");
		usage(stderr);
		return -EINVAL;
	}
	if (add)
		a->target = argv[optind];
	return 0;
}

static int base_add(const struct base_args *a, struct moat_base_index *index,
		    struct moat_error *err)
{
	struct moat_image_opts opts = { .target = a->target, .docker_host = a->docker_host };
	struct moat_image *img = NULL;
	const struct moat_image_meta *meta;
	const char *name = a->name ? a->name : a->target;
	int r;

	moat_limits_fill(&opts.limits);
	/* The chain is all we need: no file contents, no catalogers. */
	if ((r = moat_image_open(&opts, &img, err)) < 0)
		return r;
	meta = moat_image_meta(img);
	if (!meta->config_digest || !meta->n_layers || !meta->layers[0].diff_id)
		r = moat_error_set(err, MOAT_E_UNSUPPORTED, "%s: no layer chain to register "
				   "(a dir: root has none)", a->target);
	else
		r = moat_base_index_add(index, name, meta, true, err);
	if (r == 0)
		printf("registered %s: %s, %zu layer%s, in %s\n", name, meta->config_digest,
		       meta->n_layers, meta->n_layers == 1 ? "" : "s", moat_base_index_path(index));
	moat_image_close(img);
	return r;
}

static int base_list(const struct base_args *a, const struct moat_base_index *index)
{
	struct moat_buf out;
	struct moat_jw jw;
	struct moat_base_entry e;
	size_t n = moat_base_index_count(index);
	int r = 0;

	if (!a->json) {
		printf("%-32s %-5s %-6s %s\n", "NAME", "USER", "LAYERS", "CONFIG");
		for (size_t i = 0; i < n; i++) {
			moat_base_index_entry(index, i, &e);
			printf("%-32s %-5s %-6zu %s\n", e.name && *e.name ? e.name : "-",
			       e.user ? "yes" : "no", e.n_layers, e.config_digest);
		}
		return 0;
	}
	moat_buf_init(&out, 0);
	moat_jw_init(&jw, &out, true);
	moat_jw_obj_begin(&jw);
	moat_jw_kstr(&jw, "index", moat_base_index_path(index));
	moat_jw_key(&jw, "bases");
	moat_jw_arr_begin(&jw);
	for (size_t i = 0; i < n; i++) {
		moat_base_index_entry(index, i, &e);
		moat_jw_obj_begin(&jw);
		moat_jw_kstr(&jw, "name", e.name);
		moat_jw_kstr(&jw, "config_digest", e.config_digest);
		moat_jw_kstr(&jw, "manifest_digest", e.manifest_digest);
		moat_jw_kuint(&jw, "layers", e.n_layers);
		moat_jw_kbool(&jw, "user", e.user);
		moat_jw_obj_end(&jw);
	}
	moat_jw_arr_end(&jw);
	moat_jw_obj_end(&jw);
	r = moat_jw_finish(&jw);
	if (r == 0)
		r = cli_emit(NULL, &out);
	moat_buf_release(&out);
	return r;
}

int moat_cmd_base(int argc, char **argv)
{
	struct base_args a;
	struct moat_base_index *index = NULL;
	struct moat_error err = { 0 };
	bool add;
	int r;

	if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "list") != 0)) {
		if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
			return usage(stdout), MOAT_EXIT_OK;
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	add = !strcmp(argv[1], "add");
	r = parse_args(argc - 1, argv + 1, add, &a);
	if (r != 0)
		return r > 0 ? MOAT_EXIT_OK : MOAT_EXIT_USAGE;
	r = moat_base_index_open(a.index, &index, &err);
	if (r == 0)
		r = add ? base_add(&a, index, &err) : base_list(&a, index);
	moat_base_index_close(index);
	if (r < 0) {
		cli_errorf("moat base: %s\n", err.msg[0] ? err.msg : moat_strerror(r));
		return moat_error_is_input(r) || r == -ENOENT ? MOAT_EXIT_USAGE : MOAT_EXIT_INTERNAL;
	}
	return MOAT_EXIT_OK;
}
