/* SPDX-License-Identifier: Apache-2.0 */
/* baseline_test.c - learned behaviour models: items, prefix compression,
 * merge, JSON round trip, bad documents refused with their place, the
 * seccomp profile, and the models in a state directory. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/json.h"
#include "defend/baseline-seccomp.h"
#include "defend/baseline.h"
#include "harness.h"
#include "moat/error.h"

#define ID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static void test_baseline__items(void)
{
	struct moat_bl_model m;
	struct moat_error err = { 0 };

	moat_bl_model_init(&m);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_EXEC, "/usr/bin/python3", &err), 1);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_EXEC, "/usr/bin/python3", &err), 0);
	CHECK(moat_bl_has(&m, MOAT_BL_EXEC, "/usr/bin/python3"));
	CHECK(!moat_bl_has(&m, MOAT_BL_EXEC, "/usr/bin/python"));
	CHECK_INT(moat_bl_add(&m, MOAT_BL_EXEC, "python3", &err), MOAT_E_USAGE);
	CHECK(strstr(err.msg, "python3") != NULL);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_PAIR, "/bin/sh -> /bin/ls", &err), 1);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_PAIR, "(runtime) -> /bin/sh", &err), 1);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_PAIR, "/bin/sh ->", &err), MOAT_E_USAGE);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_LISTEN, "8080", &err), 1);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_LISTEN, "0", &err), MOAT_E_USAGE);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_LISTEN, "65536", &err), MOAT_E_USAGE);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_LISTEN, "08", &err), MOAT_E_USAGE);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_SYSCALL, "openat", &err), 1);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_SYSCALL, "no_such_call", &err), MOAT_E_USAGE);
	CHECK(moat_bl_has(&m, MOAT_BL_SYSCALL, "openat"));
	CHECK(!moat_bl_has(&m, MOAT_BL_SYSCALL, "ptrace"));
	CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, "/data/*/x", &err), MOAT_E_USAGE);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, "/*", &err), MOAT_E_USAGE);
	CHECK_INT((int)moat_bl_count(&m, MOAT_BL_SYSCALL), 1);
	CHECK_INT(moat_bl_kind_parse("file-write"), MOAT_BL_FILE);
	CHECK_INT(moat_bl_kind_parse("files"), -1);
	moat_bl_model_release(&m);
}

/* Past `collapse` siblings a directory becomes DIR/<star>, which covers
 * everything below it; other directories are untouched. */
static void test_baseline__prefix_compression(void)
{
	struct moat_bl_model m;
	char path[64];
	size_t n = 0;
	const char **items;

	moat_bl_model_init(&m);
	m.collapse = 3;
	CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, "/var/log/app.log", NULL), 1);
	CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, "/tmp/sub/deep", NULL), 1);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/tmp/tmp%d", i);
		CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, path, NULL), 1);
	}
	/* three entries directly in /tmp (/tmp/sub/deep sits in /tmp/sub): not yet */
	CHECK(!moat_bl_has(&m, MOAT_BL_FILE, "/tmp/other"));
	CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, "/tmp/tmp3", NULL), 1);
	CHECK(moat_bl_has(&m, MOAT_BL_FILE, "/tmp/other"));
	CHECK(moat_bl_has(&m, MOAT_BL_FILE, "/tmp/sub/deep/er"));
	CHECK(!moat_bl_has(&m, MOAT_BL_FILE, "/tmpx"));
	CHECK(moat_bl_has(&m, MOAT_BL_FILE, "/tmp/y"));      /* one-letter names too */
	CHECK(!moat_bl_has(&m, MOAT_BL_FILE, "/var/log/other.log"));
	CHECK(moat_bl_has(&m, MOAT_BL_FILE, "/var/log/app.log"));
	CHECK_INT(moat_bl_add(&m, MOAT_BL_FILE, "/tmp/tmp9", NULL), 0);
	items = moat_bl_items(&m, MOAT_BL_FILE, &n);
	/* /tmp/sub/deep is under /tmp now: gone */
	CHECK_INT((int)n, 2);
	if (items && n == 2) {
		CHECK_STR(items[0], "/tmp/*");
		CHECK_STR(items[1], "/var/log/app.log");
	}
	free(items);
	moat_bl_model_release(&m);
}

static void test_baseline__merge_and_json(void)
{
	struct moat_bl_model a, b, c;
	struct moat_error err = { 0 };
	struct moat_buf out, again;

	moat_bl_model_init(&a);
	moat_bl_model_init(&b);
	moat_bl_model_init(&c);
	moat_buf_init(&out, 0);
	moat_buf_init(&again, 0);
	moat_bl_add(&a, MOAT_BL_EXEC, "/bin/sh", NULL);
	moat_bl_add(&a, MOAT_BL_SYSCALL, "read", NULL);
	a.learn_events = 5;
	a.learn_start = 200;
	moat_bl_add(&b, MOAT_BL_EXEC, "/bin/sh", NULL);
	moat_bl_add(&b, MOAT_BL_EXEC, "/bin/ls", NULL);
	moat_bl_add(&b, MOAT_BL_PAIR, "/bin/sh -> /bin/ls", NULL);
	moat_bl_add(&b, MOAT_BL_FILE, "/tmp/x", NULL);
	moat_bl_add(&b, MOAT_BL_LISTEN, "443", NULL);
	moat_bl_add(&b, MOAT_BL_SYSCALL, "write", NULL);
	b.learn_events = 7;
	b.learn_start = 100;
	CHECK_INT(moat_bl_merge(&a, &b), 5);
	CHECK_INT(moat_bl_merge(&a, &b), 0);
	CHECK_INT((int)a.learn_events, 19);
	CHECK_INT((int)a.learn_start, 100);
	CHECK_INT(moat_bl_save(&a, "sha256:" ID_A, "alert", &out, &err), 0);
	CHECK(strstr((char *)out.data, "\"schema\": \"moat.baseline/v1\"") != NULL);
	CHECK(strstr((char *)out.data, "\"parent\": \"/bin/sh\"") != NULL);
	CHECK_INT(moat_bl_load(&c, out.data, out.len, "t.json", &err), 0);
	CHECK(moat_bl_has(&c, MOAT_BL_PAIR, "/bin/sh -> /bin/ls"));
	CHECK(moat_bl_has(&c, MOAT_BL_LISTEN, "443"));
	CHECK(moat_bl_has(&c, MOAT_BL_SYSCALL, "write"));
	CHECK_INT(moat_bl_save(&c, "sha256:" ID_A, "alert", &again, &err), 0);
	CHECK_INT((int)again.len, (int)out.len);
	CHECK(out.len == again.len && !memcmp(out.data, again.data, out.len));
	moat_buf_release(&out);
	moat_buf_release(&again);
	moat_bl_model_release(&a);
	moat_bl_model_release(&b);
	moat_bl_model_release(&c);
}

/* load(doc) must fail with code, its message naming want. */
static void refused(const char *doc, int code, const char *want)
{
	struct moat_bl_model m;
	struct moat_error err = { 0 };

	moat_bl_model_init(&m);
	CHECK_INT(moat_bl_load(&m, doc, strlen(doc), "bad.json", &err), code);
	CHECK(strstr(err.msg, "bad.json") != NULL);
	if (!strstr(err.msg, want))
		fprintf(stderr, "# message '%s' lacks '%s'\n", err.msg, want);
	CHECK(strstr(err.msg, want) != NULL);
	moat_bl_model_release(&m);
}

static void test_baseline__bad_json(void)
{
	refused("{\"schema\": \"moat.baseline/v1\",\n \"exec\": [\"/a\",]}", MOAT_E_FORMAT,
		"line 2");
	refused("[]", MOAT_E_FORMAT, "not a JSON object");
	refused("{\"schema\": \"moat.baseline/v2\"}", MOAT_E_FORMAT, "schema");
	refused("{\"schema\": \"moat.baseline/v1\", \"exe\": []}", MOAT_E_FORMAT, "\"exe\"");
	refused("{\"schema\": \"moat.baseline/v1\", \"exec\": [\"/a\", \"b\"]}", MOAT_E_FORMAT,
		"exec[1]");
	refused("{\"schema\": \"moat.baseline/v1\", \"exec\": \"/a\"}", MOAT_E_FORMAT,
		"not an array");
	refused("{\"schema\": \"moat.baseline/v1\", \"listen\": [80, \"x\"]}", MOAT_E_FORMAT,
		"listen[1]");
	refused("{\"schema\": \"moat.baseline/v1\", \"syscalls\": [\"read\", \"nope\"]}",
		MOAT_E_FORMAT, "syscalls[1]");
	refused("{\"schema\": \"moat.baseline/v1\", \"exec_pairs\": [{\"parent\": \"/a\"}]}",
		MOAT_E_FORMAT, "exec_pairs[0]");
	refused("{\"schema\": \"moat.baseline/v1\", \"arch\": \"s390x\"}", MOAT_E_FORMAT, "arch");
	refused("{\"schema\": \"moat.baseline/v1\", \"learning\": {\"events\": -1}}",
		MOAT_E_FORMAT, "learning");
	refused("{\"schema\": \"moat.baseline/v1\", \"collapse\": 0}", MOAT_E_FORMAT, "collapse");
}

static void test_baseline__seccomp(void)
{
	struct moat_bl_model m;
	struct moat_error err = { 0 };
	struct moat_buf out;
	json_t *doc = NULL;

	moat_bl_model_init(&m);
	moat_buf_init(&out, 0);
	moat_bl_add(&m, MOAT_BL_SYSCALL, "read", NULL);
	moat_bl_add(&m, MOAT_BL_SYSCALL, "write", NULL);
	CHECK_INT(moat_bl_seccomp(&m, false, &out, &err), 0);
	CHECK_INT(moat_json_parse(out.data, out.len, 1u << 20, "profile", &doc, &err), 0);
	if (doc) {
		json_t *names = json_object_get(json_array_get(json_object_get(doc, "syscalls"), 0),
						"names");

		CHECK_STR(moat_json_str(doc, "defaultAction"), "SCMP_ACT_ERRNO");
		CHECK_INT((int)json_array_size(names), 2);
		CHECK_INT((int)json_array_size(json_object_get(doc, "architectures")), 3);
		json_decref(doc);
	}
	moat_buf_reset(&out);
	CHECK_INT(moat_bl_seccomp(&m, true, &out, &err), 0);
	CHECK(strstr((char *)out.data, "\"execve\"") != NULL);
	/* read and write are in both sets: listed once */
	CHECK(strstr(strstr((char *)out.data, "\"write\"") + 1, "\"write\"") == NULL);
	moat_buf_release(&out);
	moat_bl_model_release(&m);
}

/* ia32 calls (int 0x80) are bits of their own, named "ia32:NAME": number
 * 20 is getpid there and writev natively, so a learned writev does not
 * hide it; the seccomp profile lists it by its plain name. */
static void test_baseline__ia32(void)
{
	struct moat_bl_model m;
	struct moat_error err = { 0 };
	struct moat_buf out;

	CHECK_INT(moat_bl_syscall_number("ia32:getpid"), MOAT_BL_SYSCALL_IA32 + 20);
	CHECK_STR(moat_bl_syscall_name(MOAT_BL_SYSCALL_IA32 + 20), "ia32:getpid");
	CHECK_STR(moat_bl_syscall_name(20), "writev");
	CHECK_INT(moat_bl_syscall_number("ia32:nosuchcall"), -1);
	CHECK_INT(moat_bl_syscall_number("socketcall"), -1);        /* not native */
	CHECK(moat_bl_syscall_number("ia32:socketcall") >= (int)MOAT_BL_SYSCALL_IA32);
	moat_bl_model_init(&m);
	moat_buf_init(&out, 0);
	moat_bl_add(&m, MOAT_BL_SYSCALL, "writev", NULL);
	CHECK(!moat_bl_has(&m, MOAT_BL_SYSCALL, "ia32:getpid"));
	moat_bl_add(&m, MOAT_BL_SYSCALL, "ia32:socketcall", NULL);
	CHECK(moat_bl_has(&m, MOAT_BL_SYSCALL, "ia32:socketcall"));
	CHECK_INT(moat_bl_seccomp(&m, false, &out, &err), 0);
	CHECK(strstr((char *)out.data, "\"socketcall\"") != NULL);
	CHECK(strstr((char *)out.data, "ia32:") == NULL);
	moat_buf_release(&out);
	moat_bl_model_release(&m);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_baseline__state_files(void)
{
	char root[64];
	struct moat_state *st = NULL;
	struct moat_error err = { 0 };
	struct moat_bl_model m, back;
	char key[MOAT_STATE_KEY_LEN + 1];
	char key2[MOAT_STATE_KEY_LEN + 1];

	snprintf(root, sizeof(root), "/tmp/moat-bl-test.%ld", (long)getpid());
	CHECK_INT(moat_state_open(root, true, &st, &err), 0);
	if (!st)
		return;
	moat_bl_model_init(&m);
	moat_bl_model_init(&back);
	CHECK_INT(moat_state_note_image(st, ID_A, "web:1", &err), 0);
	CHECK_INT(moat_bl_read(st, ID_A, &back, &err), 0);     /* absent: empty */
	CHECK_INT((int)moat_bl_count(&back, MOAT_BL_EXEC), 0);
	moat_bl_add(&m, MOAT_BL_EXEC, "/bin/sh", NULL);
	CHECK_INT(moat_bl_write(st, ID_A, &m, &err), 0);
	CHECK_INT(moat_bl_read(st, ID_A, &back, &err), 0);
	CHECK(moat_bl_has(&back, MOAT_BL_EXEC, "/bin/sh"));
	CHECK_INT(moat_state_write(st, ID_A, MOAT_BL_FILE_NAME, "{", 1, &err), 0);
	moat_bl_model_clear(&back);
	CHECK_INT(moat_bl_read(st, ID_A, &back, &err), MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "images/" ID_A "/baseline.json") != NULL);
	/* keys: the id, or per repository across tags */
	CHECK_INT(moat_baselines_key("sha256:" ID_A, "web:1", false, key, &err), 0);
	CHECK_STR(key, ID_A);
	CHECK_INT(moat_baselines_key("sha256:" ID_A, "reg:5000/web:1", true, key, &err), 0);
	CHECK_INT(moat_baselines_key("sha256:" ID_A, "reg:5000/web:2", true, key2, &err), 0);
	CHECK_STR(key, key2);
	CHECK(strcmp(key, ID_A) != 0);
	CHECK_INT(moat_baselines_key("sha256:" ID_A, "reg:5000/api:1", true, key2, &err), 0);
	CHECK(strcmp(key, key2) != 0);
	moat_bl_model_release(&m);
	moat_bl_model_release(&back);
	moat_state_close(st);
	CHECK_INT(nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

int main(void)
{
	MOAT_RUN(test_baseline__items);
	MOAT_RUN(test_baseline__prefix_compression);
	MOAT_RUN(test_baseline__merge_and_json);
	MOAT_RUN(test_baseline__bad_json);
	MOAT_RUN(test_baseline__seccomp);
	MOAT_RUN(test_baseline__ia32);
	MOAT_RUN(test_baseline__state_files);
	return moat_test_done();
}
