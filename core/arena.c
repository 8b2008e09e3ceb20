#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN 16

struct block {
	struct block *next;
	size_t size;
	size_t used;
	/* Block headers are 24 bytes: without this, data and every pointer
	 * handed out would sit 8 bytes off ARENA_ALIGN. */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup *next;
	void (*fn)(void *);
	void *data;
};

struct arena {
	struct block *head; /* current block; the first block is last */
	struct block *first;
	struct cleanup *cleanups;
	size_t handed_out;
};

static int (*fault_hook)(void);
static int memory_failed; /* since the last arena_reset */

void
arena_set_fault_hook(int (*fail)(void))
{
	fault_hook = fail;
}

int
arena_memory_failed(void)
{
	return memory_failed;
}

/* 1 (and remembered) when an allocation is to fail by injection. */
static int
injected_failure(void)
{
	if (fault_hook == NULL || !fault_hook())
		return 0;
	memory_failed = 1;
	return 1;
}

void *
arena_json_malloc(size_t size)
{
	void *p = injected_failure() ? NULL : malloc(size);

	if (p == NULL)
		memory_failed = 1;
	return p;
}

static struct block *
block_new(size_t size)
{
	struct block *b;

	if (size > SIZE_MAX - sizeof(*b))
		return NULL;
	b = malloc(sizeof(*b) + size);
	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

struct arena *
arena_new(size_t first_block)
{
	struct arena *a;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->first = block_new(first_block ? first_block : 8192);
	if (a->first == NULL) {
		free(a);
		return NULL;
	}
	a->head = a->first;
	return a;
}

static void
run_cleanups(struct arena *a)
{
	struct cleanup *c;

	/* Cleanups live in the arena's own blocks, freed only after this. */
	for (c = a->cleanups; c != NULL; c = c->next)
		c->fn(c->data);
	a->cleanups = NULL;
}

void
arena_reset(struct arena *a)
{
	struct block *b, *next;

	if (a == NULL)
		return;
	run_cleanups(a);
	for (b = a->head; b != a->first; b = next) {
		next = b->next;
		free(b);
	}
	a->head = a->first;
	a->first->used = 0;
	a->handed_out = 0;
	memory_failed = 0;
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_reset(a);
	free(a->first);
	free(a);
}

void *
arena_alloc(struct arena *a, size_t size)
{
	struct block *b;
	size_t need, off;

	if (injected_failure())
		return NULL;
	if (size == 0)
		size = 1;
	if (size > SIZE_MAX / 2)
		return NULL;
	need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	off = (a->head->used + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (off > a->head->size || need > a->head->size - off) {
		/* Large requests get a block of their own size so one big body
		 * does not make every later block big. */
		b = block_new(need > a->first->size ? need : a->first->size);
		if (b == NULL) {
			memory_failed = 1;
			return NULL;
		}
		b->next = a->head;
		a->head = b;
		off = 0;
	}
	a->head->used = off + need;
	a->handed_out += size;
	return a->head->data + off;
}

void *
arena_zalloc(struct arena *a, size_t size)
{
	void *p = arena_alloc(a, size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

int
arena_on_free(struct arena *a, void (*fn)(void *), void *data)
{
	struct cleanup *c = arena_alloc(a, sizeof(*c));

	if (c == NULL) {
		fn(data);
		return -1;
	}
	c->fn = fn;
	c->data = data;
	c->next = a->cleanups;
	a->cleanups = c;
	return 0;
}

size_t
arena_used(const struct arena *a)
{
	return a->handed_out;
}
