/* Keyset cursors (core/cursor.c): opaque, tagged, bound to their list. */
#include <check.h>
#include <string.h>

#include "arena.h"
#include "crypto.h"
#include "cursor.h"
#include "suites.h"

static const char secret[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char id[] = "123e4567-e89b-12d3-a456-426614174000";

START_TEST(test_round_trip)
{
	struct arena *a = arena_new(0);
	struct cursor_key k;
	const char *key, *got_id;
	char *c;

	ck_assert_int_eq(cursor_key_init(&k, secret, NULL), 0);
	c = cursor_encode(a, &k, "pages:c1", "acme status", id);
	ck_assert_ptr_nonnull(c);
	/* Opaque: neither the sort key nor the id shows in clear. */
	ck_assert_ptr_null(strstr(c, "acme"));
	ck_assert_ptr_null(strstr(c, id));
	ck_assert_int_eq(cursor_decode(a, &k, "pages:c1", c, &key, &got_id), 0);
	ck_assert_str_eq(key, "acme status");
	ck_assert_str_eq(got_id, id);
	arena_free(a);
}
END_TEST

START_TEST(test_refused)
{
	struct arena *a = arena_new(0);
	struct cursor_key k, other;
	const char *key, *got_id;
	char *c, *forged;
	size_t dot;

	cursor_key_init(&k, secret, NULL);
	cursor_key_init(&other, "another passphrase", NULL);
	c = cursor_encode(a, &k, "pages:c1", "42", id);
	/* Another list, another cloud, another key. */
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c2", c, &key, &got_id), -1);
	ck_assert_int_eq(
	    cursor_decode(a, &k, "components:c1", c, &key, &got_id), -1);
	ck_assert_int_eq(
	    cursor_decode(a, &other, "pages:c1", c, &key, &got_id), -1);
	/* A changed payload keeps its old tag: refused. */
	forged = arena_strdup(a, c);
	forged[0] = forged[0] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c1", forged, &key, &got_id), -1);
	/* Truncated, no tag, garbage, empty. */
	dot = strcspn(c, ".");
	forged = arena_strndup(a, c, dot + 3);
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c1", forged, &key, &got_id), -1);
	forged = arena_strndup(a, c, dot);
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c1", forged, &key, &got_id), -1);
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c1", "%%%.$$$", &key, &got_id), -1);
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c1", "", &key, &got_id), -1);
	arena_free(a);
}
END_TEST

START_TEST(test_rotation)
{
	struct arena *a = arena_new(0);
	struct cursor_key old, rotated, unrelated;
	const char *key, *got_id;
	char *c;

	cursor_key_init(&old, "the old secret", NULL);
	cursor_key_init(&rotated, secret, "the old secret");
	cursor_key_init(&unrelated, secret, NULL);
	c = cursor_encode(a, &old, "pages:c1", "k", id);
	/* Cursors handed out before the rotation still work... */
	ck_assert_int_eq(
	    cursor_decode(a, &rotated, "pages:c1", c, &key, &got_id), 0);
	ck_assert_str_eq(got_id, id);
	/* ...but not once the old secret is dropped. */
	ck_assert_int_eq(
	    cursor_decode(a, &unrelated, "pages:c1", c, &key, &got_id), -1);
	/* New cursors use the new key. */
	c = cursor_encode(a, &rotated, "pages:c1", "k", id);
	ck_assert_int_eq(
	    cursor_decode(a, &unrelated, "pages:c1", c, &key, &got_id), 0);
	arena_free(a);
}
END_TEST

/* A payload over the tagging limit with an all-zero tag was once accepted
 * under any key (found by fuzz_query). */
START_TEST(test_oversized_payload_refused)
{
	struct arena *a = arena_new(0);
	struct cursor_key k;
	unsigned char payload[2200];
	const char *key, *got_id;
	char *c;
	size_t n;

	cursor_key_init(&k, secret, NULL);
	memset(payload, 'x', sizeof(payload));
	memcpy(payload, "7\0", 2);
	memcpy(payload + 2, id, sizeof(id));
	c = arena_alloc(a, base64url_len(sizeof(payload)) + 32);
	n = base64url_encode(payload, sizeof(payload), c);
	strcpy(c + n, ".AAAAAAAAAAAAAAAAAAAAAA");
	ck_assert_int_eq(
	    cursor_decode(a, &k, "pages:c1", c, &key, &got_id), -1);
	/* Nor is such a cursor ever made. */
	ck_assert_ptr_null(cursor_encode(a, &k, "pages:c1",
	    arena_strndup(a, (const char *)payload + 40, 2100), id));
	arena_free(a);
}
END_TEST

START_TEST(test_random_key_without_secret)
{
	struct cursor_key a, b;

	ck_assert_int_eq(cursor_key_init(&a, "", NULL), 0);
	ck_assert_int_eq(cursor_key_init(&b, NULL, NULL), 0);
	ck_assert_uint_eq(a.len, 32);
	ck_assert_int_ne(memcmp(a.bytes, b.bytes, 32), 0);
}
END_TEST

Suite *
cursor_suite(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("cursor");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_oversized_payload_refused);
	tcase_add_test(tc, test_random_key_without_secret);
	suite_add_tcase(s, tc);
	return s;
}
