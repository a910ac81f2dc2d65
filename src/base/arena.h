/* SPDX-License-Identifier: Apache-2.0 */
/*
 * arena.h - per-scan (or per-request) memory with a byte cap.
 *
 * Everything tied to one scan comes from one arena and is freed together by
 * moat_arena_close(); there is no per-object free. Hitting the cap makes the
 * allocators return NULL, which callers turn into MOAT_E_LIMIT, never an OOM
 * kill. Cleanup callbacks release fds and handles at close, newest first.
 */
#ifndef MOAT_ARENA_H
#define MOAT_ARENA_H

#include <stddef.h>
#include <stdint.h>

struct moat_arena;

/* New arena that hands out at most cap_bytes (0 = no cap). NULL on ENOMEM. */
struct moat_arena *moat_arena_open(uint64_t cap_bytes);
/* Run cleanups, free all memory. NULL is a no-op. */
void moat_arena_close(struct moat_arena *arena);

/* 16-byte aligned memory, or NULL when the cap is hit or memory is short. */
void *moat_arena_alloc(struct moat_arena *arena, size_t size);
void *moat_arena_zalloc(struct moat_arena *arena, size_t size);
/* n * size with overflow check, zeroed. */
void *moat_arena_calloc(struct moat_arena *arena, size_t n, size_t size);
void *moat_arena_memdup(struct moat_arena *arena, const void *ptr, size_t len);
/* Copy len bytes and add a NUL. */
char *moat_arena_strndup(struct moat_arena *arena, const char *str, size_t len);
char *moat_arena_strdup(struct moat_arena *arena, const char *str);
char *moat_arena_printf(struct moat_arena *arena, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Grow an arena array: returns a new copy of old_n elements with room for new_n. */
void *moat_arena_grow(struct moat_arena *arena, void *old, size_t old_n, size_t new_n,
		      size_t elem_size);

/* Register fn(arg) to run at close. Returns 0 or -ENOMEM. */
int moat_arena_on_close(struct moat_arena *arena, void (*fn)(void *arg), void *arg);

/* Bytes handed out so far (for limits and stats). */
uint64_t moat_arena_used(const struct moat_arena *arena);

#define moat_arena_new0(arena, type) ((type *)moat_arena_zalloc((arena), sizeof(type)))
#define moat_arena_newarray(arena, type, n) \
	((type *)moat_arena_calloc((arena), (n), sizeof(type)))

#endif
