/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang_misc_test.c - the Ruby, PHP and .NET catalogers on real files:
 * Debian's installed gemspec stubs (ruby-rack, ruby-json, the json default
 * gem), a Gemfile.lock written by bundler from those gems (checked against
 * `bundle list`), Composer's installed.json and composer.lock (checked
 * against `composer show`), and a deps.json written by the .NET SDK.
 * tests/data/lang/README.md says where each came from.
 */
#include "harness.h"
#include "lang_scan.h"

static void check_file(const char *data_file, const char *image_path, const char *expected,
		       const char *evidence)
{
	struct lang_scan s;
	size_t len = 0;
	uint8_t *data = lang_test_slurp(data_file, &len);

	CHECK(data != NULL);
	if (!data)
		return;
	CHECK_INT(lang_scan_run(&s, image_path, data, len), 0);
	CHECK_INT(lang_scan_diff(&s, expected), 0);
	for (size_t i = 0; i < s.cat.pkgs.count; i++)
		CHECK_STR(s.cat.pkgs.items[i]->evidence, evidence);
	lang_scan_release(&s);
	free(data);
}

/* One package from one file; returns its purl check. */
static void check_one(const char *data_file, const char *image_path, const char *purl)
{
	struct lang_scan s;
	size_t len = 0;
	uint8_t *data = lang_test_slurp(data_file, &len);

	CHECK(data != NULL);
	if (!data)
		return;
	CHECK_INT(lang_scan_run(&s, image_path, data, len), 0);
	CHECK_INT(s.cat.pkgs.count, 1);
	if (s.cat.pkgs.count == 1) {
		CHECK_STR(s.cat.pkgs.items[0]->purl, purl);
		CHECK_STR(s.cat.pkgs.items[0]->evidence, "installed");
	}
	lang_scan_release(&s);
	free(data);
}

/* Debian: ruby-rack 2.2.22-0+deb12u2, ruby-json 2.6.3, ruby3.1's json 2.6.1 */
static void test_lang_misc__gemspec(void)
{
	check_one("rack-2.2.22.gemspec",
		  "usr/share/rubygems-integration/all/specifications/rack-2.2.22.gemspec",
		  "pkg:gem/rack@2.2.22");
	check_one("json-2.6.3.gemspec",
		  "usr/lib/x86_64-linux-gnu/rubygems-integration/3.1.0/specifications/json-2.6.3.gemspec",
		  "pkg:gem/json@2.6.3");
	check_one("json-2.6.1-default.gemspec",
		  "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec",
		  "pkg:gem/json@2.6.1");
}

static void test_lang_misc__gemfile_lock(void)
{
	check_file("Gemfile.lock", "app/Gemfile.lock", "bundle-list.txt", "lockfile");
}

static void test_lang_misc__composer_installed(void)
{
	check_file("composer-installed.json", "app/vendor/composer/installed.json",
		   "composer-show.txt", "installed");
}

static void test_lang_misc__composer_lock(void)
{
	struct lang_scan s;
	size_t len = 0;
	uint8_t *data = lang_test_slurp("composer.lock", &len);

	check_file("composer.lock", "app/composer.lock", "composer-show.txt", "lockfile");
	CHECK(data != NULL);
	if (!data)
		return;
	CHECK_INT(lang_scan_run(&s, "composer.lock", data, len), 0);
	for (size_t i = 0; i < s.cat.pkgs.count; i++)
		if (!strcmp(s.cat.pkgs.items[i]->name, "symfony/polyfill-mbstring"))
			CHECK_STR(s.cat.pkgs.items[i]->purl,
				  "pkg:composer/symfony/polyfill-mbstring@v1.28.0");
	lang_scan_release(&s);
	free(data);
}

/* The 12 "package" libraries; the two "project" ones are the app itself. */
static void test_lang_misc__deps_json(void)
{
	struct lang_scan s;
	size_t len = 0;
	uint8_t *data = lang_test_slurp("TestLibrary.deps.json", &len);
	bool found = false;

	CHECK(data != NULL);
	if (!data)
		return;
	CHECK_INT(lang_scan_run(&s, "app/TestLibrary.deps.json", data, len), 0);
	CHECK_INT(s.cat.pkgs.count, 12);
	for (size_t i = 0; i < s.cat.pkgs.count; i++) {
		const struct moat_pkg *p = s.cat.pkgs.items[i];

		CHECK(strcmp(p->name, "TestLibrary") != 0 && strcmp(p->name, "TestCommon") != 0);
		if (!strcmp(p->name, "Newtonsoft.Json")) {
			found = true;
			CHECK_STR(p->purl, "pkg:nuget/Newtonsoft.Json@13.0.1");
		}
	}
	CHECK(found);
	lang_scan_release(&s);
	free(data);
}

static bool match(const struct moat_lang_cataloger *c, const char *path)
{
	return c->match(path, strlen(path), 0100644, 100);
}

static void test_lang_misc__match(void)
{
	CHECK(match(&moat_lang_ruby, "usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec"));
	CHECK(match(&moat_lang_ruby, "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"));
	CHECK(!match(&moat_lang_ruby, "app/rake.gemspec"));
	CHECK(match(&moat_lang_ruby, "app/Gemfile.lock"));
	CHECK(match(&moat_lang_php, "var/www/vendor/composer/installed.json"));
	CHECK(!match(&moat_lang_php, "var/www/vendor/installed.json"));
	CHECK(match(&moat_lang_php, "var/www/composer.lock"));
	CHECK(match(&moat_lang_dotnet, "app/Web.deps.json"));
	CHECK(!match(&moat_lang_dotnet, "app/.deps.json"));
	CHECK(match(&moat_lang_dotnet, "src/packages.lock.json"));
	CHECK(!match(&moat_lang_dotnet, "src/mypackages.lock.json"));
}

int main(void)
{
	MOAT_RUN(test_lang_misc__gemspec);
	MOAT_RUN(test_lang_misc__gemfile_lock);
	MOAT_RUN(test_lang_misc__composer_installed);
	MOAT_RUN(test_lang_misc__composer_lock);
	MOAT_RUN(test_lang_misc__deps_json);
	MOAT_RUN(test_lang_misc__match);
	return moat_test_done();
}
