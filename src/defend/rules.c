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
#include "rules.h"

/* Rule text and trees of a few hundred rules fit in well under this. */
#define RULES_ARENA_CAP (64u << 20)
#define RULES_MAX_FILES 256u

enum cond_op { OP_AND, OP_OR, OP_NOT, OP_EQ, OP_STARTS, OP_ENDS, OP_CONTAINS, OP_GLOB, OP_EXISTS };

struct moat_cond {
	enum cond_op op;
	int field;
	size_t n;                         /* values or children */
	const char **vals;
	const struct moat_cond **kids;
	bool exists;
};

struct moat_ruleset {
	struct moat_arena *arena;
	struct moat_rule *rules;          /* MOAT_RULES_MAX_RULES slots */
	size_t n;
};

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
	[MOAT_F_PROC_CWD] = "proc.cwd",
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
		r = parse_mitre(p, json_object_get(j, "mitre"), rule);
	if (r == 0 && !json_object_get(j, "when"))
		r = pfail(p, MOAT_E_FORMAT, "no when: condition");
	if (r == 0)
		r = parse_cond(p, json_object_get(j, "when"), 0, &rule->when);
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

/* --- what the kernel side needs ------------------------------------------- */

static bool requires_write(const struct moat_cond *c)
{
	if (c->op == OP_AND) {
		for (size_t i = 0; i < c->n; i++)
			if (requires_write(c->kids[i]))
				return true;
		return false;
	}
	return c->op == OP_EQ && c->field == MOAT_F_FD_WRITE && c->n == 1 &&
	       !strcmp(c->vals[0], "true");
}

/* Shorter prefix a covers b, and a reports at least what b asks for. */
static bool covers(const struct moat_ev_prefix *a, const struct moat_ev_prefix *b)
{
	return a->len <= b->len && !memcmp(a->p, b->p, a->len) && (a->mode & b->mode) == b->mode;
}

static size_t add_prefix(struct moat_ev_prefix *out, size_t n, size_t max, const char *val,
			 size_t len, __u32 mode)
{
	struct moat_ev_prefix e = { .mode = mode };
	size_t k = 0;

	if (len == 0 || val[0] != '/')
		return n;       /* relative or empty: the kernel cannot match it */
	if (len >= MOAT_EV_PREFIX_LEN)
		len = MOAT_EV_PREFIX_LEN - 1;
	memcpy(e.p, val, len);
	e.len = (__u32)len;
	for (size_t i = 0; i < n; i++) {
		if (out[i].len == len && !memcmp(out[i].p, val, len)) {
			out[i].mode |= mode;
			return n;
		}
		if (covers(&out[i], &e))
			return n;
	}
	/* drop entries the new one covers */
	for (size_t i = 0; i < n; i++)
		if (!covers(&e, &out[i]))
			out[k++] = out[i];
	if (k == max)
		return k;
	out[k] = e;
	return k + 1;
}

static size_t common_len(const struct moat_ev_prefix *a, const struct moat_ev_prefix *b)
{
	size_t n = 0;

	while (n < a->len && n < b->len && a->p[n] == b->p[n])
		n++;
	return n;
}

/*
 * Too many prefixes for the kernel's table: replace the two that share the
 * longest head (same mode first) by that head, until they fit. The filter
 * only gets coarser: every open reported before is reported after. Heads
 * shorter than "/abc" would report nearly everything; past that, drop.
 */
static size_t merge_prefixes(struct moat_ev_prefix *all, size_t n, size_t max)
{
	while (n > max) {
		size_t best = 0;
		size_t bi = 0;
		size_t bj = 0;

		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++) {
				size_t c = common_len(&all[i], &all[j]);

				/* write-only heads first: writes are rare, reads are not */
				if (c >= 4 && (all[i].mode | all[j].mode) == MOAT_PREFIX_WRITE)
					c += MOAT_EV_PREFIX_LEN;
				if (c > best) {
					best = c;
					bi = i;
					bj = j;
				}
			}
		if (best % MOAT_EV_PREFIX_LEN < 4)
			return max;
		{
			struct moat_ev_prefix a = all[bi];
			__u32 mode = all[bi].mode | all[bj].mode;

			all[bj] = all[--n];
			all[bi] = all[--n];
			n = add_prefix(all, n, n + 1, a.p, best % MOAT_EV_PREFIX_LEN, mode);
		}
	}
	return n;
}

static size_t walk_prefixes(const struct moat_cond *c, __u32 mode, struct moat_ev_prefix *out,
			    size_t n, size_t max)
{
	if (c->op == OP_AND || c->op == OP_OR || c->op == OP_NOT) {
		for (size_t i = 0; i < c->n; i++)
			n = walk_prefixes(c->kids[i], mode, out, n, max);
		return n;
	}
	if (c->field != MOAT_F_FD_NAME && c->field != MOAT_F_FD_NAME2)
		return n;
	for (size_t i = 0; i < c->n; i++) {
		const char *val = c->vals[i];

		if (c->op == OP_EQ || c->op == OP_STARTS)
			n = add_prefix(out, n, max, val, strlen(val), mode);
		else if (c->op == OP_GLOB)
			n = add_prefix(out, n, max, val, strcspn(val, "*?[\\"), mode);
	}
	return n;
}

#define PREFIX_WORK 512u

/* Can the rule match an event the kernel filters by path prefix? Only an
 * evt.kind test at the top (alone or in the top and:) can say no: mounts,
 * execs, connects ... are reported whatever their paths. */
static bool path_filtered(const struct moat_cond *w)
{
	static const char *const kinds[] = { "open", "unlink", "rename", "chmod", "chown" };
	const struct moat_cond *kind = NULL;

	if (w->op == OP_EQ && w->field == MOAT_F_EVT_KIND)
		kind = w;
	for (size_t i = 0; w->op == OP_AND && i < w->n && !kind; i++)
		if (w->kids[i]->op == OP_EQ && w->kids[i]->field == MOAT_F_EVT_KIND)
			kind = w->kids[i];
	if (!kind)
		return true;
	for (size_t i = 0; i < kind->n; i++)
		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(kind->vals[i], kinds[k]))
				return true;
	return false;
}

size_t moat_rules_prefixes(const struct moat_ruleset *rs, struct moat_ev_prefix *out, size_t max)
{
	struct moat_ev_prefix *all = calloc(PREFIX_WORK, sizeof(*all));
	size_t n = 0;

	if (!all)
		return 0;
	for (size_t i = 0; i < rs->n; i++) {
		__u32 mode = requires_write(rs->rules[i].when) ? MOAT_PREFIX_WRITE
							       : MOAT_PREFIX_READ | MOAT_PREFIX_WRITE;

		if (path_filtered(rs->rules[i].when))
			n = walk_prefixes(rs->rules[i].when, mode, all, n, PREFIX_WORK);
	}
	n = merge_prefixes(all, n, max);
	memcpy(out, all, n * sizeof(*all));
	free(all);
	return n;
}

static bool uses_field(const struct moat_cond *c, int field)
{
	if (c->op == OP_AND || c->op == OP_OR || c->op == OP_NOT) {
		for (size_t i = 0; i < c->n; i++)
			if (uses_field(c->kids[i], field))
				return true;
		return false;
	}
	return c->field == field;
}

bool moat_rules_kill_drift(const struct moat_ruleset *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		if (rs->rules[i].action == MOAT_ACTION_KILL &&
		    uses_field(rs->rules[i].when, MOAT_F_PROC_DRIFT))
			return true;
	return false;
}

/* {field: F, equals/in: ...} */
static bool is_eq(const struct moat_cond *c, int field)
{
	return c->op == OP_EQ && c->field == field;
}

size_t moat_rules_deny_exes(const struct moat_ruleset *rs, const char **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct moat_cond *w = rs->rules[i].when;
		const struct moat_cond *exe;
		const struct moat_cond *kind;

		/* exactly "exec of one of these paths": anything more and the kernel would kill too much */
		if (rs->rules[i].action != MOAT_ACTION_KILL || w->op != OP_AND || w->n != 2)
			continue;
		exe = is_eq(w->kids[0], MOAT_F_PROC_EXE) ? w->kids[0] : w->kids[1];
		kind = exe == w->kids[0] ? w->kids[1] : w->kids[0];
		if (!is_eq(exe, MOAT_F_PROC_EXE) || !is_eq(kind, MOAT_F_EVT_KIND) || kind->n != 1 ||
		    strcmp(kind->vals[0], "exec") != 0)
			continue;
		for (size_t v = 0; v < exe->n && n < max; v++)
			if (exe->vals[v][0] == '/' && strlen(exe->vals[v]) < MOAT_EV_PATH_LEN)
				out[n++] = exe->vals[v];
	}
	return n;
}
