/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy-check.c - the rules of each policy kind, checked on the server
 * (one JSON document per policy). A kind names the keys its consumers read
 * and the type of each; an unknown key or a wrong type is refused with the
 * key's path and what it wants, so a typo never turns a rule off in silence.
 */
#include <stdio.h>
#include <string.h>

#include "base/json.h"
#include "console-int.h"
#include "policy/policy.h"

enum rule_type {
	R_BOOL,
	R_INT,          /* min..max; null allowed when nullable */
	R_ENUM,         /* one of opts */
	R_ENUM_SET,     /* an array of opts */
	R_STRINGS,      /* an array of non-empty strings */
	R_STRING,       /* a non-empty string */
	R_URL,          /* http:// or https:// */
	R_SCOPE,        /* {images: [..], namespaces: [..], labels: [..]} */
	R_FLOWS,        /* [{from, to, port, proto}] */
};

struct rule_key {
	const char *key;
	enum rule_type type;
	const char *const *opts;
	long min, max;
	bool nullable;
};

static const char *const sevs[] = { "critical", "high", "medium", "low", "negligible",
				    "unknown", NULL };
static const char *const responses[] = { "alert", "kill", "stop", "pause", "isolate", NULL };
static const char *const baseline_modes[] = { "learn", "alert", "enforce", NULL };
static const char *const protos[] = { "tcp", "udp", "any", NULL };
static const char *const defaults[] = { "allow", "deny", NULL };

#define END { NULL, R_BOOL, NULL, 0, 0, false }
#define LIMIT 10000

static const struct rule_key vuln_keys[] = {
	{ "severity", R_ENUM_SET, sevs, 0, 0, false },
	{ "max_severity", R_ENUM, sevs, 0, 0, true },
	{ "fixable_only", R_BOOL, NULL, 0, 0, false },
	{ "max_risk", R_INT, NULL, 0, 100, true },
	{ "ignore", R_STRINGS, NULL, 0, 0, false },
	{ "scope", R_SCOPE, NULL, 0, 0, false },
	END,
};
/* Compliance: which checks of a benchmark are in force and at what action
 * (moat_policy_comply_from_console). cis-* name the benchmarks themselves. */
static const char *const benches[] = { "docker", "k8s", "node", NULL };
static const char *const comply_actions[] = { "alert", "block", NULL };
static const char *const templates[] = { "nist-800-190", "pci", "hipaa", "gdpr", "cis-docker",
					 "cis-k8s", NULL };
static const struct rule_key comply_keys[] = {
	{ "benchmark", R_ENUM, benches, 0, 0, false },
	{ "checks", R_STRINGS, NULL, 0, 0, false },        /* check ids or globs in force */
	{ "disable", R_STRINGS, NULL, 0, 0, false },       /* check ids or globs off */
	{ "action", R_ENUM, comply_actions, 0, 0, false }, /* else the policy's mode */
	{ "templates", R_ENUM_SET, templates, 0, 0, false },
	{ "severity", R_ENUM_SET, sevs, 0, 0, false },
	{ "scope", R_SCOPE, NULL, 0, 0, false },
	END,
};
static const struct rule_key runtime_keys[] = {
	{ "rules", R_STRINGS, NULL, 0, 0, false },
	{ "disable", R_STRINGS, NULL, 0, 0, false },      /* rule globs turned off (rules-policy.c) */
	{ "action", R_ENUM, responses, 0, 0, false },
	{ "scope", R_SCOPE, NULL, 0, 0, false },
	END,
};
static const struct rule_key baseline_keys[] = {
	{ "images", R_STRINGS, NULL, 0, 0, false },
	{ "mode", R_ENUM, baseline_modes, 0, 0, false },
	{ "learn_minutes", R_INT, NULL, 1, 60L * 24 * 90, false },
	{ "scope", R_SCOPE, NULL, 0, 0, false },
	END,
};
static const struct rule_key firewall_keys[] = {
	{ "allow", R_FLOWS, NULL, 0, 0, false },
	{ "deny", R_FLOWS, NULL, 0, 0, false },
	{ "default", R_ENUM, defaults, 0, 0, false },
	{ "scope", R_SCOPE, NULL, 0, 0, false },
	END,
};
static const struct rule_key waf_keys[] = {
	{ "upstream", R_URL, NULL, 0, 0, false },
	{ "paranoia", R_INT, NULL, 1, 4, false },
	{ "allow_paths", R_STRINGS, NULL, 0, 0, false },
	{ "mask", R_STRINGS, NULL, 0, 0, false },
	END,
};
static const struct rule_key admission_keys[] = {
	{ "deny_privileged", R_BOOL, NULL, 0, 0, false },
	{ "deny_root", R_BOOL, NULL, 0, 0, false },
	{ "deny_host_network", R_BOOL, NULL, 0, 0, false },
	{ "deny_host_pid", R_BOOL, NULL, 0, 0, false },
	{ "require_scan", R_BOOL, NULL, 0, 0, false },
	{ "max_severity", R_ENUM, sevs, 0, 0, true },
	{ "max_risk", R_INT, NULL, 0, 100, true },
	{ "scope", R_SCOPE, NULL, 0, 0, false },
	END,
};
static const struct rule_key trusted_keys[] = {
	{ "allow", R_STRINGS, NULL, 0, 0, false },
	{ "require_digest", R_BOOL, NULL, 0, 0, false },
	END,
};

static const struct {
	const char *kind;
	const struct rule_key *keys;
} kinds[] = {
	{ "vulnerability", vuln_keys }, { "compliance", comply_keys }, { "runtime", runtime_keys },
	{ "baseline", baseline_keys }, { "firewall", firewall_keys }, { "waf", waf_keys },
	{ "admission", admission_keys }, { "trusted-images", trusted_keys },
};

static bool in(const char *const *opts, const json_t *v)
{
	for (size_t i = 0; json_is_string(v) && opts[i]; i++)
		if (!strcmp(opts[i], json_string_value(v)))
			return true;
	return false;
}

static void opts_text(const char *const *opts, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; opts[i]; i++)
		snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", i ? ", " : "", opts[i]);
}

static bool string_ok(const json_t *v)
{
	return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 1024;
}

static bool strings_ok(const json_t *v)
{
	const json_t *s;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > LIMIT)
		return false;
	json_array_foreach(v, i, s)
		if (!string_ok(s))
			return false;
	return true;
}

static bool scope_ok(json_t *v, char *msg, size_t len, const char *path)
{
	const char *k;
	json_t *x;

	if (!json_is_object(v)) {
		snprintf(msg, len, "%s: an object of images, namespaces, labels", path);
		return false;
	}
	json_object_foreach(v, k, x) {
		if (strcmp(k, "images") != 0 && strcmp(k, "namespaces") != 0 &&
		    strcmp(k, "labels") != 0) {
			snprintf(msg, len, "%s.%s: not a scope (images, namespaces, labels)", path, k);
			return false;
		}
		if (!strings_ok(x)) {
			snprintf(msg, len, "%s.%s: an array of non-empty strings", path, k);
			return false;
		}
	}
	return true;
}

static bool flows_ok(const json_t *v, char *msg, size_t len, const char *path)
{
	json_t *f;
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > LIMIT) {
		snprintf(msg, len, "%s: an array of {from, to, port, proto}", path);
		return false;
	}
	json_array_foreach(v, i, f) {
		const json_t *port = json_object_get(f, "port");
		const json_t *proto = json_object_get(f, "proto");
		const char *k;
		json_t *x;

		if (!json_is_object(f) || !string_ok(json_object_get(f, "from")) ||
		    !string_ok(json_object_get(f, "to")) ||
		    (port && !json_is_null(port) && (!json_is_integer(port) ||
		     json_integer_value(port) < 0 || json_integer_value(port) > 65535)) ||
		    (proto && !in(protos, proto))) {
			snprintf(msg, len, "%s[%zu]: want {\"from\": S, \"to\": S, \"port\": 0-65535, "
				 "\"proto\": tcp|udp|any}", path, i);
			return false;
		}
		json_object_foreach(f, k, x)
			if (strcmp(k, "from") != 0 && strcmp(k, "to") != 0 &&
			    strcmp(k, "port") != 0 && strcmp(k, "proto") != 0) {
				snprintf(msg, len, "%s[%zu].%s: not a field of a flow (from, to, "
					 "port, proto)", path, i, k);
				return false;
			}
	}
	return true;
}

static bool value_ok(const struct rule_key *rk, json_t *v, char *msg, size_t len)
{
	char path[96], opts[160] = "";
	const json_t *x;
	size_t i;

	snprintf(path, sizeof(path), "rules.%s", rk->key);
	if (rk->opts)
		opts_text(rk->opts, opts, sizeof(opts));
	if (rk->nullable && json_is_null(v))
		return true;
	switch (rk->type) {
	case R_BOOL:
		if (json_is_boolean(v))
			return true;
		snprintf(msg, len, "%s: true or false", path);
		return false;
	case R_INT:
		if (json_is_integer(v) && json_integer_value(v) >= rk->min &&
		    json_integer_value(v) <= rk->max)
			return true;
		snprintf(msg, len, "%s: a whole number from %ld to %ld%s", path, rk->min, rk->max,
			 rk->nullable ? " (or null)" : "");
		return false;
	case R_ENUM:
		if (in(rk->opts, v))
			return true;
		snprintf(msg, len, "%s: one of %s", path, opts);
		return false;
	case R_ENUM_SET:
		if (json_is_array(v)) {
			bool ok = true;

			json_array_foreach(v, i, x)
				ok &= in(rk->opts, x);
			if (ok)
				return true;
		}
		snprintf(msg, len, "%s: an array of %s", path, opts);
		return false;
	case R_STRINGS:
		if (strings_ok(v))
			return true;
		snprintf(msg, len, "%s: an array of non-empty strings", path);
		return false;
	case R_STRING:
		if (string_ok(v))
			return true;
		snprintf(msg, len, "%s: a non-empty string", path);
		return false;
	case R_URL:
		if (string_ok(v) && (!strncmp(json_string_value(v), "http://", 7) ||
				     !strncmp(json_string_value(v), "https://", 8)))
			return true;
		snprintf(msg, len, "%s: an http:// or https:// URL", path);
		return false;
	case R_SCOPE:
		return scope_ok(v, msg, len, path);
	case R_FLOWS:
		return flows_ok(v, msg, len, path);
	}
	return false;
}

static bool comply_globs_ok(json_t *rules, char *msg, size_t len)
{
	const char *bench = moat_json_str(rules, "benchmark");
	static const char *const keys[] = { "checks", "disable" };
	json_t *g;
	size_t i;

	for (size_t k = 0; k < 2; k++)
		json_array_foreach(json_object_get(rules, keys[k]), i, g)
			if (!moat_policy_comply_glob_known(bench, json_string_value(g))) {
				snprintf(msg, len, "rules.%s[%zu]: '%.64s' is no check of %s (moat "
					 "comply %s --list-checks)", keys[k], i,
					 json_string_value(g), bench ? bench : "docker, k8s or node",
					 bench ? bench : "docker|k8s|node");
				return false;
			}
	return true;
}

bool console_policy_rules_check(const char *kind, json_t *rules, char *msg, size_t len)
{
	const struct rule_key *keys = NULL;
	const char *k;
	json_t *v;

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(kind, kinds[i].kind))
			keys = kinds[i].keys;
	if (!keys || !json_is_object(rules)) {
		snprintf(msg, len, "\"rules\": an object");
		return false;
	}
	json_object_foreach(rules, k, v) {
		const struct rule_key *rk = NULL;
		char known[256] = "";

		for (size_t i = 0; keys[i].key; i++) {
			if (!strcmp(keys[i].key, k))
				rk = &keys[i];
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
				 i ? ", " : "", keys[i].key);
		}
		if (!strcmp(k, "description") && string_ok(v))
			continue;
		if (!rk) {
			snprintf(msg, len, "rules.%.64s: not a rule of a %s policy (known: %s, "
				 "description)", k, kind, known);
			return false;
		}
		if (!value_ok(rk, v, msg, len))
			return false;
	}
	return strcmp(kind, "compliance") != 0 || comply_globs_ok(rules, msg, len);
}
