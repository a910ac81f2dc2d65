/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match-bench.c - what do opening the vulnerability DB and matching cost?
 *
 * usage: match-bench DB [OPENS]
 * Prints the median wall and CPU time of OPENS (default 201)
 * moat_vulndb_open() calls without the checksum (the structural checks
 * alone) and of 21 as `moat scan` makes them (checksum of the whole file
 * verified),
 * then matches a synthetic package list in-process: every (ecosystem,
 * package) key of the DB that moat can match (Debian, Alpine, Go, PyPI, npm,
 * ...) at the versions its own entries name (each range's introduced,
 * fixed and last_affected, the first listed version) plus "0", and prints
 * packages matched per second (median of 5 passes). Built only on request:
 * `ninja -C BUILD bench/match-bench` (bench/match does it).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "moat/error.h"
#include "sbom/os.h"
#include "sbom/pkg.h"
#include "vuln/match.h"
#include "vuln/vulndb.h"

#define PASSES 5
#define VERSIONS_PER_ENTRY 4

/* One ecosystem's packages and the OS that makes moat match them there. */
struct group {
	char ecosystem[64];
	char os_id[16];
	char version_id[16];
	const char *type;
	struct moat_pkg_list pkgs;
};

static double clock_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static double now_us(void)
{
	return clock_us(CLOCK_MONOTONIC);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* Median wall and CPU time of n opens. CPU time (this thread's, page faults
 * of the mapping included) is the steadier figure on a busy machine. */
static int time_opens(const char *path, size_t n, bool verify, double *ret_wall, double *ret_cpu)
{
	double *t = calloc(2 * n, sizeof(*t));
	struct moat_error err = { 0 };

	if (!t)
		return -1;
	for (size_t i = 0; i < n; i++) {
		struct moat_vulndb *db = NULL;
		double t0 = now_us();
		double c0 = clock_us(CLOCK_THREAD_CPUTIME_ID);
		int r = moat_vulndb_open(path, verify, &db, &err);

		t[n + i] = clock_us(CLOCK_THREAD_CPUTIME_ID) - c0;
		t[i] = now_us() - t0;
		moat_vulndb_close(db);
		if (r < 0) {
			fprintf(stderr, "match-bench: %s\n", err.msg);
			free(t);
			return -1;
		}
	}
	*ret_wall = median(t, n);
	*ret_cpu = median(t + n, n);
	free(t);
	return 0;
}

/* The purl type and OS a DB ecosystem is matched as; false when none. */
static bool group_for(const char *eco, struct group *g)
{
	static const struct { const char *eco, *type; } lang[] = {
		{ "Go", "golang" }, { "PyPI", "pypi" }, { "npm", "npm" }, { "crates.io", "cargo" },
		{ "Maven", "maven" }, { "RubyGems", "gem" }, { "Packagist", "composer" },
		{ "NuGet", "nuget" },
	};

	memset(g, 0, sizeof(*g));
	snprintf(g->ecosystem, sizeof(g->ecosystem), "%s", eco);
	for (size_t i = 0; i < sizeof(lang) / sizeof(lang[0]); i++)
		if (!strcmp(eco, lang[i].eco)) {
			g->type = lang[i].type;
			return true;
		}
	const char *colon = strchr(eco, ':');

	if (colon && !strncmp(eco, "Debian:", 7) && isdigit((unsigned char)colon[1])) {
		g->type = "deb";
		snprintf(g->os_id, sizeof(g->os_id), "debian");
		snprintf(g->version_id, sizeof(g->version_id), "%s", colon + 1);
		return true;
	}
	if (colon && !strncmp(eco, "Alpine:v", 8)) {
		g->type = "apk";
		snprintf(g->os_id, sizeof(g->os_id), "alpine");
		snprintf(g->version_id, sizeof(g->version_id), "%s.0", colon + 2);
		return true;
	}
	return false;
}

static struct group *find_group(struct group *groups, size_t *n, size_t cap, const char *eco)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(groups[i].ecosystem, eco))
			return &groups[i];
	if (*n == cap || !group_for(eco, &groups[*n]))
		return NULL;
	return &groups[(*n)++];
}

static int add_pkg(struct moat_arena *arena, struct group *g, const char *name, const char *v)
{
	struct moat_pkg *p = moat_arena_zalloc(arena, sizeof(*p));

	if (!p || !v || !*v)
		return p ? 0 : -1;
	p->type = g->type;
	p->name = name;
	p->version = v;
	p->layer_index = -1;
	return moat_pkg_list_add(arena, &g->pkgs, p);
}

/* Every matchable package key at the versions its entries name. */
static size_t build_list(const struct moat_vulndb *db, struct moat_arena *arena,
			 struct group *groups, size_t *n_groups, size_t cap)
{
	const struct moat_vulndb_info *info = moat_vulndb_info(db);
	struct moat_vulndb_cursor cur;
	struct moat_vulndb_entry e;
	struct moat_error err = { 0 };
	size_t total = 0;

	for (uint64_t i = 0; i < info->n_packages; i++) {
		struct group *g;
		const char *name;

		if (moat_vulndb_package_at(db, i, &cur, &err) < 0)
			break;
		g = find_group(groups, n_groups, cap, cur.ecosystem);
		if (!g)
			continue;
		name = moat_arena_strdup(arena, cur.package);
		add_pkg(arena, g, name, "0");
		total++;
		while (moat_vulndb_next(&cur, &e)) {
			const char *v[VERSIONS_PER_ENTRY] = {
				e.n_ranges ? e.ranges[0].introduced : NULL,
				e.n_ranges ? e.ranges[0].fixed : NULL,
				e.n_ranges ? e.ranges[0].last_affected : NULL,
				e.n_versions ? e.versions[0] : NULL,
			};

			for (size_t k = 0; k < VERSIONS_PER_ENTRY; k++)
				if (v[k] && strcmp(v[k], "0")) {
					add_pkg(arena, g, name, moat_arena_strdup(arena, v[k]));
					total++;
				}
		}
	}
	return total;
}

static int match_pass(const struct moat_vulndb *db, struct group *groups, size_t n_groups,
		      size_t *ret_findings, double *ret_us)
{
	struct moat_arena *arena = moat_arena_open(4ull << 30);
	struct moat_error err = { 0 };
	size_t findings = 0;
	double t0 = now_us();
	int r = arena ? 0 : -1;

	for (size_t i = 0; r == 0 && i < n_groups; i++) {
		struct moat_os os = { .id = groups[i].os_id[0] ? groups[i].os_id : NULL,
				      .version_id = groups[i].version_id };
		struct moat_vuln_list out = { 0 };

		r = moat_vuln_match(db, &os, NULL, &groups[i].pkgs, arena, &out, &err);
		findings += out.count;
	}
	*ret_us = now_us() - t0;
	*ret_findings = findings;
	if (r < 0)
		fprintf(stderr, "match-bench: %s\n", err.msg);
	moat_arena_close(arena);
	return r;
}

int main(int argc, char **argv)
{
	struct group groups[256];
	size_t n_groups = 0, n_pkgs, findings = 0;
	size_t opens = argc > 2 ? strtoul(argv[2], NULL, 10) : 201;
	double open_us, open_cpu, verify_us, verify_cpu, pass_us[PASSES], med;
	struct moat_vulndb *db = NULL;
	struct moat_arena *arena;
	struct moat_error err = { 0 };

	if (argc < 2 || !opens)
		return fprintf(stderr, "usage: match-bench DB [OPENS]\n"), 2;
	if (time_opens(argv[1], opens, false, &open_us, &open_cpu) < 0 ||
	    time_opens(argv[1], 21, true, &verify_us, &verify_cpu) < 0)
		return 1;
	printf("db open without the checksum: median of %zu: %.3f ms (%.3f ms CPU)\n", opens,
	       open_us / 1000, open_cpu / 1000);
	printf("db open as moat scan (checksum verified): median of 21: %.3f ms (%.3f ms CPU)\n",
	       verify_us / 1000, verify_cpu / 1000);
	arena = moat_arena_open(4ull << 30);
	if (!arena || moat_vulndb_open(argv[1], false, &db, &err) < 0)
		return fprintf(stderr, "match-bench: %s\n", err.msg), 1;
	n_pkgs = build_list(db, arena, groups, &n_groups, sizeof(groups) / sizeof(groups[0]));
	for (size_t i = 0; i < PASSES; i++)
		if (match_pass(db, groups, n_groups, &findings, &pass_us[i]) < 0)
			return 1;
	med = median(pass_us, PASSES);
	printf("synthetic list: %zu packages in %zu ecosystems -> %zu findings\n", n_pkgs, n_groups,
	       findings);
	printf("matching: median of %d passes: %.1f ms = %.0f packages/s\n", PASSES, med / 1000,
	       (double)n_pkgs / (med / 1e6));
	moat_vulndb_close(db);
	moat_arena_close(arena);
	return 0;
}
