/*
 * Request arena: every allocation a request makes lives here and is released
 * once, on every path, when the request ends (the shape of nginx's pools).
 * Handlers allocate and never free; values owned by other libraries (libpq
 * results, jansson values) are handed over with arena_on_free().
 */
#ifndef STATUSD_ARENA_H
#define STATUSD_ARENA_H

#include <stddef.h>

struct arena;

/* New arena; NULL when out of memory. */
struct arena *arena_new(size_t first_block);
/* Releases every block and runs cleanups in reverse order of registration. */
void arena_free(struct arena *a);
/* Drops everything but the first block so a worker can reuse the arena. */
void arena_reset(struct arena *a);

/* Borrowed from the arena: valid until arena_reset/arena_free. NULL on OOM. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_zalloc(struct arena *a, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Runs fn(data) when the arena is reset or freed. Returns -1 on OOM, in which
 * case fn(data) has already been called so nothing leaks. */
int arena_on_free(struct arena *a, void (*fn)(void *), void *data);

/*
 * Running out of memory, request-wide. Every failed allocation of the
 * arena, and of jansson once arena_json_malloc is its allocator
 * (json_set_alloc_funcs), is remembered until the next arena_reset:
 * jansson cannot always report its own failures (its parser and dumper
 * may drop a byte instead), so after one nothing the request computed can
 * be trusted, and db/ refuses to run or commit anything more.
 */
int arena_memory_failed(void);
/* malloc for jansson that remembers a failure (and obeys the fault hook). */
void *arena_json_malloc(size_t size);

/* Fault injection for tests (tests/chaos): while fail is set, every
 * allocation above asks it first and fails, as if memory had run out,
 * when it answers nonzero. NULL, the default, turns it off. */
void arena_set_fault_hook(int (*fail)(void));

/* Bytes handed out since the last reset (for tests and the bench). */
size_t arena_used(const struct arena *a);

#endif
