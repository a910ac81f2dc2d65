/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rules-int.h - the parsed form of rules, shared by rules.c (parse,
 * evaluate) and rules-kernel.c (what the kernel side is given).
 */
#ifndef MOAT_DEFEND_RULES_INT_H
#define MOAT_DEFEND_RULES_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

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

#endif
