/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-kernel.c - what the kernel side of the sensor is given from a rule
 * set: the path-prefix filter, the executables to kill at exec, whether
 * drift kills; and which fields the defender must fill in.
 */
#include <stdlib.h>
#include <string.h>

#include <linux/types.h>

#include "events.h"
#include "rules-int.h"
#include "rules.h"

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
	if (c->field != MOAT_F_FD_NAME && c->field != MOAT_F_FD_NAME2 && c->field != MOAT_F_FD_OPENED)
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

bool moat_rules_use_field(const struct moat_ruleset *rs, enum moat_field field)
{
	for (size_t i = 0; i < rs->n; i++)
		if (uses_field(rs->rules[i].when, (int)field))
			return true;
	return false;
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
		/* the kernel's deny list knows no containers: scoped rules kill from user space */
		if (rs->rules[i].scope != MOAT_SCOPE_BOTH)
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
