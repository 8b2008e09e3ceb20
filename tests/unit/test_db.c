/*
 * db/ without a server: the statement tables (every enum constant has SQL
 * and a name of its own) and the array literals db builds from C arrays;
 * core/api_token.c, the tokens statusctl hands out.
 */
#include <check.h>
#include <string.h>

#include "api_token.h"
#include "arena.h"
#include "db/db_internal.h"
#include "suites.h"

START_TEST(test_statement_tables_complete)
{
	char err[256] = "";

	ck_assert_msg(db_statements_check(err, sizeof(err)) == 0, "%s", err);
}
END_TEST

START_TEST(test_array_literal_quotes)
{
	static const char *const items[] = { "plain", "a,b", "q\"uote",
		"back\\slash", "{brace}", "", "NULL" };
	struct arena *a = arena_new(1024);
	const char *lit;

	ck_assert_ptr_nonnull(a);
	lit = db_array_literal(a, items, sizeof(items) / sizeof(items[0]));
	ck_assert_str_eq(lit,
	    "{\"plain\",\"a,b\",\"q\\\"uote\",\"back\\\\slash\","
	    "\"{brace}\",\"\",\"NULL\"}");
	ck_assert_str_eq(db_array_literal(a, NULL, 0), "{}");
	arena_free(a);
}
END_TEST

START_TEST(test_api_token_shape)
{
	char token[API_TOKEN_LEN + 1], other[API_TOKEN_LEN + 1];
	unsigned char digest[SHA256_LEN], expect[SHA256_LEN];

	ck_assert_int_eq(api_token_new(token, sizeof(token), digest), 0);
	ck_assert_uint_eq(strlen(token), API_TOKEN_LEN);
	ck_assert(api_token_shaped(token, strlen(token)));
	ck_assert(!api_token_shaped(token, strlen(token) - 1));
	crypto_sha256(token, strlen(token), expect);
	ck_assert(memcmp(digest, expect, SHA256_LEN) == 0);
	ck_assert_int_eq(api_token_new(other, sizeof(other), digest), 0);
	ck_assert_str_ne(token, other);
	ck_assert_int_eq(api_token_new(other, API_TOKEN_LEN, digest), -1);
	token[0] = 'x';
	ck_assert(!api_token_shaped(token, strlen(token)));
}
END_TEST

Suite *
db_suite(void)
{
	Suite *s = suite_create("db");
	TCase *tc = tcase_create("db");

	tcase_add_test(tc, test_statement_tables_complete);
	tcase_add_test(tc, test_array_literal_quotes);
	tcase_add_test(tc, test_api_token_shape);
	suite_add_tcase(s, tc);
	return s;
}
