/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang_node_test.c - the npm cataloger on real lock files, generated once by
 * npm 6/11, yarn 1/4 and pnpm 7/8/9 for one project (tests/data/lang/README.md
 * says how), each checked against `npm ls --all --json` of the installed
 * tree; and the path rules that decide what counts as an installed package.
 */
#include "harness.h"
#include "lang_scan.h"

static void check_lock(const char *data_file, const char *image_path)
{
	struct lang_scan s;
	size_t len = 0;
	uint8_t *data = lang_test_slurp(data_file, &len);

	CHECK(data != NULL);
	if (!data)
		return;
	CHECK_INT(lang_scan_run(&s, image_path, data, len), 0);
	CHECK_INT(lang_scan_diff(&s, "npm-ls.txt"), 0);
	for (size_t i = 0; i < s.cat.pkgs.count; i++) {
		const struct moat_pkg *p = s.cat.pkgs.items[i];

		CHECK_STR(p->evidence, "lockfile");
		CHECK_STR(p->type, "npm");
		CHECK_STR(p->layer, "sha256:l0");
		if (!strcmp(p->name, "@sindresorhus/is"))
			CHECK_STR(p->purl, "pkg:npm/%40sindresorhus/is@4.6.0");
		if (!strcmp(p->name, "express"))
			CHECK_STR(p->purl, "pkg:npm/express@4.18.2");
	}
	printf("# %s: %zu packages\n", data_file, s.cat.pkgs.count);
	lang_scan_release(&s);
	free(data);
}

static void test_lang_node__package_lock_v1(void)
{
	check_lock("package-lock-v1.json", "app/package-lock.json");
}

static void test_lang_node__package_lock_v2(void)
{
	check_lock("package-lock-v2.json", "app/package-lock.json");
}

static void test_lang_node__package_lock_v3(void)
{
	check_lock("package-lock-v3.json", "srv/app/npm-shrinkwrap.json");
}

static void test_lang_node__yarn_v1(void)
{
	check_lock("yarn-v1.lock", "app/yarn.lock");
}

static void test_lang_node__yarn_berry(void)
{
	check_lock("yarn-berry.lock", "app/yarn.lock");
}

static void test_lang_node__pnpm_v5(void)
{
	check_lock("pnpm-lock-v5.yaml", "app/pnpm-lock.yaml");
}

static void test_lang_node__pnpm_v6(void)
{
	check_lock("pnpm-lock-v6.yaml", "app/pnpm-lock.yaml");
}

static void test_lang_node__pnpm_v9(void)
{
	check_lock("pnpm-lock-v9.yaml", "pnpm-lock.yaml");
}

/* The project's own package.json as if installed: name and version read,
 * the scope moved into the purl namespace. */
static void test_lang_node__installed(void)
{
	static const char manifest[] = "{\"name\":\"@types/node\",\"version\":\"20.1.0\"}";
	struct lang_scan s;

	CHECK_INT(lang_scan_run(&s, "usr/lib/node_modules/@types/node/package.json",
				(const uint8_t *)manifest, sizeof(manifest) - 1), 0);
	CHECK_INT(s.cat.pkgs.count, 1);
	if (s.cat.pkgs.count == 1) {
		CHECK_STR(s.cat.pkgs.items[0]->purl, "pkg:npm/%40types/node@20.1.0");
		CHECK_STR(s.cat.pkgs.items[0]->evidence, "installed");
		CHECK_STR(s.cat.pkgs.items[0]->db_path,
			  "usr/lib/node_modules/@types/node/package.json");
	}
	lang_scan_release(&s);
}

/* A broken package.json is a warning, not a failed scan. */
static void test_lang_node__broken_manifest(void)
{
	static const char manifest[] = "{\"name\":\"x\",";
	struct lang_scan s;

	CHECK_INT(lang_scan_run(&s, "node_modules/x/package.json", (const uint8_t *)manifest,
				sizeof(manifest) - 1), 0);
	CHECK_INT(s.cat.pkgs.count, 0);
	CHECK_INT(moat_lang_warnings(s.lang)->count, 1);
	CHECK_STR(moat_lang_warnings(s.lang)->items[0].code, "lang-file-malformed");
	lang_scan_release(&s);
}

static const struct {
	const char *path;
	bool match;
} paths[] = {
	{ "app/node_modules/express/package.json", true },
	{ "node_modules/express/package.json", true },
	{ "app/node_modules/@babel/core/package.json", true },
	{ "app/node_modules/send/node_modules/ms/package.json", true },
	{ "app/node_modules/.pnpm/ms@2.0.0/node_modules/ms/package.json", true },
	{ "usr/share/nodejs/yargs/package.json", true },
	{ "usr/share/nodejs/@types/debug/package.json", true },
	{ "usr/lib/nodejs/npm/package.json", true },
	{ "usr/lib/x86_64-linux-gnu/nodejs/sqlite3/package.json", true },
	{ "usr/share/nodejs/yargs/helpers/package.json", false },   /* inside a package */
	{ "app/node_modules/express/lib/package.json", false },
	{ "app/node_modules/@babel/package.json", false },           /* the scope dir */
	{ "app/node_modules/.bin/package.json", false },
	{ "app/package.json", false },                               /* the project */
	{ "package.json", false },
	{ "usr/share/nodejs/package.json", false },
	{ "app/package-lock.json", true },
	{ "app/node_modules/x/package-lock.json", false },           /* a dependency's own */
	{ "app/node_modules/.package-lock.json", false },
	{ "usr/share/nodejs/browserslist/pnpm-lock.yaml", false },   /* Debian ships these */
	{ "usr/share/nodejs/lodash-cli/npm-shrinkwrap.json", false },
	{ "usr/lib/x86_64-linux-gnu/nodejs/x/yarn.lock", false },
	{ "yarn.lock", true },
	{ "app/pnpm-lock.yaml", true },
	{ "app/mypnpm-lock.yaml", false },
	{ "app/xpackage.json", false },
};

static void test_lang_node__match(void)
{
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		bool m = moat_lang_node.match(paths[i].path, strlen(paths[i].path), 0100644, 100);

		if (m != paths[i].match)
			printf("# %s\n", paths[i].path);
		CHECK_INT(m, paths[i].match);
	}
}

int main(void)
{
	MOAT_RUN(test_lang_node__package_lock_v1);
	MOAT_RUN(test_lang_node__package_lock_v2);
	MOAT_RUN(test_lang_node__package_lock_v3);
	MOAT_RUN(test_lang_node__yarn_v1);
	MOAT_RUN(test_lang_node__yarn_berry);
	MOAT_RUN(test_lang_node__pnpm_v5);
	MOAT_RUN(test_lang_node__pnpm_v6);
	MOAT_RUN(test_lang_node__pnpm_v9);
	MOAT_RUN(test_lang_node__installed);
	MOAT_RUN(test_lang_node__broken_manifest);
	MOAT_RUN(test_lang_node__match);
	return moat_test_done();
}
