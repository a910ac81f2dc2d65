/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lua.c - sandboxed Lua 5.4 hooks of runtime rules (see lua.h).
 *
 * The event reaches Lua as a full userdata with __index/__newindex rather
 * than a table, so rawset cannot write it and nothing is allocated per
 * event: __index reads the current view's field on demand.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua.h"
#include "moat/error.h"
#include "rules.h"

struct moat_lua {
	lua_State *L;
	size_t mem;                       /* bytes the state holds */
	const struct moat_rule_view *view; /* during a call only */
	int match_ref;                    /* registry refs */
	int evt_ref;
	uint64_t errors;
	char last[256];
};

/* lua_Alloc with a cap: returning NULL makes Lua raise a memory error. */
static void *cap_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct moat_lua *l = ud;
	size_t old = ptr ? osize : 0;
	void *p;

	if (nsize == 0) {
		free(ptr);
		l->mem -= old;
		return NULL;
	}
	if (nsize > old && l->mem + (nsize - old) > MOAT_LUA_MAX_MEM)
		return NULL;
	p = realloc(ptr, nsize);
	if (p)
		l->mem = l->mem - old + nsize;
	return p;
}

static void budget_hook(lua_State *L, lua_Debug *ar)
{
	(void)ar;
	luaL_error(L, "instruction limit (%d) reached", MOAT_LUA_MAX_INSTR);
}

/* Start a fresh budget: lua_sethook resets the count. */
static void arm(struct moat_lua *l)
{
	lua_sethook(l->L, budget_hook, LUA_MASKCOUNT, MOAT_LUA_MAX_INSTR);
}

static int evt_index(lua_State *L)
{
	struct moat_lua *l = lua_touserdata(L, lua_upvalueindex(1));
	const char *key = lua_tostring(L, 2);
	int f = key ? moat_field_lookup(key) : -1;

	if (f >= 0 && l->view && l->view->f[f])
		lua_pushstring(L, l->view->f[f]);
	else
		lua_pushnil(L);
	return 1;
}

static int evt_readonly(lua_State *L)
{
	return luaL_error(L, "evt is read-only");
}

/* The libraries a hook may use, then the base functions that reach outside. */
static void sandbox(lua_State *L)
{
	static const luaL_Reg libs[] = {
		{ LUA_GNAME, luaopen_base }, { LUA_STRLIBNAME, luaopen_string },
		{ LUA_TABLIBNAME, luaopen_table }, { LUA_MATHLIBNAME, luaopen_math },
		{ LUA_UTF8LIBNAME, luaopen_utf8 },
	};
	static const char *const banned[] = { "dofile", "loadfile", "load", "require", "print",
					      "collectgarbage" };

	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		luaL_requiref(L, libs[i].name, libs[i].func, 1);
		lua_pop(L, 1);
	}
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++) {
		lua_pushnil(L);
		lua_setglobal(L, banned[i]);
	}
}

/* Protected part of the setup: libraries, the evt object, the chunk's top level. */
static int setup(lua_State *L)
{
	struct moat_lua *l = lua_touserdata(L, 1);

	sandbox(L);
	lua_newuserdatauv(L, 0, 0);
	lua_createtable(L, 0, 3);
	lua_pushlightuserdata(L, l);
	lua_pushcclosure(L, evt_index, 1);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, evt_readonly);
	lua_setfield(L, -2, "__newindex");
	lua_pushboolean(L, 0);
	lua_setfield(L, -2, "__metatable");
	lua_setmetatable(L, -2);
	l->evt_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	lua_pushvalue(L, 2);            /* the compiled chunk */
	lua_call(L, 0, 0);
	if (lua_getglobal(L, "match") != LUA_TFUNCTION)
		return luaL_error(L, "the chunk defines no function match(evt)");
	l->match_ref = luaL_ref(L, LUA_REGISTRYINDEX);
	return 0;
}

int moat_lua_open(struct moat_lua **ret, const char *chunk, size_t len, const char *origin,
		  const char *rule, struct moat_error *err)
{
	struct moat_lua *l;
	char name[160];
	int r;

	if (len > MOAT_LUA_MAX_CHUNK)
		return moat_error_set(err, MOAT_E_LIMIT, "%s: rule %s: lua: over %u bytes", origin,
				      rule, MOAT_LUA_MAX_CHUNK);
	l = calloc(1, sizeof(*l));
	if (l)
		l->L = lua_newstate(cap_alloc, l);
	if (!l || !l->L) {
		free(l);
		return moat_error_set(err, -ENOMEM, "%s: rule %s: lua: out of memory", origin, rule);
	}
	l->match_ref = LUA_NOREF;
	l->evt_ref = LUA_NOREF;
	snprintf(name, sizeof(name), "=%s:%s", origin, rule);
	arm(l);
	lua_pushcfunction(l->L, setup);
	lua_pushlightuserdata(l->L, l);
	r = luaL_loadbufferx(l->L, chunk, len, name, "t");
	if (r == LUA_OK)
		r = lua_pcall(l->L, 2, 0, 0);
	if (r != LUA_OK) {
		moat_error_set(err, r == LUA_ERRMEM ? MOAT_E_LIMIT : MOAT_E_FORMAT,
			       "%s: rule %s: lua: %s", origin, rule,
			       lua_isstring(l->L, -1) ? lua_tostring(l->L, -1) : "error");
		moat_lua_close(l);
		return r == LUA_ERRMEM ? MOAT_E_LIMIT : MOAT_E_FORMAT;
	}
	*ret = l;
	return 0;
}

void moat_lua_close(struct moat_lua *l)
{
	if (!l)
		return;
	if (l->L)
		lua_close(l->L);
	free(l);
}

static int failed(struct moat_lua *l, const char *why)
{
	l->errors++;
	snprintf(l->last, sizeof(l->last), "%s", why ? why : "error");
	return MOAT_E_FORMAT;
}

int moat_lua_match(struct moat_lua *l, const struct moat_rule_view *v)
{
	lua_State *L = l->L;
	int r;

	lua_settop(L, 0);
	lua_rawgeti(L, LUA_REGISTRYINDEX, l->match_ref);
	lua_rawgeti(L, LUA_REGISTRYINDEX, l->evt_ref);
	l->view = v;
	arm(l);
	r = lua_pcall(L, 1, 1, 0);
	l->view = NULL;
	if (r != LUA_OK)
		r = failed(l, lua_tostring(L, -1));
	else if (!lua_isboolean(L, -1))
		r = failed(l, "match(evt) returned no boolean");
	else
		r = lua_toboolean(L, -1);
	lua_settop(L, 0);
	return r;
}

uint64_t moat_lua_errors(const struct moat_lua *l)
{
	return l->errors;
}

const char *moat_lua_last_error(const struct moat_lua *l)
{
	return l->last;
}
