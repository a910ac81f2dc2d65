/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cis-parse.c - the parsers of the CIS Docker checks: daemon.json, dockerd's
 * command line (read as Go's pflag reads it: --flag=value, --flag value,
 * boolean flags without a value, repeated list flags), systemd unit files
 * (sections, continuation lines, ExecStart resets) and audit rules. All take
 * untrusted bytes with bounds; fuzz/fuzz-cis-parse.c runs them.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/json.h"
#include "cis-docker.h"
#include "moat/error.h"

int moat_cis_parse_daemon_json(const char *data, size_t len, const char *origin,
			       json_t **ret_obj, struct moat_error *err)
{
	json_t *obj = NULL;
	int r;

	if (len > MOAT_CIS_FILE_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: larger than %u bytes", origin,
				      MOAT_CIS_FILE_MAX);
	r = moat_json_parse(data, len, MOAT_CIS_FILE_MAX, origin, &obj, err);
	if (r < 0)
		return r;
	if (!json_is_object(obj)) {
		json_decref(obj);
		return moat_error_set(err, MOAT_E_FORMAT, "%s: not a JSON object", origin);
	}
	*ret_obj = obj;
	return 0;
}

enum flag_kind { F_BOOL, F_VALUE, F_LIST, F_MAP };

/* dockerd flags whose kind matters (see `dockerd --help`); the key is the
 * daemon.json name. Unknown flags: a value when one is attached or follows. */
static const struct {
	const char *flag;
	char shorthand;
	enum flag_kind kind;
	const char *key;
} flags[] = {
	{"add-runtime", 0, F_LIST, "runtimes"},
	{"authorization-plugin", 0, F_LIST, "authorization-plugins"},
	{"bridge", 'b', F_VALUE, "bridge"},
	{"cgroup-parent", 0, F_VALUE, "cgroup-parent"},
	{"config-file", 0, F_VALUE, "config-file"},
	{"data-root", 0, F_VALUE, "data-root"},
	{"debug", 'D', F_BOOL, "debug"},
	{"default-ulimit", 0, F_MAP, "default-ulimits"},
	{"dns", 0, F_LIST, "dns"},
	{"exec-opt", 0, F_LIST, "exec-opts"},
	{"experimental", 0, F_BOOL, "experimental"},
	{"graph", 'g', F_VALUE, "data-root"},
	{"group", 'G', F_VALUE, "group"},
	{"host", 'H', F_LIST, "hosts"},
	{"icc", 0, F_BOOL, "icc"},
	{"init", 0, F_BOOL, "init"},
	{"insecure-registry", 0, F_LIST, "insecure-registries"},
	{"ip-forward", 0, F_BOOL, "ip-forward"},
	{"ip-masq", 0, F_BOOL, "ip-masq"},
	{"ip6tables", 0, F_BOOL, "ip6tables"},
	{"ipv6", 0, F_BOOL, "ipv6"},
	{"iptables", 0, F_BOOL, "iptables"},
	{"label", 0, F_LIST, "labels"},
	{"live-restore", 0, F_BOOL, "live-restore"},
	{"log-driver", 0, F_VALUE, "log-driver"},
	{"log-level", 'l', F_VALUE, "log-level"},
	{"log-opt", 0, F_MAP, "log-opts"},
	{"no-new-privileges", 0, F_BOOL, "no-new-privileges"},
	{"pidfile", 'p', F_VALUE, "pidfile"},
	{"raw-logs", 0, F_BOOL, "raw-logs"},
	{"registry-mirror", 0, F_LIST, "registry-mirrors"},
	{"rootless", 0, F_BOOL, "rootless"},
	{"seccomp-profile", 0, F_VALUE, "seccomp-profile"},
	{"selinux-enabled", 0, F_BOOL, "selinux-enabled"},
	{"storage-driver", 's', F_VALUE, "storage-driver"},
	{"storage-opt", 0, F_LIST, "storage-opts"},
	{"tls", 0, F_BOOL, "tls"},
	{"tlscacert", 0, F_VALUE, "tlscacert"},
	{"tlscert", 0, F_VALUE, "tlscert"},
	{"tlskey", 0, F_VALUE, "tlskey"},
	{"tlsverify", 0, F_BOOL, "tlsverify"},
	{"userland-proxy", 0, F_BOOL, "userland-proxy"},
	{"userns-remap", 0, F_VALUE, "userns-remap"},
	{"validate", 0, F_BOOL, "validate"},
	{"version", 'v', F_BOOL, "version"},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int find_flag(const char *name, size_t len, char shorthand)
{
	for (size_t i = 0; i < N(flags); i++) {
		if (shorthand ? flags[i].shorthand == shorthand
			      : strlen(flags[i].flag) == len && !memcmp(flags[i].flag, name, len))
			return (int)i;
	}
	return -1;
}

/* pflag's boolean words (strconv.ParseBool). */
static int parse_bool(const char *v)
{
	static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True"};
	static const char *const f[] = {"0", "f", "F", "false", "FALSE", "False"};

	for (size_t i = 0; i < N(t); i++) {
		if (!strcmp(v, t[i]))
			return 1;
		if (!strcmp(v, f[i]))
			return 0;
	}
	return -1;
}

/* Store one flag's value under key by kind. */
static int put(json_t *obj, const char *key, enum flag_kind kind, const char *value)
{
	json_t *cur = json_object_get(obj, key);
	const char *eq;
	int b;

	switch (kind) {
	case F_BOOL:
		b = value ? parse_bool(value) : 1;
		return json_object_set_new(obj, key, b < 0 ? json_string(value) : json_boolean(b));
	case F_VALUE:
		return json_object_set_new(obj, key, json_string(value ? value : ""));
	case F_LIST:
		if (!json_is_array(cur)) {
			cur = json_array();
			if (json_object_set_new(obj, key, cur) < 0)
				return -1;
		}
		return json_array_append_new(cur, json_string(value ? value : ""));
	case F_MAP:
		if (!json_is_object(cur)) {
			cur = json_object();
			if (json_object_set_new(obj, key, cur) < 0)
				return -1;
		}
		value = value ? value : "";
		eq = strchr(value, '=');
		if (!eq)
			return json_object_set_new(cur, value, json_string(""));
		{
			char name[256];
			size_t n = (size_t)(eq - value) < sizeof(name) ? (size_t)(eq - value)
								       : sizeof(name) - 1;

			memcpy(name, value, n);
			name[n] = 0;
			return json_object_set_new(cur, name, json_string(eq + 1));
		}
	}
	return -1;
}

int moat_cis_parse_daemon_args(const char *const *argv, size_t argc, json_t **ret_obj,
			       struct moat_error *err)
{
	json_t *obj;
	char name[128];

	if (argc > MOAT_CIS_ARGS_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "dockerd: more than %u arguments",
				      MOAT_CIS_ARGS_MAX);
	obj = json_object();
	if (!obj)
		return moat_error_set(err, MOAT_E_LIMIT, "out of memory");
	for (size_t i = 1; i < argc; i++) {
		const char *a = argv[i], *value = NULL, *eq;
		int fi = -1;
		size_t len;

		if (a[0] != '-' || !a[1])
			continue; /* a positional word: dockerd takes none */
		if (!strcmp(a, "--"))
			break;
		if (a[1] == '-') {
			a += 2;
			eq = strchr(a, '=');
			len = eq ? (size_t)(eq - a) : strlen(a);
			value = eq ? eq + 1 : NULL;
			fi = find_flag(a, len, 0);
		} else {
			/* -H x, -Hx, -H=x, -D; a group of bool shorthands (-Dv) counts its first */
			fi = find_flag(NULL, 0, a[1]);
			len = 1;
			a += 1;
			if (a[1])
				value = a[1] == '=' ? a + 2 : a + 1;
		}
		if (fi >= 0 && flags[fi].kind == F_BOOL) {
			if (argv[i][1] != '-')
				value = NULL;
		} else if (!value && i + 1 < argc && (fi >= 0 || argv[i + 1][0] != '-')) {
			value = argv[++i];
		}
		if (fi >= 0) {
			if (put(obj, flags[fi].key, flags[fi].kind, value) < 0)
				goto oom;
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(len < 127 ? len : 127), a);
		if (put(obj, name, value ? F_VALUE : F_BOOL, value) < 0)
			goto oom;
	}
	*ret_obj = obj;
	return 0;
oom:
	json_decref(obj);
	return moat_error_set(err, MOAT_E_LIMIT, "out of memory");
}

int moat_cis_split_cmdline(const char *data, size_t len, bool split_blanks,
			   struct moat_arena *arena, const char ***ret_argv, size_t *ret_argc,
			   struct moat_error *err)
{
	const char **argv = moat_arena_calloc(arena, MOAT_CIS_ARGS_MAX + 1, sizeof(*argv));
	size_t n = 0, i = 0;

	if (!argv)
		return moat_error_set(err, MOAT_E_LIMIT, "command line: arena full");
	if (len > MOAT_CIS_FILE_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "command line: too long");
	while (i < len) {
		size_t start;

		if (data[i] == 0 || (split_blanks && isspace((unsigned char)data[i]))) {
			i++;
			continue;
		}
		start = i;
		while (i < len && data[i] && !(split_blanks && isspace((unsigned char)data[i])))
			i++;
		if (n == MOAT_CIS_ARGS_MAX)
			return moat_error_set(err, MOAT_E_LIMIT, "command line: more than %u words",
					      MOAT_CIS_ARGS_MAX);
		argv[n] = moat_arena_strndup(arena, data + start, i - start);
		if (!argv[n])
			return moat_error_set(err, MOAT_E_LIMIT, "command line: arena full");
		n++;
	}
	*ret_argv = argv;
	*ret_argc = n;
	return 0;
}

/* The next logical line of a unit file: continuation lines joined (the
 * backslash and newline become one blank, as systemd does), into buf. */
static size_t unit_line(const char *data, size_t len, size_t *pos, char *buf, size_t cap,
			unsigned *lineno)
{
	size_t n = 0;

	while (*pos < len) {
		char c = data[(*pos)++];

		if (c == '\n') {
			(*lineno)++;
			if (n && buf[n - 1] == '\\') {
				buf[n - 1] = ' ';
				continue;
			}
			break;
		}
		if (n + 1 < cap)
			buf[n++] = c;
	}
	buf[n] = 0;
	return n;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

int moat_cis_unit_value(const char *data, size_t len, const char *section, const char *key,
			struct moat_arena *arena, const char **ret_value, struct moat_error *err)
{
	char *buf;
	size_t pos = 0;
	unsigned lineno = 1;
	bool in_section = false;
	const char *value = NULL;

	if (len > MOAT_CIS_FILE_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "unit file larger than %u bytes",
				      MOAT_CIS_FILE_MAX);
	buf = moat_arena_alloc(arena, len + 1);
	if (!buf)
		return moat_error_set(err, MOAT_E_LIMIT, "unit file: arena full");
	while (pos < len) {
		unsigned at = lineno;
		char *l, *eq;

		unit_line(data, len, &pos, buf, len + 1, &lineno);
		l = trim(buf);
		if (!*l || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');

			if (!end || end[1])
				return moat_error_set(err, MOAT_E_FORMAT,
						      "unit file line %u: bad section header", at);
			*end = 0;
			in_section = !strcmp(l + 1, section);
			continue;
		}
		eq = strchr(l, '=');
		if (!eq)
			return moat_error_set(err, MOAT_E_FORMAT,
					      "unit file line %u: not KEY=VALUE", at);
		*eq = 0;
		if (!in_section || strcmp(trim(l), key) != 0)
			continue;
		/* an empty assignment resets a list setting such as ExecStart */
		value = *trim(eq + 1) ? moat_arena_strdup(arena, trim(eq + 1)) : NULL;
		if (*trim(eq + 1) && !value)
			return moat_error_set(err, MOAT_E_LIMIT, "unit file: arena full");
	}
	*ret_value = value;
	return 0;
}

/* One path operand of an audit rule into paths[]. */
static int add_path(struct moat_arena *arena, const char *p, size_t n, const char **paths,
		    size_t *count, size_t cap)
{
	if (!n || *count + 1 >= cap)
		return 0;
	paths[*count] = moat_arena_strndup(arena, p, n);
	if (!paths[*count])
		return MOAT_E_LIMIT;
	(*count)++;
	return 0;
}

/* Bounded: rules files are small; more than this many watches are ignored. */
#define AUDIT_PATHS_MAX 4096u

int moat_cis_audit_paths(const char *data, size_t len, struct moat_arena *arena,
			 const char ***ret_paths, size_t *ret_n, struct moat_error *err)
{
	const char **paths = moat_arena_calloc(arena, AUDIT_PATHS_MAX, sizeof(*paths));
	size_t n = 0, i = 0;

	if (!paths)
		return moat_error_set(err, MOAT_E_LIMIT, "audit rules: arena full");
	if (len > MOAT_CIS_FILE_MAX)
		return moat_error_set(err, MOAT_E_LIMIT, "audit rules larger than %u bytes",
				      MOAT_CIS_FILE_MAX);
	while (i < len) {
		size_t end = i;
		bool watch = false;

		while (end < len && data[end] != '\n')
			end++;
		/* words of the line: -w PATH, -F path=PATH, -F dir=PATH */
		for (size_t p = i; p < end;) {
			size_t ws, we;

			while (p < end && isspace((unsigned char)data[p]))
				p++;
			if (p < end && data[p] == '#' && p == i)
				break;
			ws = p;
			while (p < end && !isspace((unsigned char)data[p]))
				p++;
			we = p;
			if (we == ws)
				break;
			if (watch) {
				if (add_path(arena, data + ws, we - ws, paths, &n, AUDIT_PATHS_MAX))
					return moat_error_set(err, MOAT_E_LIMIT, "audit: arena full");
				watch = false;
			} else if (we - ws == 2 && !memcmp(data + ws, "-w", 2)) {
				watch = true;
			} else if (we - ws > 5 && !memcmp(data + ws, "path=", 5)) {
				if (add_path(arena, data + ws + 5, we - ws - 5, paths, &n,
					     AUDIT_PATHS_MAX))
					return moat_error_set(err, MOAT_E_LIMIT, "audit: arena full");
			} else if (we - ws > 4 && !memcmp(data + ws, "dir=", 4)) {
				if (add_path(arena, data + ws + 4, we - ws - 4, paths, &n,
					     AUDIT_PATHS_MAX))
					return moat_error_set(err, MOAT_E_LIMIT, "audit: arena full");
			}
		}
		i = end + 1;
	}
	*ret_paths = paths;
	*ret_n = n;
	return 0;
}
