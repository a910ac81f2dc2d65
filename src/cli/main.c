/* SPDX-License-Identifier: Apache-2.0 */
/* main.c - the one `moat` binary: dispatch git-style subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "moat-config.h"

static const struct moat_cmd commands[] = {
	{ "scan", "scan an image for packages and findings", moat_cmd_scan },
	{ "sbom", "write a CycloneDX or SPDX SBOM of an image", moat_cmd_sbom },
	{ "db", "build, inspect and update the vulnerability DB", moat_cmd_db },
	{ "base", "register base images for owner attribution (add, list)", moat_cmd_base },
	{ "top", "the N riskiest findings across images", moat_cmd_top },
	{ "config", "check Dockerfiles, Kubernetes manifests (and an image's build) for misconfiguration", moat_cmd_config },
	{ "comply", "CIS benchmarks: Docker engine and host (docker), Kubernetes manifests (k8s), node files (node)",
	  moat_cmd_comply },
	{ "registry", "scan a registry's images, or scan on push (scan, listen)",
	  moat_cmd_registry },
	{ "defender", "watch this node's containers at run time (eBPF sensor, rules)",
	  moat_cmd_defender },
	{ "authz", "Docker authorization plugin: block what breaks policy at docker run",
	  moat_cmd_authz },
	{ "webhook", "Kubernetes validating admission webhook (AdmissionReview v1)",
	  moat_cmd_webhook },
	{ "network", "network graph, container isolation, NetworkPolicy export",
	  moat_cmd_network },
	{ "baseline", "show and change learned behaviour baselines; export seccomp profiles",
	  moat_cmd_baseline },
	{ "console", "central console: API, storage, users, web UI (serve, stop, user, token)",
	  moat_cmd_console },
	{ "version", "print the version", moat_cmd_version },
	/* Hidden (summary NULL): a debugging and test aid, see docs/internals/layered-fs.md. */
	{ "fs", NULL, moat_cmd_fs },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: moat <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].summary)
			fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'moat <command> --help' for a command's options.\n");
}

int moat_cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("moat %s\n", MOAT_VERSION);
	return MOAT_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return MOAT_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return MOAT_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return moat_cmd_version(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "moat: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return MOAT_EXIT_USAGE;
}
