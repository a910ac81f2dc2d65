/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lua.h - the `lua:` hook of a runtime rule: a Lua 5.4 chunk defining
 * `function match(evt)`, run after the rule's YAML condition matched. evt is
 * a read-only object: evt["proc.name"], evt["fd.name"], ... (the field names
 * of rules.h), nil when absent; globals persist between events.
 *
 * Each hook has its own lua_State, sandboxed: only the base (without load,
 * loadfile, dofile, require, print, collectgarbage), string, table, math and
 * utf8 libraries; text chunks only (no bytecode); an instruction budget per
 * call (and for the chunk's top level) and a memory cap per state. A runtime
 * error, a blown budget or a non-boolean result counts as "no match".
 */
#ifndef MOAT_DEFEND_LUA_H
#define MOAT_DEFEND_LUA_H

#include <stddef.h>
#include <stdint.h>

struct moat_error;
struct moat_lua;
struct moat_rule_view;

#define MOAT_LUA_MAX_CHUNK (16u << 10)
#define MOAT_LUA_MAX_INSTR 100000
#define MOAT_LUA_MAX_MEM (4u << 20)

/* Compile chunk and run its top level; it must define a function match.
 * MOAT_E_FORMAT (syntax, runtime error, no match function) or MOAT_E_LIMIT,
 * with a message naming origin and rule. */
int moat_lua_open(struct moat_lua **ret, const char *chunk, size_t len, const char *origin,
		  const char *rule, struct moat_error *err);
void moat_lua_close(struct moat_lua *l);

/* match(evt) on this view: 1 true, 0 false, negative on an error (counted). */
int moat_lua_match(struct moat_lua *l, const struct moat_rule_view *v);

/* Calls that failed so far, and the last failure's message ("" if none). */
uint64_t moat_lua_errors(const struct moat_lua *l);
const char *moat_lua_last_error(const struct moat_lua *l);

#endif
