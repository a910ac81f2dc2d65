/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules.h - runtime detection rules: conditions over event fields, a
 * severity, MITRE ATT&CK ids and an action.
 *
 * A rule file is YAML (or JSON) holding `rules:`, a list of
 *
 *   id: shell-in-container            # unique, [a-z0-9_.-]
 *   description: a shell ran in a container
 *   severity: warning                 # info | notice | warning | error | critical
 *   mitre: [T1059.004]
 *   action: alert                     # alert | kill | stop
 *   scope: container                  # container | host | both (the default)
 *   when: CONDITION
 *   lua: |                            # optional, see lua.h
 *     function match(evt) return evt["proc.name"] ~= "sh" end
 *
 * CONDITION is {and: [C...]}, {or: [C...]}, {not: C}, or a test
 * {field: NAME, OP: VALUE} with OP one of equals, in (a list), startswith,
 * endswith, contains, glob (fnmatch), exists (true/false). Every field value
 * is text: numbers and booleans compare as their decimal / "true" spelling.
 * Rules are parsed into an arena owned by the ruleset; parsing is bounded
 * (file size, rules, nesting, list lengths, string lengths).
 */
#ifndef MOAT_DEFEND_RULES_H
#define MOAT_DEFEND_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct moat_error;
struct moat_ruleset;
struct moat_ev_prefix;
struct moat_lua;

#define MOAT_RULES_MAX_FILE (1u << 20)
#define MOAT_RULES_MAX_RULES 1024u
#define MOAT_RULES_MAX_DEPTH 16u
#define MOAT_RULES_MAX_VALUES 256u
#define MOAT_RULES_MAX_STR 1024u

/* Event fields rules can test; names in moat_field_name(). Append only. */
enum moat_field {
	MOAT_F_EVT_KIND,          /* evt.kind: exec, open, connect, ... */
	MOAT_F_PROC_PID,          /* proc.pid */
	MOAT_F_PROC_PPID,         /* proc.ppid */
	MOAT_F_PROC_NAME,         /* proc.name: comm */
	MOAT_F_PROC_EXE,          /* proc.exe: executable path */
	MOAT_F_PROC_CMDLINE,      /* proc.cmdline: argv joined by spaces */
	MOAT_F_PROC_ARGS,         /* proc.args: argv[1..] joined by spaces */
	MOAT_F_PROC_STDIN_SOCK,   /* proc.stdin_socket: true/false */
	MOAT_F_PROC_STDOUT_SOCK,  /* proc.stdout_socket */
	MOAT_F_PROC_DRIFT,        /* proc.drift: exe changed after the container started */
	MOAT_F_PARENT_NAME,       /* parent.name */
	MOAT_F_PARENT_EXE,        /* parent.exe */
	MOAT_F_USER_UID,          /* user.uid */
	MOAT_F_USER_EUID,         /* user.euid */
	MOAT_F_FD_NAME,           /* fd.name: file path, unix socket path, mount target */
	MOAT_F_FD_NAME2,          /* fd.name2: rename target, mount source */
	MOAT_F_FD_WRITE,          /* fd.write: opened for writing (or unlink/rename/chmod) */
	MOAT_F_NET_DPORT,         /* net.dport: connect/bind/accept port */
	MOAT_F_NET_DADDR,         /* net.daddr: address as text */
	MOAT_F_NET_FAMILY,        /* net.family: inet, inet6, unix */
	MOAT_F_CONTAINER_ID,      /* container.id (absent on the host) */
	MOAT_F_CONTAINER_NAME,    /* container.name */
	MOAT_F_CONTAINER_IMAGE,   /* container.image */
	MOAT_F_EVT_ARG0,          /* evt.arg0: first raw syscall argument (generic kinds) */
	MOAT_F_PROC_CWD,          /* proc.cwd: working directory at exec (exec events) */
	MOAT_F_PROC_STDIN_TYPE,   /* proc.stdin_type: what fd 0 is (moat_sensor_fd_type_name) */
	MOAT_F_PROC_STDOUT_TYPE,  /* proc.stdout_type */
	MOAT_F_PROC_STDERR_TYPE,  /* proc.stderr_type */
	MOAT_F_PROC_ANCESTORS,    /* proc.ancestors: exe paths of parent, grandparent, ... */
	MOAT_F_FD_OPENED,         /* fd.opened: an open's path as the syscall gave it (fd.name: the file) */
	MOAT_F_BASELINE_KIND,     /* baseline.kind: exec, exec-pair, file-write, listen, syscall */
	MOAT_F_BASELINE_ITEM,     /* baseline.item: what was outside the image's model */
	MOAT_F_BASELINE_MODE,     /* baseline.mode: alert or enforce */
	MOAT_F_BASELINE_IMAGE,    /* baseline.image: the model's image id */
	MOAT_F_COUNT,
};

enum moat_rule_action {
	MOAT_ACTION_ALERT = 0,
	MOAT_ACTION_KILL = 1,     /* SIGKILL the process */
	MOAT_ACTION_STOP = 2,     /* stop its container */
	MOAT_ACTION_PAUSE = 3,    /* pause its container */
	MOAT_ACTION_ISOLATE = 4,  /* disconnect its container from every network */
};

/* Where a rule applies: host processes have no container.id. */
enum moat_rule_scope {
	MOAT_SCOPE_BOTH = 0,
	MOAT_SCOPE_CONTAINER = 1,
	MOAT_SCOPE_HOST = 2,
};

/* One event as rules see it: each field is text or NULL (absent). Borrowed. */
struct moat_rule_view {
	const char *f[MOAT_F_COUNT];
};

struct moat_rule {
	const char *id;
	const char *description;
	const char *severity;
	const char *const *mitre;   /* n_mitre strings */
	size_t n_mitre;
	enum moat_rule_action action;
	enum moat_rule_scope scope;
	const char *file;           /* where it was defined */
	const struct moat_cond *when;
	struct moat_lua *lua;       /* the lua: hook, owned by the ruleset; NULL = none */
	/* Event kinds (bit per MOAT_EV_* below 32) `when` can never match, from
	 * its evt.kind tests: the defender skips the rule for them without
	 * evaluating it. 0 (the default) skips nothing. */
	uint32_t never_kinds;
};

/* Field enum value for a name, or -1. */
int moat_field_lookup(const char *name);
const char *moat_field_name(enum moat_field f);
const char *moat_rule_action_name(enum moat_rule_action a);
const char *moat_rule_scope_name(enum moat_rule_scope s);

int moat_rules_open(struct moat_ruleset **ret, struct moat_error *err);
void moat_rules_close(struct moat_ruleset *rs);

/* Add the rules of one file's bytes (origin names it in messages). A bad
 * file adds nothing. MOAT_E_FORMAT for bad syntax or schema, MOAT_E_LIMIT
 * past a bound, MOAT_E_USAGE for a duplicate id. */
int moat_rules_load(struct moat_ruleset *rs, const uint8_t *data, size_t len, const char *origin,
		    struct moat_error *err);
/* Every *.yaml, *.yml and *.json file of dir, in name order. */
int moat_rules_load_dir(struct moat_ruleset *rs, const char *dir, struct moat_error *err);

size_t moat_rules_count(const struct moat_ruleset *rs);
const struct moat_rule *moat_rules_get(const struct moat_ruleset *rs, size_t i);

/* The scope, the condition, then (if it matched) the lua: hook; a failing
 * hook does not match. */
bool moat_rule_matches(const struct moat_rule *rule, const struct moat_rule_view *v);

/* False if the rule can never match an event of this kind (never_kinds):
 * a cheap test before moat_rule_matches. */
static inline bool moat_rule_may_match_kind(const struct moat_rule *rule, unsigned kind)
{
	return kind >= 32 || !((rule->never_kinds >> kind) & 1);
}

/* Lua hook calls of this ruleset that failed (error, budget, non-boolean). */
uint64_t moat_rules_lua_errors(const struct moat_ruleset *rs);

/*
 * Sensitive path prefixes the kernel should report opens of: the literal
 * head of every fd.name test (startswith, equals, in, glob up to its first
 * wildcard). A rule that also requires fd.write=true asks for writes only.
 * Returns how many were written to out (at most max).
 */
size_t moat_rules_prefixes(const struct moat_ruleset *rs, struct moat_ev_prefix *out, size_t max);

/*
 * Executables the kernel may kill at exec on its own: the proc.exe values of
 * kill rules of scope both that say exactly {and: [evt.kind equals exec,
 * proc.exe in [...]]}. Pointers into the ruleset; returns how many were written.
 */
size_t moat_rules_deny_exes(const struct moat_ruleset *rs, const char **out, size_t max);

/* Does any rule test field (so the defender must fill it in)? */
bool moat_rules_use_field(const struct moat_ruleset *rs, enum moat_field field);

/* Does any kill rule test proc.drift (so the kernel should kill drifted execs)? */
bool moat_rules_kill_drift(const struct moat_ruleset *rs);

#endif
