/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.c - parse rule files (YAML via base/yaml.h, or JSON) into condition
 * trees in the ruleset's arena, and evaluate them against one event view.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/json.h"
#include "base/yaml.h"
#include <linux/types.h>

#include "events.h"
#include "lua.h"
#include "moat/error.h"
#include "rules-int.h"
#include "rules.h"
#include "sensor/sensor.h"

/* Rule text and trees of a few hundred rules fit in well under this. */
#define RULES_ARENA_CAP (64u << 20)
#define RULES_MAX_FILES 256u

static const char *const field_names[MOAT_F_COUNT] = {
	[MOAT_F_EVT_KIND] = "evt.kind", [MOAT_F_PROC_PID] = "proc.pid",
	[MOAT_F_PROC_PPID] = "proc.ppid", [MOAT_F_PROC_NAME] = "proc.name",
	[MOAT_F_PROC_EXE] = "proc.exe", [MOAT_F_PROC_CMDLINE] = "proc.cmdline",
	[MOAT_F_PROC_ARGS] = "proc.args", [MOAT_F_PROC_STDIN_SOCK] = "proc.stdin_socket",
	[MOAT_F_PROC_STDOUT_SOCK] = "proc.stdout_socket", [MOAT_F_PROC_DRIFT] = "proc.drift",
	[MOAT_F_PARENT_NAME] = "parent.name", [MOAT_F_PARENT_EXE] = "parent.exe",
	[MOAT_F_USER_UID] = "user.uid", [MOAT_F_USER_EUID] = "user.euid",
	[MOAT_F_FD_NAME] = "fd.name", [MOAT_F_FD_NAME2] = "fd.name2",
	[MOAT_F_FD_WRITE] = "fd.write", [MOAT_F_NET_DPORT] = "net.dport",
	[MOAT_F_NET_DADDR] = "net.daddr", [MOAT_F_NET_FAMILY] = "net.family",
	[MOAT_F_CONTAINER_ID] = "container.id", [MOAT_F_CONTAINER_NAME] = "container.name",
	[MOAT_F_CONTAINER_IMAGE] = "container.image", [MOAT_F_EVT_ARG0] = "evt.arg0",
	[MOAT_F_PROC_CWD] = "proc.cwd", [MOAT_F_PROC_STDIN_TYPE] = "proc.stdin_type",
	[MOAT_F_PROC_STDOUT_TYPE] = "proc.stdout_type",
	[MOAT_F_PROC_STDERR_TYPE] = "proc.stderr_type", [MOAT_F_PROC_ANCESTORS] = "proc.ancestors",
	[MOAT_F_FD_OPENED] = "fd.opened",
	[MOAT_F_BASELINE_KIND] = "baseline.kind", [MOAT_F_BASELINE_ITEM] = "baseline.item",
	[MOAT_F_BASELINE_MODE] = "baseline.mode", [MOAT_F_BASELINE_IMAGE] = "baseline.image",
};

int moat_field_lookup(const char *name)
{
	for (int i = 0; i < MOAT_F_COUNT; i++)
		if (!strcmp(field_names[i], name))
			return i;
	return -1;
}

const char *moat_field_name(enum moat_field f)
{
	return (unsigned)f < MOAT_F_COUNT ? field_names[f] : "?";
}

const char *moat_rule_action_name(enum moat_rule_action a)
{
	switch (a) {
	case MOAT_ACTION_KILL:
		return "kill";
	case MOAT_ACTION_STOP:
		return "stop";
	case MOAT_ACTION_PAUSE:
		return "pause";
	case MOAT_ACTION_ISOLATE:
		return "isolate";
	default:
		return "alert";
	}
}

const char *moat_rule_scope_name(enum moat_rule_scope s)
{
	switch (s) {
	case MOAT_SCOPE_CONTAINER:
		return "container";
	case MOAT_SCOPE_HOST:
		return "host";
	default:
		return "both";
	}
}

int moat_rules_open(struct moat_ruleset **ret, struct moat_error *err)
{
	struct moat_ruleset *rs = calloc(1, sizeof(*rs));

	if (rs)
		rs->arena = moat_arena_open(RULES_ARENA_CAP);
	if (rs && rs->arena)
		rs->rules = moat_arena_calloc(rs->arena, MOAT_RULES_MAX_RULES, sizeof(*rs->rules));
	if (!rs || !rs->rules) {
		moat_rules_close(rs);
		return moat_error_set(err, -ENOMEM, "rules: out of memory");
	}
	*ret = rs;
	return 0;
}

void moat_rules_close(struct moat_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; rs->rules && i < rs->n; i++)
		moat_lua_close(rs->rules[i].lua);
	moat_arena_close(rs->arena);
	free(rs);
}

size_t moat_rules_count(const struct moat_ruleset *rs)
{
	return rs->n;
}

const struct moat_rule *moat_rules_get(const struct moat_ruleset *rs, size_t i)
{
	return i < rs->n ? &rs->rules[i] : NULL;
}

/* --- parsing ---------------------------------------------------------------- */

struct parse {
	struct moat_arena *arena;
	const char *origin;
	const char *rule_id;
	struct moat_error *err;
};

static int pfail(struct parse *p, int code, const char *what)
{
	return moat_error_set(p->err, code, "%s: rule %s: %s", p->origin,
			      p->rule_id ? p->rule_id : "?", what);
}

/* A scalar as text: strings as they are, integers in decimal, booleans as true/false. */
static const char *scalar_text(struct parse *p, const json_t *v)
{
	char num[32];

	if (json_is_string(v)) {
		if (json_string_length(v) > MOAT_RULES_MAX_STR ||
		    strlen(json_string_value(v)) != json_string_length(v))
			return NULL;
		return moat_arena_strdup(p->arena, json_string_value(v));
	}
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return moat_arena_strdup(p->arena, num);
	}
	if (json_is_boolean(v))
		return json_is_true(v) ? "true" : "false";
	return NULL;
}

static int parse_cond(struct parse *p, const json_t *j, unsigned depth,
		      const struct moat_cond **ret);

static int parse_kids(struct parse *p, struct moat_cond *c, const json_t *list, unsigned depth)
{
	size_t n = json_array_size(list);

	if (!json_is_array(list) || n == 0 || n > MOAT_RULES_MAX_VALUES)
		return pfail(p, MOAT_E_FORMAT, "and/or needs a list of 1 to 256 conditions");
	c->kids = moat_arena_calloc(p->arena, n, sizeof(struct moat_cond *));
	if (!c->kids)
		return pfail(p, MOAT_E_LIMIT, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int r = parse_cond(p, json_array_get(list, i), depth + 1, &c->kids[i]);

		if (r < 0)
			return r;
	}
	c->n = n;
	return 0;
}

static int parse_values(struct parse *p, struct moat_cond *c, const json_t *v)
{
	size_t n = json_is_array(v) ? json_array_size(v) : 1;

	if (n == 0 || n > MOAT_RULES_MAX_VALUES)
		return pfail(p, MOAT_E_FORMAT, "a value list holds 1 to 256 values");
	c->vals = moat_arena_calloc(p->arena, n, sizeof(*c->vals));
	if (!c->vals)
		return pfail(p, MOAT_E_LIMIT, "out of memory");
	for (size_t i = 0; i < n; i++) {
		c->vals[i] = scalar_text(p, json_is_array(v) ? json_array_get(v, i) : v);
		if (!c->vals[i])
			return pfail(p, MOAT_E_FORMAT, "values are strings, integers or booleans");
	}
	c->n = n;
	return 0;
}

static const struct {
	const char *key;
	enum cond_op op;
} test_ops[] = {
	{ "equals", OP_EQ }, { "in", OP_EQ }, { "startswith", OP_STARTS }, { "endswith", OP_ENDS },
	{ "contains", OP_CONTAINS }, { "glob", OP_GLOB }, { "exists", OP_EXISTS },
};

static int parse_test(struct parse *p, struct moat_cond *c, const json_t *j)
{
	const char *fname = moat_json_str(j, "field");
	const json_t *v = NULL;

	if (!fname || json_object_size(j) != 2)
		return pfail(p, MOAT_E_FORMAT, "a test is {field: NAME, OP: VALUE}");
	c->field = moat_field_lookup(fname);
	if (c->field < 0)
		return pfail(p, MOAT_E_FORMAT, "unknown field");
	for (size_t i = 0; i < sizeof(test_ops) / sizeof(test_ops[0]) && !v; i++) {
		v = json_object_get(j, test_ops[i].key);
		c->op = test_ops[i].op;
	}
	if (!v)
		return pfail(p, MOAT_E_FORMAT, "unknown test (equals, in, startswith, endswith, "
					       "contains, glob, exists)");
	if (c->op == OP_EXISTS) {
		if (!json_is_boolean(v))
			return pfail(p, MOAT_E_FORMAT, "exists takes true or false");
		c->exists = json_is_true(v);
		return 0;
	}
	if (json_is_array(v) && json_object_get(j, "in") == NULL && c->op == OP_EQ)
		return pfail(p, MOAT_E_FORMAT, "equals takes one value; use in for a list");
	return parse_values(p, c, v);
}

static int parse_cond(struct parse *p, const json_t *j, unsigned depth,
		      const struct moat_cond **ret)
{
	struct moat_cond *c;
	const json_t *v;
	int r;

	if (depth > MOAT_RULES_MAX_DEPTH)
		return pfail(p, MOAT_E_LIMIT, "conditions nested too deep");
	if (!json_is_object(j))
		return pfail(p, MOAT_E_FORMAT, "a condition is a mapping");
	c = moat_arena_zalloc(p->arena, sizeof(*c));
	if (!c)
		return pfail(p, MOAT_E_LIMIT, "out of memory");
	c->field = -1;
	if ((v = json_object_get(j, "and")) || (v = json_object_get(j, "or"))) {
		c->op = json_object_get(j, "and") ? OP_AND : OP_OR;
		r = json_object_size(j) == 1 ? parse_kids(p, c, v, depth)
					      : pfail(p, MOAT_E_FORMAT, "and/or stand alone");
	} else if ((v = json_object_get(j, "not"))) {
		c->op = OP_NOT;
		c->kids = moat_arena_calloc(p->arena, 1, sizeof(struct moat_cond *));
		c->n = 1;
		r = !c->kids ? pfail(p, MOAT_E_LIMIT, "out of memory")
			     : parse_cond(p, v, depth + 1, &c->kids[0]);
	} else {
		r = parse_test(p, c, j);
	}
	if (r == 0)
		*ret = c;
	return r;
}

static bool good_id(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > 128)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = id[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' ||
		      ch == '.'))
			return false;
	}
	return true;
}

static int parse_action(struct parse *p, const json_t *j, struct moat_rule *rule)
{
	const char *a = moat_json_str(j, "action");

	if (!a || !strcmp(a, "alert"))
		rule->action = MOAT_ACTION_ALERT;
	else if (!strcmp(a, "kill"))
		rule->action = MOAT_ACTION_KILL;
	else if (!strcmp(a, "stop"))
		rule->action = MOAT_ACTION_STOP;
	else if (!strcmp(a, "pause"))
		rule->action = MOAT_ACTION_PAUSE;
	else if (!strcmp(a, "isolate"))
		rule->action = MOAT_ACTION_ISOLATE;
	else
		return pfail(p, MOAT_E_FORMAT, "action is alert, kill, stop, pause or isolate");
	return 0;
}

static int parse_scope(struct parse *p, const json_t *j, struct moat_rule *rule)
{
	const char *sc = moat_json_str(j, "scope");

	if (!sc && json_object_get(j, "scope"))
		return pfail(p, MOAT_E_FORMAT, "scope is container, host or both");
	if (!sc || !strcmp(sc, "both"))
		rule->scope = MOAT_SCOPE_BOTH;
	else if (!strcmp(sc, "container"))
		rule->scope = MOAT_SCOPE_CONTAINER;
	else if (!strcmp(sc, "host"))
		rule->scope = MOAT_SCOPE_HOST;
	else
		return pfail(p, MOAT_E_FORMAT, "scope is container, host or both");
	return 0;
}

static int parse_mitre(struct parse *p, const json_t *m, struct moat_rule *rule)
{
	size_t n = json_array_size(m);

	if (m && (!json_is_array(m) || n > 16))
		return pfail(p, MOAT_E_FORMAT, "mitre is a list of at most 16 ids");
	rule->mitre = NULL;
	if (n == 0)
		return 0;
	{
		const char **ids = moat_arena_calloc(p->arena, n, sizeof(*ids));

		if (!ids)
			return pfail(p, MOAT_E_LIMIT, "out of memory");
		for (size_t i = 0; i < n; i++) {
			ids[i] = scalar_text(p, json_array_get(m, i));
			if (!ids[i])
				return pfail(p, MOAT_E_FORMAT, "mitre ids are strings");
		}
		rule->mitre = ids;
	}
	rule->n_mitre = n;
	return 0;
}

static int parse_lua(struct parse *p, const json_t *v, struct moat_rule *rule)
{
	if (!json_is_string(v))
		return pfail(p, MOAT_E_FORMAT, "lua is a string holding a Lua chunk");
	return moat_lua_open(&rule->lua, json_string_value(v), json_string_length(v), p->origin,
			     p->rule_id, p->err);
}

static const char *const severities[] = { "info", "notice", "warning", "error", "critical" };

/* The event kinds (below 32) a condition may be true for: an evt.kind
 * equality names them, and narrows, or widens, what contains it; any
 * other test may be true for every kind. A superset, so skipping the
 * other kinds never changes a verdict. */
static uint32_t cond_kinds(const struct moat_cond *c)
{
	uint32_t m;

	switch (c->op) {
	case OP_AND:
		m = UINT32_MAX;
		for (size_t i = 0; i < c->n; i++)
			m &= cond_kinds(c->kids[i]);
		return m;
	case OP_OR:
		m = 0;
		for (size_t i = 0; i < c->n; i++)
			m |= cond_kinds(c->kids[i]);
		return m;
	case OP_EQ:
		if (c->field != MOAT_F_EVT_KIND)
			return UINT32_MAX;
		m = 0;
		for (unsigned k = 0; k < 32; k++)
			for (size_t i = 0; i < c->n; i++)
				if (!strcmp(moat_sensor_kind_name(k), c->vals[i]))
					m |= 1u << k;
		return m;
	default:
		return UINT32_MAX;
	}
}

static int parse_rule(struct parse *p, const json_t *j, struct moat_rule *rule)
{
	const char *id = moat_json_str(j, "id");
	const char *sev = moat_json_str(j, "severity");
	bool sev_ok = false;
	int r;

	p->rule_id = NULL;
	if (!json_is_object(j) || !id || !good_id(id))
		return pfail(p, MOAT_E_FORMAT, "every rule needs an id of [a-z0-9_.-], 1-128 bytes");
	p->rule_id = id;
	rule->id = moat_arena_strdup(p->arena, id);
	rule->description = scalar_text(p, json_object_get(j, "description"));
	if (!rule->description)
		rule->description = "";
	for (size_t i = 0; sev && i < sizeof(severities) / sizeof(severities[0]); i++)
		if (!strcmp(sev, severities[i])) {
			rule->severity = severities[i];
			sev_ok = true;
		}
	if (!sev_ok)
		return pfail(p, MOAT_E_FORMAT, "severity is info, notice, warning, error or critical");
	rule->file = p->origin;
	r = parse_action(p, j, rule);
	if (r == 0)
		r = parse_scope(p, j, rule);
	if (r == 0)
		r = parse_mitre(p, json_object_get(j, "mitre"), rule);
	if (r == 0 && !json_object_get(j, "when"))
		r = pfail(p, MOAT_E_FORMAT, "no when: condition");
	if (r == 0)
		r = parse_cond(p, json_object_get(j, "when"), 0, &rule->when);
	if (r == 0)
		rule->never_kinds = ~cond_kinds(rule->when);
	if (r == 0 && json_object_get(j, "lua"))
		r = parse_lua(p, json_object_get(j, "lua"), rule);
	return r;
}

static bool duplicate(const struct moat_ruleset *rs, size_t upto, const char *id)
{
	for (size_t i = 0; i < upto; i++)
		if (!strcmp(rs->rules[i].id, id))
			return true;
	return false;
}

int moat_rules_load(struct moat_ruleset *rs, const uint8_t *data, size_t len, const char *origin,
		    struct moat_error *err)
{
	struct parse p = { .arena = rs->arena, .err = err };
	json_t *doc = NULL;
	json_t *list;
	size_t n;
	int r;

	p.origin = moat_arena_strdup(rs->arena, origin ? origin : "rules");
	if (!p.origin)
		return moat_error_set(err, MOAT_E_LIMIT, "rules: out of memory");
	if (len > MOAT_RULES_MAX_FILE)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: over %u bytes", p.origin,
				      MOAT_RULES_MAX_FILE);
	if (moat_yaml_is_json(data, len))
		r = moat_json_parse(data, len, MOAT_RULES_MAX_FILE, p.origin, &doc, err);
	else
		r = moat_yaml_parse(data, len, p.origin, MOAT_RULES_MAX_FILE,
				    MOAT_RULES_MAX_DEPTH * 2 + 8, &doc, err);
	if (r < 0)
		return r;
	list = json_object_get(doc, "rules");
	n = json_array_size(list);
	if (!json_is_array(list))
		r = moat_error_set(err, MOAT_E_FORMAT, "%s: no rules: list", p.origin);
	else if (rs->n + n > MOAT_RULES_MAX_RULES)
		r = moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u rules", p.origin,
				   MOAT_RULES_MAX_RULES);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct moat_rule *rule = &rs->rules[rs->n + i];

		memset(rule, 0, sizeof(*rule));
		r = parse_rule(&p, json_array_get(list, i), rule);
		if (r == 0 && duplicate(rs, rs->n + i, rule->id))
			r = moat_error_set(err, MOAT_E_USAGE, "%s: duplicate rule id %s", p.origin,
					   rule->id);
	}
	json_decref(doc);
	if (r == 0)
		rs->n += n;
	for (size_t i = 0; r < 0 && i < n && rs->n + i < MOAT_RULES_MAX_RULES; i++) {
		/* a bad file adds nothing: drop the hooks its good rules compiled */
		moat_lua_close(rs->rules[rs->n + i].lua);
		rs->rules[rs->n + i].lua = NULL;
	}
	return r;
}

static bool rule_file(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	return (len > 5 && !strcmp(name + len - 5, ".yaml")) ||
	       (len > 4 && !strcmp(name + len - 4, ".yml")) ||
	       (len > 5 && !strcmp(name + len - 5, ".json"));
}

static int load_file(struct moat_ruleset *rs, int dfd, const char *dir, const char *name,
		     struct moat_error *err)
{
	char origin[512];
	uint8_t *buf;
	size_t len = 0;
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int r = 0;

	snprintf(origin, sizeof(origin), "%s/%s", dir, name);
	if (fd < 0)
		return moat_error_set(err, -errno, "%s: %s", origin, strerror(errno));
	buf = malloc(MOAT_RULES_MAX_FILE + 1);
	while (buf && len <= MOAT_RULES_MAX_FILE) {
		ssize_t n = read(fd, buf + len, MOAT_RULES_MAX_FILE + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = moat_error_set(err, -errno, "%s: %s", origin, strerror(errno));
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!buf)
		return moat_error_set(err, -ENOMEM, "%s: out of memory", origin);
	if (r == 0)
		r = moat_rules_load(rs, buf, len, origin, err);
	free(buf);
	return r;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int moat_rules_load_dir(struct moat_ruleset *rs, const char *dir, struct moat_error *err)
{
	char *names[RULES_MAX_FILES];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	int r = 0;

	if (!d)
		return moat_error_set(err, -errno, "%s: %s", dir, strerror(errno));
	while ((de = readdir(d)) && r == 0) {
		if (!rule_file(de->d_name))
			continue;
		if (n == RULES_MAX_FILES)
			r = moat_error_set(err, MOAT_E_LIMIT, "%s: more than %u rule files", dir,
					   RULES_MAX_FILES);
		else if (!(names[n++] = strdup(de->d_name)))
			r = moat_error_set(err, -ENOMEM, "%s: out of memory", dir);
	}
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (r == 0 && names[i])
			r = load_file(rs, dirfd(d), dir, names[i], err);
		free(names[i]);
	}
	closedir(d);
	return r;
}

/* --- evaluation ------------------------------------------------------------- */

static bool test_value(enum cond_op op, const char *have, const char *want)
{
	size_t hl;
	size_t wl;

	switch (op) {
	case OP_EQ:
		return !strcmp(have, want);
	case OP_STARTS:
		return !strncmp(have, want, strlen(want));
	case OP_ENDS:
		hl = strlen(have);
		wl = strlen(want);
		return hl >= wl && !strcmp(have + hl - wl, want);
	case OP_CONTAINS:
		return strstr(have, want) != NULL;
	case OP_GLOB:
		return fnmatch(want, have, 0) == 0;
	default:
		return false;
	}
}

static bool eval(const struct moat_cond *c, const struct moat_rule_view *v)
{
	const char *have;

	switch (c->op) {
	case OP_AND:
		for (size_t i = 0; i < c->n; i++)
			if (!eval(c->kids[i], v))
				return false;
		return true;
	case OP_OR:
		for (size_t i = 0; i < c->n; i++)
			if (eval(c->kids[i], v))
				return true;
		return false;
	case OP_NOT:
		return !eval(c->kids[0], v);
	case OP_EXISTS:
		return (v->f[c->field] != NULL) == c->exists;
	default:
		have = v->f[c->field];
		if (!have)
			return false;
		for (size_t i = 0; i < c->n; i++)
			if (test_value(c->op, have, c->vals[i]))
				return true;
		return false;
	}
}

bool moat_rule_matches(const struct moat_rule *rule, const struct moat_rule_view *v)
{
	bool in_container = v->f[MOAT_F_CONTAINER_ID] != NULL;

	if ((rule->scope == MOAT_SCOPE_CONTAINER && !in_container) ||
	    (rule->scope == MOAT_SCOPE_HOST && in_container))
		return false;
	if (!eval(rule->when, v))
		return false;
	return !rule->lua || moat_lua_match(rule->lua, v) == 1;
}

uint64_t moat_rules_lua_errors(const struct moat_ruleset *rs)
{
	uint64_t n = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].lua)
			n += moat_lua_errors(rs->rules[i].lua);
	return n;
}
