/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console_test.c - the console's pure parts: roles, password hashes,
 * secrets, the login rate limiter, RFC 3339 times and ?since=, event and
 * scan-head parsing, and the schema migrating an empty SQLite database
 * (then again, as a no-op).
 */
#include <stdlib.h>
#include <unistd.h>

#include "console/auth.h"
#include "console/console-int.h"
#include "console/db.h"
#include "harness.h"
#include "moat/error.h"

static void test_console__roles(void)
{
	CHECK_INT(console_role_parse("admin"), CONSOLE_ROLE_ADMIN);
	CHECK_INT(console_role_parse("defender"), CONSOLE_ROLE_DEFENDER);
	CHECK_INT(console_role_parse("root"), 0);
	CHECK_INT(console_role_parse(NULL), 0);
	CHECK_STR(console_role_name(CONSOLE_ROLE_AUDITOR), "auditor");
	CHECK_STR(console_role_name(CONSOLE_ROLE_ADMIN | CONSOLE_ROLE_CI), "");
}

static void test_console__password(void)
{
	struct moat_error err = { 0 };
	char h1[CONSOLE_HASH_MAX], h2[CONSOLE_HASH_MAX];

	CHECK_INT(console_password_hash("correct horse", h1, &err), 0);
	CHECK_INT(console_password_hash("correct horse", h2, &err), 0);
	CHECK(!strncmp(h1, "$y$", 3));
	CHECK(strcmp(h1, h2) != 0); /* fresh salt each time */
	CHECK(console_password_check("correct horse", h1));
	CHECK(!console_password_check("correct hors", h1));
	CHECK(!console_password_check("correct horse", ""));
	CHECK(!console_password_check("x", "*0"));
}

static void test_console__secrets(void)
{
	char a[65], b[65];

	CHECK_INT(console_random_hex(a, 32), 0);
	CHECK_INT(console_random_hex(b, 32), 0);
	CHECK_INT(strlen(a), 64);
	CHECK(strcmp(a, b) != 0);
	CHECK(console_str_eq("abc", "abc"));
	CHECK(!console_str_eq("abc", "abd"));
	CHECK(!console_str_eq("abc", "abcd"));
	CHECK(console_name_valid("ci-bot_1@team.example"));
	CHECK(!console_name_valid(""));
	CHECK(!console_name_valid("a b"));
	CHECK(!console_name_valid("x'; DROP TABLE users;--"));
}

static void test_console__rate_limit(void)
{
	static struct console_rl rl;
	int64_t t = 1000000000000LL;

	console_rl_init(&rl);
	for (int i = 0; i < CONSOLE_RL_FAILURES - 1; i++)
		console_rl_fail(&rl, "1.2.3.4|bob", t + i);
	CHECK_INT(console_rl_wait(&rl, "1.2.3.4|bob", t + 10), 0);
	console_rl_fail(&rl, "1.2.3.4|bob", t + 10);
	CHECK(console_rl_wait(&rl, "1.2.3.4|bob", t + 20) > 0);
	CHECK(console_rl_wait(&rl, "1.2.3.4|bob", t + 20) <= 61);
	CHECK_INT(console_rl_wait(&rl, "1.2.3.4|alice", t + 20), 0);
	CHECK_INT(console_rl_wait(&rl, "1.2.3.4|bob", t + CONSOLE_RL_WINDOW_US + 1), 0);
	console_rl_clear(&rl, "1.2.3.4|bob");
	CHECK_INT(console_rl_wait(&rl, "1.2.3.4|bob", t + 30), 0);
	/* more keys than slots: the limiter keeps working on the newest */
	for (int i = 0; i < CONSOLE_RL_SLOTS + 10; i++) {
		char key[32];

		snprintf(key, sizeof(key), "k%d", i);
		console_rl_fail(&rl, key, t + i);
	}
	for (int i = 0; i < CONSOLE_RL_FAILURES; i++)
		console_rl_fail(&rl, "last", t + 1000 + i);
	CHECK(console_rl_wait(&rl, "last", t + 2000) > 0);
	console_rl_release(&rl);
}

static void test_console__times(void)
{
	static const struct {
		const char *in;
		int64_t us;
	} ok[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-11-23T20:08:59.568640Z", 1795464539568640LL },
		{ "2026-11-23T21:08:59.5686401+01:00", 1795464539568640LL },
		{ "2026-11-23t20:08:59z", 1795464539000000LL },
	};
	static const char *const bad[] = { "", "2026-11-23", "2026-13-01T00:00:00Z",
					   "2026-11-23T20:08:59", "2026-11-23T20:08:59Zjunk",
					   "2026-11-23T20:08:59.Z", "yesterday" };
	char out[MOAT_TIME_MAX];
	int64_t us;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		us = -1;
		CHECK_INT(moat_time_parse(ok[i].in, &us), 0);
		CHECK_INT(us, ok[i].us);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(moat_time_parse(bad[i], &us), MOAT_E_FORMAT);
	moat_time_format(1795464539568640LL, out);
	CHECK_STR(out, "2026-11-23T20:08:59.568640Z");
	CHECK_INT(console_since_parse("15m", 10000000000LL, &us), 0);
	CHECK_INT(us, 10000000000LL - 900000000LL);
	CHECK_INT(console_since_parse("7d", 1000000000000000LL, &us), 0);
	CHECK_INT(us, 1000000000000000LL - 7LL * 86400 * 1000000);
	CHECK_INT(console_since_parse("1970-01-01T00:00:01Z", 0, &us), 0);
	CHECK_INT(us, 1000000);
	CHECK_INT(console_since_parse("15", 0, &us), MOAT_E_FORMAT);
	CHECK_INT(console_since_parse("-5m", 0, &us), MOAT_E_FORMAT);
	CHECK_INT(console_since_parse("99999999999d", 0, &us), MOAT_E_FORMAT);
	/* join-token lifetimes */
	CHECK_INT(moat_console_duration_parse("24h", &us), 0);
	CHECK_INT(us, 24LL * 3600 * 1000000);
	CHECK_INT(moat_console_duration_parse("90s", &us), 0);
	CHECK_INT(us, 90000000LL);
	CHECK_INT(moat_console_duration_parse("1970-01-01T00:00:01Z", &us), MOAT_E_FORMAT);
	CHECK_INT(moat_console_duration_parse("5w", &us), MOAT_E_FORMAT);
	CHECK_INT(moat_console_duration_parse("", &us), MOAT_E_FORMAT);
	CHECK_STR(console_role_name(CONSOLE_ROLE_NODE), "enrolled-defender");
	CHECK_INT(console_role_parse("enrolled-defender"), 0);
}

static void test_console__event_parse(void)
{
	struct moat_error err = { 0 };
	struct console_event e;
	json_t *ev = json_loads("{\"event_id\":\"d1-42\",\"time\":\"2026-11-23T20:08:59Z\","
				"\"rule\":\"network-outside-baseline\",\"severity\":\"warning\","
				"\"container\":{\"id\":\"3dda\",\"name\":\"web\",\"image\":\"shop/web:1\","
				"\"image_id\":\"sha256:050f\"},\"details\":{\"evt.kind\":\"connect\","
				"\"net.daddr\":\"172.18.0.4\",\"net.dport\":\"8080\",\"net.proto\":\"tcp\","
				"\"dst.node\":\"image:sha256:9570\"}}", 0, NULL);

	CHECK_INT(console_event_parse(ev, 5, &e, &err), 0);
	CHECK_STR(e.kind, "network");
	CHECK_STR(e.edge_src, "image:sha256:050f");
	CHECK_STR(e.edge_dst, "image:sha256:9570");
	CHECK_INT(e.edge_port, 8080);
	CHECK_STR(e.container_id, "3dda");
	CHECK_INT(e.ts, 1795464539000000LL);
	json_decref(ev);
	ev = json_loads("{\"event_id\":\"x\",\"rule\":\"read-shadow\",\"container\":null,"
			"\"details\":{\"fd.name\":\"/etc/shadow\"}}", 0, NULL);
	CHECK_INT(console_event_parse(ev, 5, &e, &err), 0);
	CHECK_STR(e.kind, "runtime");
	CHECK_INT(e.ts, 5);
	CHECK(!e.container);
	json_decref(ev);
	static const char *const bad[] = {
		"[]", "{}", "{\"event_id\":\"\"}", "{\"event_id\":\"a b\"}", "{\"event_id\":7}",
		"{\"event_id\":\"a\",\"time\":\"noon\"}", "{\"event_id\":\"a\",\"container\":[]}",
		"{\"event_id\":\"a\",\"details\":\"x\"}", "{\"event_id\":\"a\",\"rule\":{}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ev = json_loads(bad[i], JSON_DECODE_ANY, NULL);
		CHECK(ev != NULL);
		CHECK_INT(console_event_parse(ev, 5, &e, &err), MOAT_E_FORMAT);
		json_decref(ev);
	}
}

static void test_console__scan_head(void)
{
	struct moat_error err = { 0 };
	struct console_scan_head h;
	json_t *doc = json_loads("{\"schema\":\"moat.scan/v1\",\"target\":{\"ref\":\"a:1\","
				 "\"digest\":\"sha256:0000000000000000000000000000000000000000000000"
				 "000000000000000001\",\"os\":{\"id\":\"debian\",\"version_id\":\"12\"}},"
				 "\"vulnerabilities\":{\"base_image\":{\"layers\":1}}}", 0, NULL);

	CHECK_INT(console_scan_head(doc, &h, &err), 0);
	CHECK_STR(h.ref, "a:1");
	CHECK_STR(h.os, "debian 12");
	CHECK_INT(h.base_layers, 1);
	CHECK_STR(console_layer_owner(0, h.base_layers), "base");
	CHECK_STR(console_layer_owner(1, h.base_layers), "app");
	CHECK_STR(console_layer_owner(1, -1), "unknown");
	json_object_set_new(json_object_get(doc, "target"), "digest", json_null());
	CHECK_INT(console_scan_head(doc, &h, &err), MOAT_E_FORMAT);
	json_object_set_new(doc, "schema", json_string("moat.alert/v1"));
	CHECK_INT(console_scan_head(doc, &h, &err), MOAT_E_FORMAT);
	json_decref(doc);
}

static void test_console__routes(void)
{
	static const struct {
		const char *pattern, *path;
		bool match;
		const char *param;
	} rows[] = {
		{ "/images", "/images", true, "" },
		{ "/images", "/images/", false, NULL },
		{ "/images/{digest}", "/images/sha256:ab", true, "sha256:ab" },
		{ "/images/{digest}", "/images/", false, NULL },
		{ "/images/{digest}", "/images/a/b", false, NULL },
		{ "/images/{digest}", "/imagesX", false, NULL },
		{ "/events/{id}/ack", "/events/ev-1/ack", true, "ev-1" },
		{ "/events/{id}/ack", "/events//ack", false, NULL },
		{ "/events/{id}/ack", "/events/ev-1", false, NULL },
		{ "/events/{id}/ack", "/events/a/b/ack", false, NULL },
		{ "/events/{id}/ack", "/events/ack", false, NULL },
	};
	char param[CONSOLE_PARAM_MAX], longpath[CONSOLE_PARAM_MAX + 16];

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CHECK_INT(console_path_match(rows[i].pattern, rows[i].path, param), rows[i].match);
		if (rows[i].match)
			CHECK_STR(param, rows[i].param);
	}
	memcpy(longpath, "/images/", 8);
	memset(longpath + 8, 'a', sizeof(longpath) - 9);
	longpath[sizeof(longpath) - 1] = '\0';
	CHECK(!console_path_match("/images/{digest}", longpath, param));
}

static void test_console__migrate(void)
{
	char dir[] = "/tmp/moat-console-test.XXXXXX";
	char path[64];
	struct moat_error err = { 0 };
	struct moat_db *db = NULL;
	int version = 0;
	int64_t n = -1;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/moat.db", dir);
	CHECK_INT(moat_db_open_sqlite(path, &db, &err), 0);
	CHECK_INT(moat_db_migrate(db, &version, &err), 0);
	CHECK(version >= 1);
	CHECK_INT(moat_db_migrate(db, &version, &err), 0);
	struct moat_db_val p[] = { moat_db_text("e1"), moat_db_int(1), moat_db_int(1),
				   moat_db_text("runtime"), moat_db_text("{}") };
	const char *sql = "INSERT INTO events (event_id, ts, received, kind, doc) VALUES "
			  "(?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING";
	CHECK_INT(moat_db_exec(db, sql, p, 5, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK_INT(moat_db_exec(db, sql, p, 5, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK_INT(moat_db_int_query(db, "SELECT COUNT(*) FROM events", NULL, 0, -1, &n, &err), 0);
	CHECK_INT(n, 1);
	CHECK(moat_db_exec(db, "SELECT nonsense FROM nowhere", NULL, 0, NULL, &err) < 0);
	CHECK(strstr(err.msg, "nowhere") != NULL);
	moat_db_close(db);
	unlink(path);
	snprintf(path, sizeof(path), "%s/moat.db-wal", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/moat.db-shm", dir);
	unlink(path);
	rmdir(dir);
}

/* The PostgreSQL backend without a server: which URLs it takes, and errors
 * that name the server but never the password (the SQL itself runs in the
 * console_api_pg integration test, on a real server). */
static void test_console__pg_open(void)
{
	struct moat_error err = { 0 };
	struct moat_db *db = NULL;

	CHECK(moat_db_is_pg_url("postgres://u@h/d"));
	CHECK(moat_db_is_pg_url("postgresql://u@h:5/d?sslmode=require"));
	CHECK(!moat_db_is_pg_url("mysql://u@h/d"));
	CHECK(!moat_db_is_pg_url("/var/lib/moat/moat.db"));
	CHECK(!moat_db_is_pg_url(NULL));
	CHECK_INT(moat_db_open_pg("mysql://u:hunter2@h/d", &db, &err), MOAT_E_USAGE);
	CHECK(strstr(err.msg, "hunter2") == NULL);
	CHECK_INT(moat_db_open_pg("postgresql://u:hunter2@h/d?nosuchoption=1", &db, &err),
		  MOAT_E_USAGE);
	CHECK(strstr(err.msg, "hunter2") == NULL);
	/* nothing listens on port 1: refused at once */
	CHECK(moat_db_open_pg("postgresql://moat:hunter2@127.0.0.1:1/consoledb", &db, &err) < 0);
	CHECK(strstr(err.msg, "moat@127.0.0.1:1/consoledb") != NULL);
	CHECK(strstr(err.msg, "hunter2") == NULL);
	CHECK(db == NULL);
}

int main(void)
{
	MOAT_RUN(test_console__roles);
	MOAT_RUN(test_console__password);
	MOAT_RUN(test_console__secrets);
	MOAT_RUN(test_console__rate_limit);
	MOAT_RUN(test_console__times);
	MOAT_RUN(test_console__event_parse);
	MOAT_RUN(test_console__scan_head);
	MOAT_RUN(test_console__routes);
	MOAT_RUN(test_console__migrate);
	MOAT_RUN(test_console__pg_open);
	return moat_test_done();
}
