/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lang_misc_test.c - the Ruby, PHP and .NET catalogers on real files:
 * Debian's installed gemspec stubs (ruby-rack, ruby-json, the json default
 * gem), a Gemfile.lock written by bundler from those gems (checked against
 * `bundle list`), Composer's installed.json and composer.lock (checked
 * against `composer show`), and a deps.json written by the .NET SDK.
 * tests/data/lang/README.md says where each came from.
 */
#include <ctype.h>

#include "harness.h"
#include "lang_scan.h"
#include "sbom/license-text.h"

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

static char *licence_text(const char *name, size_t *len)
{
	char path[4096];
	const char *src = getenv("MOAT_SRC");

	snprintf(path, sizeof(path), "%s/tests/data/licenses/%s", src ? src : ".", name);
	return (char *)test_slurp(path, 0, len);
}

static const char *identify(const char *name)
{
	size_t len = 0;
	char *t = licence_text(name, &len);
	const char *id = t ? moat_license_identify(t, len) : "unreadable";

	free(t);
	return id;
}

/* Two texts in one file (dual licensing, bundled notices) name no one licence. */
static const char *identify_pair(const char *a, const char *b)
{
	size_t la = 0, lb = 0;
	char *ta = licence_text(a, &la);
	char *tb = licence_text(b, &lb);
	char *both = ta && tb ? malloc(la + lb) : NULL;
	const char *id = "unreadable";

	if (both) {
		memcpy(both, ta, la);
		memcpy(both + la, tb, lb);
		id = moat_license_identify(both, la + lb);
	}
	free(ta);
	free(tb);
	free(both);
	return id;
}

static void test_lang_misc__license_text(void)
{
	static const char *const texts[] = { "MIT", "ISC", "Apache-2.0", "MPL-2.0",
					     "BSD-2-Clause", "BSD-3-Clause" };
	size_t len = 0;
	char *t;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		CHECK_STR(identify(texts[i]), texts[i]);
	CHECK(identify_pair("MIT", "Apache-2.0") == NULL);
	CHECK(identify_pair("BSD-2-Clause", "ISC") == NULL);
	/* BSD with the advertising clause (BSD-4-Clause) is neither 2 nor 3 */
	t = licence_text("BSD-3-Clause", &len);
	CHECK(t != NULL);
	if (t) {
		char *four = malloc(len + 200);
		static const char adv[] = "3. All advertising materials mentioning features or use "
					  "of this software must display an acknowledgement.\n";

		memcpy(four, t, len);
		memcpy(four + len, adv, sizeof(adv) - 1);
		CHECK(moat_license_identify(four, len + sizeof(adv) - 1) == NULL);
		/* re-wrapped and re-cased text is the same licence */
		for (size_t i = 0; i < len; i++)
			four[i] = t[i] == '\n' ? ' ' : (char)toupper((unsigned char)t[i]);
		CHECK_STR(moat_license_identify(four, len), "BSD-3-Clause");
		free(four);
	}
	free(t);
	/* a grant cut short (MIT without its notice condition) is no licence we know */
	t = licence_text("MIT", &len);
	CHECK(t != NULL && moat_license_identify(t, len / 2) == NULL);
	free(t);
	/* GPL text after an MIT notice: not MIT alone */
	t = licence_text("MIT", &len);
	if (t) {
		static const char gpl[] = "GNU GENERAL PUBLIC LICENSE Version 2, June 1991 Everyone "
			"is permitted to copy and distribute verbatim copies of this license "
			"document, but changing it is not allowed.";
		char *both = malloc(len + sizeof(gpl));

		memcpy(both, t, len);
		memcpy(both + len, gpl, sizeof(gpl));
		CHECK(moat_license_identify(both, len + sizeof(gpl) - 1) == NULL);
		free(both);
	}
	free(t);
	CHECK(moat_license_identify("GNU GENERAL PUBLIC LICENSE Version 2", 36) == NULL);
	CHECK(moat_license_identify("", 0) == NULL);
	CHECK_STR(moat_license_from_name("The Apache Software License, Version 2.0", 40),
		  "Apache-2.0");
	CHECK_STR(moat_license_from_name("MIT License", 11), "MIT");
	CHECK_STR(moat_license_from_name("Eclipse Public License - v 2.0", 30), "EPL-2.0");
	CHECK(moat_license_from_name("Some Custom License", 19) == NULL);
}

int main(void)
{
	MOAT_RUN(test_lang_misc__license_text);
	MOAT_RUN(test_lang_misc__gemspec);
	MOAT_RUN(test_lang_misc__gemfile_lock);
	MOAT_RUN(test_lang_misc__composer_installed);
	MOAT_RUN(test_lang_misc__composer_lock);
	MOAT_RUN(test_lang_misc__deps_json);
	MOAT_RUN(test_lang_misc__match);
	return moat_test_done();
}
