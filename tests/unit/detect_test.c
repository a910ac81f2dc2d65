/* SPDX-License-Identifier: Apache-2.0 */
/* detect_test.c - content scanners: masking, --scanners, the rule loader, each
 * password/config parser and the secret rules, from tables of {file, expected}. */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/reader.h"
#include "detect/detect.h"
#include "detect/secret-rules.h"
#include "moat/error.h"
#include "harness.h"

/* Scan one file at path; return "id@line,id@line" of the findings. */
static const char *scan_one(unsigned scanners, const char *path, const char *content,
			    char *out, size_t cap)
{
	struct moat_limits limits;
	struct moat_detect_opts o = { 0 };
	struct moat_detect *d = NULL;
	struct moat_error err = { 0 };
	struct moat_file_visit fv = { 0, path, strlen(path), 0100644, strlen(content), NULL, 0 };
	struct moat_mem_reader mr;
	struct moat_reader rd;
	const struct moat_finding_list *l;
	size_t n = 0;

	out[0] = '\0';
	moat_limits_default(&limits);
	o.scanners = scanners;
	o.limits = &limits;
	o.password_budget_ms = 2000;
	if (moat_detect_open(&o, &d, &err) < 0) {
		printf("# open: %s\n", err.msg);
		moat_detect_close(d);
		return "ERROR";
	}
	rd = moat_mem_reader(&mr, content, strlen(content));
	if (moat_detect_visit(d, &fv, &rd, &err) < 0 ||
	    moat_detect_finish(d, NULL, &err) < 0) {
		printf("# scan: %s\n", err.msg);
		moat_detect_close(d);
		return "ERROR";
	}
	l = moat_detect_findings(d);
	for (size_t i = 0; i < l->count && n < cap; i++) {
		const struct moat_finding *f = l->items[i];

		n += (size_t)snprintf(out + n, cap - n, "%s%s@%u", i ? "," : "", f->id, f->line);
		/* Whatever the finding, its evidence is masked. */
		if (f->match && strlen(f->match) >= 8)
			CHECK(strstr(content, f->match) == NULL);
	}
	moat_detect_close(d);
	return out;
}

struct row {
	const char *path;
	const char *content;
	const char *expect;
};

static void run_rows(unsigned scanners, const struct row *rows, size_t n)
{
	char buf[1024];

	for (size_t i = 0; i < n; i++) {
		const char *got = scan_one(scanners, rows[i].path, rows[i].content, buf, sizeof(buf));

		if (strcmp(got, rows[i].expect))
			printf("# row %zu (%s)\n", i, rows[i].path);
		CHECK_STR(got, rows[i].expect);
	}
}

static void test_detect__mask(void)
{
	struct moat_arena *a = moat_arena_open(1 << 20);

	CHECK_STR(moat_detect_mask(a, (const uint8_t *)"123456", 6), "******");
	CHECK_STR(moat_detect_mask(a, (const uint8_t *)"AKIAZ4Q7WERTYUIOPXQ2", 20),
		  "AK****************");
	CHECK_STR(moat_detect_mask(a, (const uint8_t *)"k9Fz3vQ8rT2mW7xLp4Nc6Yb1Hs5Ju0Ge9Da3KiRo", 40),
		  "k9Fz****************Ro");
	moat_arena_close(a);
}

static void test_detect__scanners_option(void)
{
	unsigned bits = 0;
	const char *bad = NULL;
	size_t bad_len = 0;

	CHECK_INT(moat_scanners_parse("vuln", &bits, &bad, &bad_len), 0);
	CHECK_INT(bits, MOAT_SCAN_VULN);
	CHECK_INT(moat_scanners_parse("secret,password", &bits, &bad, &bad_len), 0);
	CHECK_INT(bits, MOAT_SCAN_SECRET | MOAT_SCAN_PASSWORD);
	CHECK_INT(moat_scanners_parse("secret,nope", &bits, &bad, &bad_len), -EINVAL);
	CHECK_INT(bad_len, 4);
	CHECK(!strncmp(bad, "nope", 4));
	CHECK_INT(moat_scanners_parse("malware", &bits, &bad, &bad_len), 0);
	CHECK_INT(bits, MOAT_SCAN_MALWARE);
	CHECK(moat_scanners_available() & MOAT_SCAN_MALWARE);
	CHECK_INT(moat_scanners_parse("", &bits, &bad, &bad_len), -EINVAL);
	CHECK_INT(moat_scanners_parse("misconfig", &bits, &bad, &bad_len), 0);
	CHECK_INT(bits, MOAT_SCAN_MISCONFIG);
	CHECK(moat_scanners_available() & MOAT_SCAN_MISCONFIG);
}

/* The misconfig image step on a bare config: root and no healthcheck, as
 * config findings with message, references and field; the image's own
 * strings are copied (the finding outlives nothing it borrowed). */
static void test_detect__misconfig_image(void)
{
	struct moat_limits limits;
	struct moat_detect_opts o = { 0 };
	struct moat_detect *d = NULL;
	struct moat_error err = { 0 };
	struct moat_image_meta meta = { .source = "docker-archive", .user = "0:0" };
	struct moat_detect_image img = { .meta = &meta };
	const struct moat_finding_list *l;

	moat_limits_default(&limits);
	o.scanners = MOAT_SCAN_MISCONFIG;
	o.limits = &limits;
	CHECK_INT(moat_detect_open(&o, &d, &err), 0);
	CHECK_INT(moat_detect_finish(d, &img, &err), 0);
	l = moat_detect_findings(d);
	CHECK_INT(l->count, 2);
	if (l->count == 2) {
		CHECK_STR(l->items[0]->kind, "misconfig");
		CHECK_STR(l->items[0]->id, "MOAT-IMG-001");
		CHECK_STR(l->items[0]->source, "config");
		CHECK_STR(l->items[0]->field, "User");
		CHECK_STR(l->items[0]->message, "User is 0:0");
		CHECK_STR(l->items[0]->owner, "unknown");
		CHECK(l->items[0]->path == NULL && l->items[0]->layer_index == -1);
		CHECK(l->items[0]->references && !strcmp(l->items[0]->references[0], "trivy:DS002") &&
		      !strcmp(l->items[0]->references[1], "cis-docker:4.1") &&
		      !l->items[0]->references[2]);
		CHECK_STR(l->items[1]->id, "MOAT-IMG-003");
	}
	moat_detect_close(d);
	/* a dir: target has no config to judge */
	meta.source = "dir";
	CHECK_INT(moat_detect_open(&o, &d, &err), 0);
	CHECK_INT(moat_detect_finish(d, &img, &err), 0);
	CHECK_INT(moat_detect_findings(d)->count, 0);
	moat_detect_close(d);
}

static void test_detect__rule_loader_errors(void)
{
	static const struct {
		const char *yaml;
		const char *msg;        /* part of the error, or NULL = loads */
	} rows[] = {
		{ "rules:\n  - id: a\n    keywords: [abc]\n    regex: 'abc(d)'\n", NULL },
		{ "rules:\n  - id: A\n    keywords: [abc]\n    regex: x\n", "rule id" },
		{ "rules:\n  - id: a\n    regex: x\n", "keywords" },
		{ "rules:\n  - id: a\n    keywords: [ab]\n    regex: x\n", "3 to" },
		{ "rules:\n  - id: a\n    keywords: [abc]\n    regex: '(x'\n", "bad regex" },
		{ "rules:\n  - id: a\n    keywords: [abc]\n    regex: x\n    group: 2\n", "group" },
		{ "rules:\n  - id: a\n    keywords: [abc]\n    regex: x\n    severity: bad\n",
		  "severity" },
		{ "rules:\n  - id: a\n    keywords: [abc]\n    regex: x\n    typo: 1\n", "unknown key" },
		{ "allow:\n  - description: nothing\n", "needs rules" },
		{ "other: 1\n", "unknown key" },
		{ "- a\n", "expected a mapping" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct secret_rules *rs = NULL;
		struct moat_error err = { 0 };
		int r;

		CHECK_INT(secret_rules_open(&rs, &err), 0);
		r = secret_rules_load(rs, (const uint8_t *)rows[i].yaml, strlen(rows[i].yaml), "t.yaml",
				      &err);
		if (!rows[i].msg) {
			CHECK_INT(r, 0);
		} else {
			CHECK(r < 0);
			if (!strstr(err.msg, rows[i].msg) || !strstr(err.msg, "t.yaml"))
				printf("# row %zu: %s\n", i, err.msg);
			CHECK(strstr(err.msg, rows[i].msg) != NULL);
		}
		secret_rules_close(rs);
	}
}

static void test_detect__builtin_rules(void)
{
	struct secret_rules *rs = NULL;
	struct moat_error err = { 0 };

	CHECK_INT(secret_rules_open(&rs, &err), 0);
	CHECK_INT(secret_rules_load_builtin(rs, &err), 0);
	CHECK_INT(secret_rules_compile(rs, &err), 0);
	/* The issue asks for at least 60 credential types. */
	CHECK(secret_rules_count(rs) >= 60);
	printf("# %zu builtin secret rules, prefilter %s\n", secret_rules_count(rs),
	       secret_rules_engine(rs));
	secret_rules_close(rs);
}

static void test_detect__secrets(void)
{
	static const struct row rows[] = {
		{ "app/.env", "AWS_ACCESS_KEY_ID=AKIAZ4Q7WERTYUIOPXQ2\n", "aws-access-key-id@1" },
		{ "app/.env", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n", "" },
		{ "app/x.py", "x = 1\ntoken = 'ghp_R8x2Lq9Zt4Wm7Kc1Vb5Nd3Hf6Jg0Ps2Ya8Qe'\n",
		  "github-pat@2" },
		{ "app/x.py", "api_token = 'Qm7Zr2Lp9Xw4Kd8Ns1Vb6Hj3Tc5'\n", "generic-secret@1" },
		{ "app/x.py", "password = 'changeme'\npassword = os.environ['PW']\n", "" },
		{ "srv/db.yaml", "url: postgres://app:Zq8!vR3kLp@db:5432/app\n",
		  "database-url-password@1" },
		{ "srv/db.yaml", "url: postgres://user:password@localhost/db\n", "" },
		{ "usr/share/doc/x/README", "token = 'ghp_R8x2Lq9Zt4Wm7Kc1Vb5Nd3Hf6Jg0Ps2Ya8Qe'\n", "" },
		{ "root/.docker/config.json", "{\"auths\":{\"r\":{\"auth\":\"dXNlcjpTM2NyM3Q=\"}}}",
		  "docker-config-auth@1" },
		{ "app/key.pem", "-----BEGIN RSA PRIVATE KEY-----\n", "" },
	};

	run_rows(MOAT_SCAN_SECRET, rows, sizeof(rows) / sizeof(rows[0]));
}

static void test_detect__passwords(void)
{
	static char shadow[512];
	static char passwd[512];
	static char h[128];
	static char strong[128];
	const struct row rows[] = {
		{ "etc/shadow", shadow, "password-weak@2,password-empty@3" },
		{ "etc/passwd", passwd, "password-empty@2" },
		{ "etc/redis/redis.conf", "# requirepass foobared\nrequirepass foobared\n",
		  "redis-weak-password@2" },
		{ "etc/redis/redis.conf", "requirepass Zq8!vR3kLp#2mW\nuser default on nopass ~*\n",
		  "redis-nopass-user@2" },
		{ "opt/tomcat/conf/tomcat-users.xml",
		  "<tomcat-users>\n<!-- <user username=\"a\" password=\"tomcat\"/> -->\n"
		  "<user username=\"tomcat\" password=\"s3cret\" roles=\"manager-gui\"/>\n"
		  "<user username=\"ops\" password=\"Zq8!vR3kLp#2mW\"/>\n</tomcat-users>\n",
		  "tomcat-weak-password@3" },
		{ "etc/mysql/my.cnf", "[mysqld]\nskip-grant-tables\n[client]\npassword=root\n"
		  "[mysqld]\npassword=ignored\n", "mysql-skip-grant-tables@2,mysql-weak-password@4" },
		{ "etc/postgresql/15/main/pg_hba.conf", "local all postgres peer\n"
		  "local all all trust\n# host all all 0.0.0.0/0 trust\n"
		  "host all all 0.0.0.0/0 trust\n", "postgres-trust-local@2,postgres-trust-host@4" },
		{ "etc/vsftpd.conf", "anonymous_enable=NO\nanonymous_enable=YES\n"
		  "anon_upload_enable=YES\n", "ftp-anonymous@2,ftp-anonymous-write@3" },
		{ "etc/proftpd/proftpd.conf", "<Anonymous ~ftp>\n</Anonymous>\n", "ftp-anonymous@1" },
		{ "etc/ssh/sshd_config", "#PermitRootLogin yes\nPermitRootLogin no\n"
		  "PermitRootLogin yes\nPermitEmptyPasswords yes\nMatch User x\n"
		  "PermitRootLogin yes\n", "sshd-permit-empty-passwords@4" },
		{ "etc/ssh/sshd_config.d/x.conf", "PermitRootLogin yes\n", "sshd-permit-root-login@1" },
	};

	/* crypt() returns one static buffer: copy each hash. */
	snprintf(h, sizeof(h), "%s", crypt("123456", "$6$saltsalt$"));
	snprintf(strong, sizeof(strong), "%s", crypt("Zq8!vR3kLp#2mW", "$6$saltsalt$"));
	CHECK(!strncmp(h, "$6$", 3) && !strncmp(strong, "$6$", 3) && strcmp(h, strong));
	snprintf(shadow, sizeof(shadow), "root:*:19000::::::\nbob:%s:1::::::\nnopw::1::::::\n"
		 "ok:%s:1::::::\nlocked:!%s:1::::::\n", h, strong, h);
	snprintf(passwd, sizeof(passwd), "root:x:0:0::/root:/bin/sh\nold::1:1::/:/bin/sh\n");
	run_rows(MOAT_SCAN_PASSWORD, rows, sizeof(rows) / sizeof(rows[0]));
}

int main(void)
{
	MOAT_RUN(test_detect__mask);
	MOAT_RUN(test_detect__scanners_option);
	MOAT_RUN(test_detect__misconfig_image);
	MOAT_RUN(test_detect__rule_loader_errors);
	MOAT_RUN(test_detect__builtin_rules);
	MOAT_RUN(test_detect__secrets);
	MOAT_RUN(test_detect__passwords);
	return moat_test_done();
}
