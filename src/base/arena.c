/* SPDX-License-Identifier: Apache-2.0 */
/* arena.c - bump allocator over a list of blocks; big requests get their own block. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

#define BLOCK_BYTES ((size_t)64 * 1024)
#define BIG_BYTES (BLOCK_BYTES / 4)
#define ALIGN 16u

struct block {
	struct block *next;
	size_t used;
	size_t size;
	size_t pad; /* keeps data 16-aligned */
	_Alignas(16) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *arg);
	void *arg;
};

struct moat_arena {
	struct block *blocks; /* first one is the current small-allocation block */
	struct cleanup *cleanups;
	uint64_t cap;
	uint64_t used;
};

struct moat_arena *moat_arena_open(uint64_t cap_bytes)
{
	struct moat_arena *arena = calloc(1, sizeof(*arena));

	if (!arena)
		return NULL;
	arena->cap = cap_bytes ? cap_bytes : UINT64_MAX;
	return arena;
}

void moat_arena_close(struct moat_arena *arena)
{
	if (!arena)
		return;
	while (arena->cleanups) {
		struct cleanup *c = arena->cleanups;

		arena->cleanups = c->next;
		c->fn(c->arg); /* the cleanup record itself lives in a block */
	}
	while (arena->blocks) {
		struct block *b = arena->blocks;

		arena->blocks = b->next;
		free(b);
	}
	free(arena);
}

static struct block *block_new(size_t size)
{
	struct block *b = malloc(sizeof(*b) + size);

	if (!b)
		return NULL;
	b->next = NULL;
	b->used = 0;
	b->size = size;
	return b;
}

void *moat_arena_alloc(struct moat_arena *arena, size_t size)
{
	struct block *b;
	size_t rounded;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ALIGN)
		return NULL;
	rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (arena->used > arena->cap || rounded > arena->cap - arena->used)
		return NULL;
	if (rounded >= BIG_BYTES) {
		/* Own block, linked behind the current one so small allocations keep going. */
		b = block_new(rounded);
		if (!b)
			return NULL;
		b->used = rounded;
		if (arena->blocks) {
			b->next = arena->blocks->next;
			arena->blocks->next = b;
		} else {
			arena->blocks = b;
		}
		arena->used += rounded;
		return b->data;
	}
	b = arena->blocks;
	if (!b || b->size - b->used < rounded) {
		b = block_new(BLOCK_BYTES);
		if (!b)
			return NULL;
		b->next = arena->blocks;
		arena->blocks = b;
	}
	arena->used += rounded;
	b->used += rounded;
	return b->data + b->used - rounded;
}

void *moat_arena_zalloc(struct moat_arena *arena, size_t size)
{
	void *p = moat_arena_alloc(arena, size);

	if (p)
		memset(p, 0, size);
	return p;
}

void *moat_arena_calloc(struct moat_arena *arena, size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return moat_arena_zalloc(arena, n * size);
}

void *moat_arena_memdup(struct moat_arena *arena, const void *ptr, size_t len)
{
	void *p = moat_arena_alloc(arena, len);

	if (p && len)
		memcpy(p, ptr, len);
	return p;
}

char *moat_arena_strndup(struct moat_arena *arena, const char *str, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = moat_arena_alloc(arena, len + 1);
	if (!p)
		return NULL;
	if (len)
		memcpy(p, str, len);
	p[len] = '\0';
	return p;
}

char *moat_arena_strdup(struct moat_arena *arena, const char *str)
{
	return str ? moat_arena_strndup(arena, str, strlen(str)) : NULL;
}

char *moat_arena_printf(struct moat_arena *arena, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = moat_arena_alloc(arena, (size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void *moat_arena_grow(struct moat_arena *arena, void *old, size_t old_n, size_t new_n,
		      size_t elem_size)
{
	void *p;

	if (new_n < old_n)
		return NULL;
	p = moat_arena_calloc(arena, new_n, elem_size);
	if (p && old_n)
		memcpy(p, old, old_n * elem_size);
	return p;
}

int moat_arena_on_close(struct moat_arena *arena, void (*fn)(void *arg), void *arg)
{
	struct cleanup *c;
	uint64_t saved_cap = arena->cap;

	/* Cleanups must register even when the cap is hit, or resources leak. */
	arena->cap = UINT64_MAX;
	c = moat_arena_alloc(arena, sizeof(*c));
	arena->cap = saved_cap;
	if (!c)
		return -ENOMEM;
	c->fn = fn;
	c->arg = arg;
	c->next = arena->cleanups;
	arena->cleanups = c;
	return 0;
}

uint64_t moat_arena_used(const struct moat_arena *arena)
{
	return arena->used;
}
