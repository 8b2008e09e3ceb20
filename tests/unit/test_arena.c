/*
 * core/arena.c: alignment, large allocations, cleanups (reverse order, run
 * once on reset and on free), reuse after reset. Under AddressSanitizer the
 * memset of every allocation also proves each one is really that big.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "suites.h"

#define ALIGN 16

/* arena.c promises ARENA_ALIGN (16) for every pointer it hands out, which is
 * what max_align_t (long double, SSE types) needs. */
START_TEST(test_alignment)
{
	struct arena *a = arena_new(256);
	size_t sizes[] = { 1, 3, 7, 15, 16, 17, 31, 33, 100, 255, 1 };
	size_t i;
	void *p;

	ck_assert_ptr_nonnull(a);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p = arena_alloc(a, sizes[i]);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq((uintptr_t)p % ALIGN, 0);
		memset(p, 0xa5, sizes[i]);
	}
	/* A long double and a pointer both fit the alignment. */
	ck_assert_uint_ge(ALIGN, _Alignof(long double));
	ck_assert_uint_ge(ALIGN, _Alignof(max_align_t));
	arena_free(a);
}
END_TEST

START_TEST(test_distinct_and_disjoint)
{
	struct arena *a = arena_new(128);
	unsigned char *p[64];
	size_t i, j;

	ck_assert_ptr_nonnull(a);
	for (i = 0; i < 64; i++) {
		p[i] = arena_alloc(a, 24);
		ck_assert_ptr_nonnull(p[i]);
		memset(p[i], (int)i, 24);
	}
	/* No allocation overwrote another one. */
	for (i = 0; i < 64; i++)
		for (j = 0; j < 24; j++)
			ck_assert_uint_eq(p[i][j], i);
	arena_free(a);
}
END_TEST

START_TEST(test_zero_size)
{
	struct arena *a = arena_new(64);
	void *p, *q;

	ck_assert_ptr_nonnull(a);
	p = arena_alloc(a, 0);
	q = arena_alloc(a, 0);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_ne(p, q);
	arena_free(a);
}
END_TEST

START_TEST(test_big_allocation)
{
	struct arena *a = arena_new(1024);
	unsigned char *small1, *big, *small2;
	size_t big_size = 1 << 20;

	ck_assert_ptr_nonnull(a);
	small1 = arena_alloc(a, 100);
	ck_assert_ptr_nonnull(small1);
	memset(small1, 1, 100);
	big = arena_alloc(a, big_size);
	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq((uintptr_t)big % sizeof(void *), 0);
	memset(big, 2, big_size);
	small2 = arena_alloc(a, 100);
	ck_assert_ptr_nonnull(small2);
	memset(small2, 3, 100);
	ck_assert_uint_eq(small1[99], 1);
	ck_assert_uint_eq(big[0], 2);
	ck_assert_uint_eq(big[big_size - 1], 2);
	ck_assert_uint_ge(arena_used(a), big_size + 200);
	arena_free(a);
}
END_TEST

START_TEST(test_exact_block_fill)
{
	/* Exactly the block size, then one more byte: a new block. */
	struct arena *a = arena_new(64);
	unsigned char *p, *q;

	ck_assert_ptr_nonnull(a);
	p = arena_alloc(a, 64);
	ck_assert_ptr_nonnull(p);
	memset(p, 7, 64);
	q = arena_alloc(a, 1);
	ck_assert_ptr_nonnull(q);
	*q = 9;
	ck_assert_uint_eq(p[63], 7);
	arena_free(a);
}
END_TEST

START_TEST(test_impossible_size)
{
	struct arena *a = arena_new(64);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_null(arena_alloc(a, SIZE_MAX));
	ck_assert_ptr_null(arena_alloc(a, SIZE_MAX - 8));
	ck_assert_ptr_null(arena_alloc(a, SIZE_MAX / 2 + 1));
	/* Still usable afterwards. */
	ck_assert_ptr_nonnull(arena_alloc(a, 10));
	arena_free(a);
}
END_TEST

START_TEST(test_zalloc_and_strings)
{
	struct arena *a = arena_new(32);
	unsigned char *z;
	char *s;
	size_t i;

	ck_assert_ptr_nonnull(a);
	/* Dirty the first block, reset, then zalloc must still be zero. */
	memset(arena_alloc(a, 32), 0xff, 32);
	arena_reset(a);
	z = arena_zalloc(a, 200);
	ck_assert_ptr_nonnull(z);
	for (i = 0; i < 200; i++)
		ck_assert_uint_eq(z[i], 0);

	s = arena_strdup(a, "hello");
	ck_assert_str_eq(s, "hello");
	s = arena_strndup(a, "hello world", 5);
	ck_assert_str_eq(s, "hello");
	s = arena_strndup(a, "", 0);
	ck_assert_str_eq(s, "");
	s = arena_printf(a, "%s-%d-%05.1f", "x", 42, 3.14159);
	ck_assert_str_eq(s, "x-42-003.1");
	/* Longer than the block: printf measures first. */
	s = arena_printf(a, "%0500d", 7);
	ck_assert_uint_eq(strlen(s), 500);
	ck_assert_int_eq(s[499], '7');
	arena_free(a);
}
END_TEST

/* Cleanup bookkeeping shared by the cleanup tests. */
static int order[16];
static int norder;

static void
record(void *data)
{
	order[norder++] = *(int *)data;
}

START_TEST(test_cleanups_reverse_on_free)
{
	static int ids[] = { 1, 2, 3, 4, 5 };
	struct arena *a = arena_new(64);
	size_t i;

	ck_assert_ptr_nonnull(a);
	norder = 0;
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(arena_on_free(a, record, &ids[i]), 0);
		/* Interleave allocations so cleanups span several blocks. */
		ck_assert_ptr_nonnull(arena_alloc(a, 50));
	}
	ck_assert_int_eq(norder, 0);
	arena_free(a);
	ck_assert_int_eq(norder, 5);
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(order[i], 5 - (int)i);
}
END_TEST

START_TEST(test_cleanups_reverse_on_reset_once)
{
	static int ids[] = { 10, 20, 30 };
	struct arena *a = arena_new(64);

	ck_assert_ptr_nonnull(a);
	norder = 0;
	arena_on_free(a, record, &ids[0]);
	arena_on_free(a, record, &ids[1]);
	arena_on_free(a, record, &ids[2]);
	arena_reset(a);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[0], 30);
	ck_assert_int_eq(order[1], 20);
	ck_assert_int_eq(order[2], 10);
	/* A second reset and the final free run nothing again. */
	arena_reset(a);
	ck_assert_int_eq(norder, 3);
	/* New cleanups after a reset run at free, alone. */
	arena_on_free(a, record, &ids[1]);
	arena_free(a);
	ck_assert_int_eq(norder, 4);
	ck_assert_int_eq(order[3], 20);
}
END_TEST

/* A cleanup may still read arena memory: blocks are freed after it. */
static int seen_value;

static void
read_arena_value(void *data)
{
	seen_value = *(int *)data;
}

START_TEST(test_cleanup_sees_arena_memory)
{
	struct arena *a = arena_new(64);
	int *v;
	size_t i;

	ck_assert_ptr_nonnull(a);
	v = arena_alloc(a, sizeof(*v));
	*v = 1234;
	seen_value = 0;
	arena_on_free(a, read_arena_value, v);
	for (i = 0; i < 10; i++) /* more blocks after the value */
		ck_assert_ptr_nonnull(arena_alloc(a, 60));
	arena_free(a);
	ck_assert_int_eq(seen_value, 1234);
}
END_TEST

START_TEST(test_reuse_after_reset)
{
	struct arena *a = arena_new(128);
	void *first, *again;
	unsigned char *p;
	int round;
	size_t i;

	ck_assert_ptr_nonnull(a);
	first = arena_alloc(a, 16);
	ck_assert_uint_eq(arena_used(a), 16);
	for (round = 0; round < 50; round++) {
		/* Spill into several extra blocks, then reset. */
		for (i = 0; i < 20; i++) {
			p = arena_alloc(a, 100);
			ck_assert_ptr_nonnull(p);
			memset(p, round, 100);
		}
		ck_assert_uint_gt(arena_used(a), 2000);
		arena_reset(a);
		ck_assert_uint_eq(arena_used(a), 0);
		/* The first block is kept and handed out from the start. */
		again = arena_alloc(a, 16);
		ck_assert_ptr_eq(again, first);
		memset(again, 0, 16);
	}
	arena_free(a);
}
END_TEST

START_TEST(test_null_safe)
{
	arena_reset(NULL);
	arena_free(NULL);
	/* A zero first block means the default. */
	struct arena *a = arena_new(0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(arena_alloc(a, 4096));
	arena_free(a);
}
END_TEST

Suite *
arena_suite(void)
{
	Suite *s = suite_create("arena");
	TCase *tc = tcase_create("arena");

	tcase_add_test(tc, test_distinct_and_disjoint);
	tcase_add_test(tc, test_zero_size);
	tcase_add_test(tc, test_big_allocation);
	tcase_add_test(tc, test_exact_block_fill);
	tcase_add_test(tc, test_impossible_size);
	tcase_add_test(tc, test_zalloc_and_strings);
	tcase_add_test(tc, test_cleanups_reverse_on_free);
	tcase_add_test(tc, test_cleanups_reverse_on_reset_once);
	tcase_add_test(tc, test_cleanup_sees_arena_memory);
	tcase_add_test(tc, test_reuse_after_reset);
	tcase_add_test(tc, test_null_safe);
	suite_add_tcase(s, tc);

	/* Defects fixed since: kept as regression tests. */
	tc = tcase_create("arena_regressions");
	tcase_add_test(tc, test_alignment);
	suite_add_tcase(s, tc);
	return s;
}
