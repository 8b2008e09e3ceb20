/*
 * core/crypto.c encodings and ids, core/text.c UTF-8, core/scope.c lists,
 * core/config.c settings and files, core/status.c mapping.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "scope.h"
#include "status.h"
#include "page_state.h"
#include "suites.h"
#include "text.h"

/* --- base64url ----------------------------------------------------------- */

START_TEST(test_base64url_vectors)
{
	/* RFC 4648 section 10 vectors, without padding. */
	static const struct {
		const char *plain, *enc;
	} v[] = {
		{ "", "" },
		{ "f", "Zg" },
		{ "fo", "Zm8" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg" },
		{ "fooba", "Zm9vYmE" },
		{ "foobar", "Zm9vYmFy" },
	};
	char enc[32];
	unsigned char dec[32];
	size_t i, n;
	long got;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].plain);
		ck_assert_uint_eq(base64url_len(n), strlen(v[i].enc));
		ck_assert_uint_eq(
		    base64url_encode((const unsigned char *)v[i].plain, n, enc),
		    strlen(v[i].enc));
		ck_assert_str_eq(enc, v[i].enc);
		got = base64url_decode(
		    v[i].enc, strlen(v[i].enc), dec, sizeof(dec));
		ck_assert_int_eq(got, (long)n);
		ck_assert(memcmp(dec, v[i].plain, n) == 0);
	}
}
END_TEST

START_TEST(test_base64url_url_alphabet)
{
	/* 0xfb 0xff: '+' and '/' in standard base64, '-' and '_' here. */
	static const unsigned char bytes[] = { 0xfb, 0xff, 0xbf };
	unsigned char dec[8];
	char enc[8];

	base64url_encode(bytes, 3, enc);
	ck_assert_str_eq(enc, "-_-_");
	ck_assert_int_eq(base64url_decode("-_-_", 4, dec, sizeof(dec)), 3);
	ck_assert(memcmp(dec, bytes, 3) == 0);
	/* The standard alphabet's characters are refused. */
	ck_assert_int_eq(base64url_decode("+/+/", 4, dec, sizeof(dec)), -1);
}
END_TEST

START_TEST(test_base64url_round_trip_all_lengths)
{
	unsigned char src[300], dec[300];
	char enc[500];
	size_t n, i, len;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (unsigned char)(i * 37 + 11);
	for (n = 0; n <= sizeof(src); n++) {
		len = base64url_encode(src, n, enc);
		ck_assert_uint_eq(len, base64url_len(n));
		ck_assert_uint_eq(strspn(enc,
		                      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn"
		                      "opqrstuvwxyz0123456789-_"),
		    len);
		ck_assert_int_eq(base64url_decode(enc, len, dec, n), (long)n);
		ck_assert(memcmp(src, dec, n) == 0);
	}
}
END_TEST

START_TEST(test_base64url_strict)
{
	unsigned char dec[16];

	/* Padding, whitespace, and other non-alphabet bytes. */
	ck_assert_int_eq(base64url_decode("Zg==", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zg=", 3, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm9v\n", 5, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode(" Zm9v", 5, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm.v", 4, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm\xc3\xa9", 4, dec, 16), -1);
	/* An embedded NUL inside the given length. */
	ck_assert_int_eq(base64url_decode("Zm\0v", 4, dec, sizeof(dec)), -1);
	/* A length that no encoding has (4k + 1). */
	ck_assert_int_eq(base64url_decode("Z", 1, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm9vY", 5, dec, sizeof(dec)), -1);
	/* Non-zero leftover bits: "Zh" would also decode to 'f'. */
	ck_assert_int_eq(base64url_decode("Zg", 2, dec, sizeof(dec)), 1);
	ck_assert_int_eq(base64url_decode("Zh", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm9", 3, dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm8", 3, dec, sizeof(dec)), 2);
	/* Only n bytes are read: the text after them does not matter. */
	ck_assert_int_eq(base64url_decode("Zm9v!!!", 4, dec, sizeof(dec)), 3);
}
END_TEST

START_TEST(test_base64url_capacity)
{
	unsigned char dec[8];

	memset(dec, 0xee, sizeof(dec));
	ck_assert_int_eq(base64url_decode("Zm9vYmFy", 8, dec, 5), -1);
	ck_assert_int_eq(base64url_decode("Zm9vYmFy", 8, dec, 6), 6);
	ck_assert_int_eq(base64url_decode("Zm9v", 4, dec, 0), -1);
	ck_assert_int_eq(base64url_decode("", 0, dec, 0), 0);
	/* Nothing written past the capacity on refusal. */
	memset(dec, 0xee, sizeof(dec));
	base64url_decode("Zm9vYmFy", 8, dec, 2);
	ck_assert_uint_eq(dec[2], 0xee);
}
END_TEST

/* --- hex ------------------------------------------------------------------ */

START_TEST(test_hex)
{
	static const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab,
		0xff };
	unsigned char dec[8];
	char enc[16];

	crypto_hex_encode(bytes, sizeof(bytes), enc);
	ck_assert_str_eq(enc, "00017f80abff");
	ck_assert_int_eq(crypto_hex_decode(enc, 12, dec, sizeof(dec)), 6);
	ck_assert(memcmp(dec, bytes, 6) == 0);
	/* Upper case is read too. */
	ck_assert_int_eq(crypto_hex_decode("ABFF", 4, dec, sizeof(dec)), 2);
	ck_assert_uint_eq(dec[0], 0xab);
	ck_assert_uint_eq(dec[1], 0xff);
	crypto_hex_encode(bytes, 0, enc);
	ck_assert_str_eq(enc, "");
	ck_assert_int_eq(crypto_hex_decode("", 0, dec, 0), 0);
}
END_TEST

START_TEST(test_hex_refused)
{
	unsigned char dec[8];

	ck_assert_int_eq(crypto_hex_decode("abc", 3, dec, sizeof(dec)), -1);
	ck_assert_int_eq(crypto_hex_decode("zz", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(crypto_hex_decode("0g", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(crypto_hex_decode(" 0", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(crypto_hex_decode("0x", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(crypto_hex_decode("\0\0", 2, dec, sizeof(dec)), -1);
	ck_assert_int_eq(crypto_hex_decode("00112233", 8, dec, 3), -1);
	ck_assert_int_eq(crypto_hex_decode("00112233", 8, dec, 4), 4);
}
END_TEST

/* --- uuid ----------------------------------------------------------------- */

START_TEST(test_uuid_v4_format)
{
	char a[37], b[37];
	int i, k;

	for (k = 0; k < 200; k++) {
		memset(a, 'x', sizeof(a));
		ck_assert_int_eq(crypto_uuid_v4(a), 0);
		ck_assert_uint_eq(strlen(a), 36);
		ck_assert(crypto_uuid_valid(a));
		for (i = 0; i < 36; i++) {
			if (i == 8 || i == 13 || i == 18 || i == 23)
				ck_assert_int_eq(a[i], '-');
			else
				ck_assert(strchr("0123456789abcdef", a[i]) &&
				    a[i] != '\0');
		}
		ck_assert_int_eq(a[14], '4'); /* version */
		ck_assert(strchr("89ab", a[19]) != NULL); /* variant */
	}
	ck_assert_int_eq(crypto_uuid_v4(b), 0);
	ck_assert_str_ne(a, b);
}
END_TEST

/* Version 7: the clock's milliseconds lead, so later ids sort after
 * earlier ones (a new row goes to the end of its cloud's primary key). */
START_TEST(test_uuid_v7_time_ordered)
{
	char a[37], b[37], hex[13];
	struct timespec ts;
	unsigned long long ms, now;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (unsigned long long)ts.tv_sec * 1000 +
	    (unsigned long long)ts.tv_nsec / 1000000;
	ck_assert_int_eq(crypto_uuid_v7(a), 0);
	ck_assert(crypto_uuid_valid(a));
	ck_assert_int_eq(a[14], '7'); /* version */
	ck_assert(strchr("89ab", a[19]) != NULL); /* variant */
	memcpy(hex, a, 8);
	memcpy(hex + 8, a + 9, 4);
	hex[12] = '\0';
	ms = strtoull(hex, NULL, 16);
	ck_assert(ms + 1000 >= now && ms <= now + 1000);
	usleep(2000);
	ck_assert_int_eq(crypto_uuid_v7(b), 0);
	ck_assert(strcmp(a, b) < 0);
}
END_TEST

START_TEST(test_uuid_valid)
{
	ck_assert(crypto_uuid_valid("123e4567-e89b-12d3-a456-426614174000"));
	ck_assert(crypto_uuid_valid("123E4567-E89B-12D3-A456-426614174000"));
	ck_assert(crypto_uuid_valid("00000000-0000-0000-0000-000000000000"));
	ck_assert(!crypto_uuid_valid(""));
	ck_assert(!crypto_uuid_valid("summary"));
	ck_assert(!crypto_uuid_valid("123e4567-e89b-12d3-a456-42661417400"));
	ck_assert(!crypto_uuid_valid("123e4567-e89b-12d3-a456-4266141740000"));
	ck_assert(!crypto_uuid_valid("123e4567e89b12d3a456426614174000"));
	ck_assert(!crypto_uuid_valid("{123e4567-e89b-12d3-a456-426614174000}"));
	ck_assert(!crypto_uuid_valid("123e4567-e89b-12d3-a456_426614174000"));
	ck_assert(!crypto_uuid_valid("123e4567-e89b-12d3-a456-42661417400g"));
	ck_assert(!crypto_uuid_valid("123e4567-e89b-12d3-a4560426614174000"));
	ck_assert(!crypto_uuid_valid("123e4567-e89b-12d3-a456-426614174000\n"));
	ck_assert(!crypto_uuid_valid(" 123e4567-e89b-12d3-a456-426614174000"));
}
END_TEST

START_TEST(test_uuid_valid_short_heap)
{
	/* A short string in an exact-size heap block: under ASan any read
	 * past its NUL fails the test. */
	char *s = strdup("123e4567-e89b");

	ck_assert(!crypto_uuid_valid(s));
	free(s);
}
END_TEST

/* --- utf8 ----------------------------------------------------------------- */

#define U8_OK(lit) ck_assert_msg(utf8_valid(lit, sizeof(lit) - 1), "%s", #lit)
#define U8_BAD(lit) ck_assert_msg(!utf8_valid(lit, sizeof(lit) - 1), "%s", #lit)

START_TEST(test_utf8_valid)
{
	U8_OK("");
	U8_OK("plain ascii \x7f");
	U8_OK("\xc2\x80"); /* U+0080, smallest 2-byte */
	U8_OK("\xdf\xbf"); /* U+07FF */
	U8_OK("\xe0\xa0\x80"); /* U+0800, smallest 3-byte */
	U8_OK("\xed\x9f\xbf"); /* U+D7FF, just below the surrogates */
	U8_OK("\xee\x80\x80"); /* U+E000, just above */
	U8_OK("\xef\xbf\xbf"); /* U+FFFF */
	U8_OK("\xf0\x90\x80\x80"); /* U+10000, smallest 4-byte */
	U8_OK("\xf4\x8f\xbf\xbf"); /* U+10FFFF, the maximum */
	U8_OK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_utf8_invalid)
{
	/* Overlong forms. */
	U8_BAD("\xc0\x80"); /* NUL as 2 bytes (modified UTF-8) */
	U8_BAD("\xc0\xaf");
	U8_BAD("\xc1\xbf");
	U8_BAD("\xe0\x80\xaf");
	U8_BAD("\xe0\x9f\xbf");
	U8_BAD("\xf0\x80\x80\xaf");
	U8_BAD("\xf0\x8f\xbf\xbf");
	/* Surrogates, alone and paired (CESU-8). */
	U8_BAD("\xed\xa0\x80");
	U8_BAD("\xed\xbf\xbf");
	U8_BAD("\xed\xa0\xbd\xed\xb8\x80");
	/* Above U+10FFFF and lead bytes that cannot start anything. */
	U8_BAD("\xf4\x90\x80\x80");
	U8_BAD("\xf5\x80\x80\x80");
	U8_BAD("\xf7\xbf\xbf\xbf");
	U8_BAD("\xf8\x88\x80\x80\x80");
	U8_BAD("\xfc\x84\x80\x80\x80\x80");
	U8_BAD("\xfe");
	U8_BAD("\xff");
	/* Lone and extra continuation bytes. */
	U8_BAD("\x80");
	U8_BAD("\xbf");
	U8_BAD("a\x80z");
	U8_BAD("\xc3\xa9\xa9");
	/* A lead byte followed by a non-continuation. */
	U8_BAD("\xc3"
	       "a");
	U8_BAD("\xe2\x82"
	       "a");
	U8_BAD("\xf0\x9f\x98"
	       "a");
	/* NUL is refused even though it is valid UTF-8. */
	U8_BAD("a\0b");
}
END_TEST

START_TEST(test_utf8_truncated)
{
	/* Each sequence cut short by the length given, not by a NUL: the
	 * bytes after n must not be read. */
	static const char euro[] = "\xe2\x82\xac";
	static const char grin[] = "\xf0\x9f\x98\x80";
	char *heap;

	ck_assert(!utf8_valid("\xc3\xa9", 1));
	ck_assert(!utf8_valid(euro, 1));
	ck_assert(!utf8_valid(euro, 2));
	ck_assert(utf8_valid(euro, 3));
	ck_assert(!utf8_valid(grin, 3));
	ck_assert(utf8_valid(grin, 4));
	ck_assert(!utf8_valid("ab\xf0\x9f", 4));
	/* An exact-size heap copy: ASan catches any over-read. */
	heap = malloc(3);
	memcpy(heap, grin, 3);
	ck_assert(!utf8_valid(heap, 3));
	free(heap);
}
END_TEST

START_TEST(test_utf8_length)
{
	ck_assert_uint_eq(utf8_length("", 0), 0);
	ck_assert_uint_eq(utf8_length("abc", 3), 3);
	ck_assert_uint_eq(utf8_length("caf\xc3\xa9", 5), 4);
	ck_assert_uint_eq(utf8_length("\xe2\x82\xac\xf0\x9f\x98\x80", 7), 2);
}
END_TEST

/* --- scope ---------------------------------------------------------------- */

#define READ_PAGE "read:stakeholder-comms.page:jira-service-management"
#define WRITE_PAGE "write:stakeholder-comms.page:jira-service-management"
#define DELETE_SUB "delete:stakeholder-comms.subscriber:jira-service-management"

START_TEST(test_scope_names)
{
	int i, j;

	ck_assert_str_eq(scope_name(SCOPE_READ_PAGE), READ_PAGE);
	ck_assert_str_eq(scope_name(SCOPE_DELETE_SUBSCRIBER), DELETE_SUB);
	ck_assert_str_eq(scope_name(SCOPE_WRITE_INCIDENT),
	    "write:stakeholder-comms.incident:jira-service-management");
	ck_assert_str_eq(scope_name(SCOPE__MAX), "");
	for (i = 0; i < SCOPE__MAX; i++) {
		ck_assert_uint_gt(strlen(scope_name((enum scope)i)), 0);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(scope_name((enum scope)i),
			    scope_name((enum scope)j));
	}
	ck_assert_uint_eq(SCOPE_ALL, 0xfffu);
}
END_TEST

START_TEST(test_scope_parse_strict)
{
	unsigned mask = 99;

	ck_assert_int_eq(scope_parse_list("", 1, &mask), 0);
	ck_assert_uint_eq(mask, 0);
	ck_assert_int_eq(scope_parse_list(READ_PAGE, 1, &mask), 0);
	ck_assert_uint_eq(mask, SCOPE_BIT(SCOPE_READ_PAGE));
	ck_assert_int_eq(
	    scope_parse_list(READ_PAGE " " WRITE_PAGE "," DELETE_SUB, 1, &mask),
	    0);
	ck_assert_uint_eq(mask,
	    SCOPE_BIT(SCOPE_READ_PAGE) | SCOPE_BIT(SCOPE_WRITE_PAGE) |
	        SCOPE_BIT(SCOPE_DELETE_SUBSCRIBER));
	/* Separators anywhere, repeated names. */
	ck_assert_int_eq(
	    scope_parse_list("  ," READ_PAGE ",, " READ_PAGE "  ", 1, &mask),
	    0);
	ck_assert_uint_eq(mask, SCOPE_BIT(SCOPE_READ_PAGE));
	/* Unknown names, prefixes and case changes are errors. */
	ck_assert_int_eq(
	    scope_parse_list(READ_PAGE " read:jira-work", 1, &mask), -1);
	ck_assert_int_eq(
	    scope_parse_list("read:stakeholder-comms.page", 1, &mask), -1);
	ck_assert_int_eq(scope_parse_list(READ_PAGE "x", 1, &mask), -1);
	ck_assert_int_eq(
	    scope_parse_list(
	        "READ:stakeholder-comms.page:jira-service-management", 1,
	        &mask),
	    -1);
	/* A tab is not a separator. */
	ck_assert_int_eq(
	    scope_parse_list(READ_PAGE "\t" WRITE_PAGE, 1, &mask), -1);
}
END_TEST

START_TEST(test_scope_parse_lenient)
{
	unsigned mask;

	ck_assert_int_eq(scope_parse_list("openid email " WRITE_PAGE
	                                  " read:jira-work offline_access",
	                     0, &mask),
	    0);
	ck_assert_uint_eq(mask, SCOPE_BIT(SCOPE_WRITE_PAGE));
	ck_assert_int_eq(scope_parse_list("openid profile", 0, &mask), 0);
	ck_assert_uint_eq(mask, 0);
}
END_TEST

START_TEST(test_scope_format)
{
	char buf[1024];
	unsigned mask, back;

	ck_assert_str_eq(scope_format_list(0, buf, sizeof(buf)), "");
	ck_assert_str_eq(
	    scope_format_list(SCOPE_BIT(SCOPE_READ_PAGE), buf, sizeof(buf)),
	    READ_PAGE);
	mask = SCOPE_BIT(SCOPE_DELETE_SUBSCRIBER) | SCOPE_BIT(SCOPE_READ_PAGE);
	ck_assert_str_eq(scope_format_list(mask, buf, sizeof(buf)),
	    READ_PAGE " " DELETE_SUB);
	/* Every mask survives a format/parse round trip. */
	for (mask = 0; mask <= SCOPE_ALL; mask += 7) {
		scope_format_list(mask, buf, sizeof(buf));
		ck_assert_int_eq(scope_parse_list(buf, 1, &back), 0);
		ck_assert_uint_eq(back, mask);
	}
	scope_format_list(SCOPE_ALL, buf, sizeof(buf));
	ck_assert_int_eq(scope_parse_list(buf, 1, &back), 0);
	ck_assert_uint_eq(back, SCOPE_ALL);
	/* Bits above the known scopes are ignored. */
	ck_assert_str_eq(
	    scope_format_list(
	        SCOPE_BIT(SCOPE_READ_PAGE) | 1u << 20, buf, sizeof(buf)),
	    READ_PAGE);
	/* A zero-size buffer is left alone. */
	buf[0] = 'z';
	scope_format_list(SCOPE_ALL, buf, 0);
	ck_assert_int_eq(buf[0], 'z');
}
END_TEST

START_TEST(test_scope_format_truncation_whole_names)
{
	/* A buffer too small for every name must not end in a piece of a
	 * name: the list is parsed again (statusctl stores it, WWW-Authenticate
	 * quotes it), and a cut name is a different, unknown scope. */
	char buf[80];
	unsigned back;

	scope_format_list(
	    SCOPE_BIT(SCOPE_READ_PAGE) | SCOPE_BIT(SCOPE_WRITE_PAGE), buf,
	    sizeof(buf));
	ck_assert_uint_lt(strlen(buf), sizeof(buf));
	ck_assert_msg(scope_parse_list(buf, 1, &back) == 0,
	    "truncated list holds a partial scope name: \"%s\"", buf);
}
END_TEST

/* --- config --------------------------------------------------------------- */

START_TEST(test_config_defaults)
{
	struct config c;

	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	ck_assert_int_eq(c.workers, 4);
	ck_assert_int_eq(c.socket_mode, 0660);
	ck_assert_uint_eq(c.max_body_bytes, 1024 * 1024);
	ck_assert_str_eq(c.database_url, "");
	ck_assert_str_eq(c.jwt_hs256_secret, "");
	ck_assert_int_eq(c.archive_retention_days, 30);
}
END_TEST

START_TEST(test_config_set)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "workers", "16", err, sizeof(err)), 0);
	ck_assert_int_eq(c.workers, 16);
	ck_assert_int_eq(
	    config_set(&c, "max_requests", "5000000000", err, sizeof(err)), 0);
	ck_assert_int_eq(c.max_requests, 5000000000L);
	ck_assert_int_eq(
	    config_set(&c, "max_body_bytes", "2048", err, sizeof(err)), 0);
	ck_assert_uint_eq(c.max_body_bytes, 2048);
	ck_assert_int_eq(
	    config_set(&c, "listen", "127.0.0.1:9000", err, sizeof(err)), 0);
	ck_assert_str_eq(c.listen, "127.0.0.1:9000");
	ck_assert_int_eq(
	    config_set(&c, "jwt_audience", "", err, sizeof(err)), 0);
	ck_assert_str_eq(c.jwt_audience, "");
}
END_TEST

/* The timed jobs' settings: 0 turns a job off; retention is at least a
 * day (0 days would delete what was just written). */
START_TEST(test_config_job_settings)
{
	static const struct {
		const char *key, *value;
		int ok;
	} cases[] = {
		{ "job_purge_interval_seconds", "0", 1 },
		{ "job_purge_interval_seconds", "604800", 1 },
		{ "job_purge_interval_seconds", "604801", 0 },
		{ "job_reminders_interval_seconds", "-1", 0 },
		{ "job_reminders_interval_seconds", "1", 1 },
		{ "job_contacts_interval_seconds", "3600", 1 },
		{ "job_prune_interval_seconds", "x", 0 },
		{ "contact_retention_days", "0", 0 },
		{ "contact_retention_days", "90", 1 },
		{ "outbox_retention_days", "3651", 0 },
		{ "delivery_attempts_retention_days", "1", 1 },
	};
	struct config c;
	char err[256];
	size_t i;

	config_defaults(&c);
	ck_assert_int_eq(c.job_purge_interval_seconds, 86400);
	ck_assert_int_eq(c.job_reminders_interval_seconds, 60);
	ck_assert_int_eq(c.contact_retention_days, 90);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(config_set(&c, cases[i].key, cases[i].value, err,
		                  sizeof(err)) == (cases[i].ok ? 0 : -1),
		    "%s = %s", cases[i].key, cases[i].value);
	ck_assert_int_eq(c.job_prune_interval_seconds, 3600);
	ck_assert_int_eq(c.delivery_attempts_retention_days, 1);
}
END_TEST

/* Weak credentials settings refuse to start, naming the key. */
START_TEST(test_config_check_secrets)
{
	static const char hex64[] = "00112233445566778899aabbccddeeff"
	                            "00112233445566778899AABBCCDDEEFF";
	static const struct {
		const char *key, *value, *named; /* named: NULL = accepted */
	} cases[] = {
		{ "cursor_secret", "", "cursor_secret" },
		{ "cursor_secret", "REPLACE_WITH_64_HEX_CHARACTERS",
		    "cursor_secret" },
		{ "cursor_secret", "00112233445566778899aabbccddeeff",
		    "cursor_secret" },
		{ "cursor_secret",
		    "00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeefg",
		    "cursor_secret" },
		{ "cursor_secret",
		    "00112233445566778899aabbccddeeff"
		    "00112233445566778899aabbccddeeff0",
		    "cursor_secret" },
		{ "cursor_secret_previous", "short", "cursor_secret_previous" },
		{ "cursor_secret_previous", hex64, NULL },
		{ "jwt_hs256_secret", "0123456789abcdef0123456789abcde",
		    "jwt_hs256_secret" },
		{ "jwt_hs256_secret", "0123456789abcdef0123456789abcdef",
		    NULL },
		{ "jwt_issuer", "", "jwt_issuer" },
		{ "jwt_audience", "", "jwt_audience" },
		{ "jwt_rs256_public_key_file", "/k.pem", NULL },
	};
	struct config c;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		config_defaults(&c);
		ck_assert_int_eq(
		    config_set(&c, "cursor_secret", hex64, err, sizeof(err)),
		    0);
		ck_assert_int_eq(config_set(&c, "jwt_issuer", "https://i/", err,
		                     sizeof(err)),
		    0);
		ck_assert_int_eq(
		    config_set(&c, "jwt_audience", "a", err, sizeof(err)), 0);
		ck_assert_int_eq(
		    config_set(&c, "jwt_hs256_secret",
		        "0123456789abcdef0123456789abcdef", err, sizeof(err)),
		    0);
		ck_assert_int_eq(config_set(&c, cases[i].key, cases[i].value,
		                     err, sizeof(err)),
		    0);
		err[0] = '\0';
		if (cases[i].named == NULL) {
			ck_assert_msg(
			    config_check_secrets(&c, err, sizeof(err)) == 0,
			    "%s refused: %s", cases[i].key, err);
			continue;
		}
		ck_assert_msg(config_check_secrets(&c, err, sizeof(err)) == -1,
		    "%s = '%s' accepted", cases[i].key, cases[i].value);
		ck_assert_msg(
		    strncmp(err, cases[i].named, strlen(cases[i].named)) == 0 &&
		        err[strlen(cases[i].named)] == ':',
		    "message does not start with %s: %s", cases[i].named, err);
		/* The value itself is never quoted back. */
		if (strlen(cases[i].value) > 4)
			ck_assert_ptr_null(strstr(err, cases[i].value));
	}
	/* No JWT key at all: issuer and audience may stay unset. */
	config_defaults(&c);
	ck_assert_int_eq(
	    config_set(&c, "cursor_secret", hex64, err, sizeof(err)), 0);
	ck_assert_int_eq(config_check_secrets(&c, err, sizeof(err)), 0);
	ck_assert_int_eq(c.jwt_max_lifetime_seconds, 86400);
	ck_assert_int_eq(
	    config_set(&c, "jwt_max_lifetime_seconds", "59", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(config_set(&c, "jwt_max_lifetime_seconds", "3600", err,
	                     sizeof(err)),
	    0);
	ck_assert_int_eq(c.jwt_max_lifetime_seconds, 3600);
}
END_TEST

START_TEST(test_config_unknown_key)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(config_set(&c, "wokers", "4", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unknown setting"));
	ck_assert_ptr_nonnull(strstr(err, "wokers"));
	ck_assert_int_eq(config_set(&c, "Workers", "4", err, sizeof(err)), -1);
	ck_assert_int_eq(config_set(&c, "", "4", err, sizeof(err)), -1);
	ck_assert_int_eq(c.workers, 4);
}
END_TEST

START_TEST(test_config_bad_numbers)
{
	static const char *const bad[] = { "", "abc", "4x", "x4", "4.0", "1e3",
		"0", "-1", "1025", "99999999999999999999999", "0x10", NULL };
	struct config c;
	char err[256];
	int i;

	config_defaults(&c);
	for (i = 0; bad[i] != NULL; i++) {
		ck_assert_msg(
		    config_set(&c, "workers", bad[i], err, sizeof(err)) == -1,
		    "workers = '%s' accepted", bad[i]);
		ck_assert_ptr_nonnull(strstr(err, "workers"));
		ck_assert_ptr_nonnull(strstr(err, "1..1024"));
	}
	ck_assert_int_eq(c.workers, 4);
	/* Bounds are inclusive. */
	ck_assert_int_eq(config_set(&c, "workers", "1", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    config_set(&c, "workers", "1024", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    config_set(&c, "max_body_bytes", "1023", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "max_body_bytes", "67108865", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "max_body_bytes", "67108864", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    config_set(&c, "token_cache_seconds", "0", err, sizeof(err)), 0);
	ck_assert_int_eq(
	    config_set(&c, "archive_retention_days", "3651", err, sizeof(err)),
	    -1);
	ck_assert_int_eq(
	    config_set(&c, "max_requests", "0", err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_config_octal_mode)
{
	struct config c;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "0600", err, sizeof(err)), 0);
	ck_assert_int_eq(c.socket_mode, 0600);
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "0777", err, sizeof(err)), 0);
	ck_assert_int_eq(c.socket_mode, 0777);
	/* Read as octal even without the leading zero. */
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "660", err, sizeof(err)), 0);
	ck_assert_int_eq(c.socket_mode, 0660);
	/* Not octal digits, too large, hex, negative. */
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "0680", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "8", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "01000", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "0x1b0", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "socket_mode", "-0660", err, sizeof(err)), -1);
	ck_assert_int_eq(c.socket_mode, 0660);
}
END_TEST

START_TEST(test_config_string_length)
{
	struct config c;
	char err[256], value[600];

	config_defaults(&c);
	memset(value, 'u', 63);
	value[63] = '\0';
	ck_assert_int_eq(config_set(&c, "user", value, err, sizeof(err)), 0);
	ck_assert_str_eq(c.user, value);
	value[63] = 'u';
	value[64] = '\0';
	ck_assert_int_eq(config_set(&c, "user", value, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	/* The old value stays. */
	ck_assert_uint_eq(strlen(c.user), 63);
	/* Secret values are never quoted in the message. */
	memset(value, 'S', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	ck_assert_int_eq(
	    config_set(&c, "jwt_hs256_secret", value, err, sizeof(err)), -1);
	ck_assert_ptr_null(strstr(err, "SSSS"));
}
END_TEST

/* Writes text to a new temp file; returns its path (static buffer). */
static const char *
temp_config(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/statusd-conf-XXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	f = fdopen(fd, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(test_config_load)
{
	struct config c;
	char err[256] = "";
	const char *path = temp_config(
	    "# statusd test configuration\n"
	    "\n"
	    "   listen = /tmp/statusd.sock   \n"
	    "workers=8\n"
	    "\tsocket_mode = 0640\n"
	    "database_url = postgresql:///statusd?host=/tmp&sslmode=disable\n"
	    "   # indented comment = ignored\n"
	    "jwt_issuer = https://id.example/a=b\n");

	config_defaults(&c);
	ck_assert_msg(config_load(&c, path, err, sizeof(err)) == 0, "%s", err);
	unlink(path);
	ck_assert_str_eq(c.listen, "/tmp/statusd.sock");
	ck_assert_int_eq(c.workers, 8);
	ck_assert_int_eq(c.socket_mode, 0640);
	ck_assert_str_eq(
	    c.database_url, "postgresql:///statusd?host=/tmp&sslmode=disable");
	/* Split on the first '=' only. */
	ck_assert_str_eq(c.jwt_issuer, "https://id.example/a=b");
	/* Untouched keys keep their defaults. */
	ck_assert_int_eq(c.token_cache_seconds, 5);
}
END_TEST

START_TEST(test_config_load_errors)
{
	struct config c;
	char err[256];
	const char *path;

	config_defaults(&c);
	path = temp_config("workers = 2\nwrokers = 3\nworkers = 5\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	unlink(path);
	ck_assert_ptr_nonnull(strstr(err, ":2: "));
	ck_assert_ptr_nonnull(strstr(err, "unknown setting 'wrokers'"));
	/* It stops at the first error. */
	ck_assert_int_eq(c.workers, 2);

	path = temp_config("workers = 2\njust some words\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	unlink(path);
	ck_assert_ptr_nonnull(strstr(err, ":2: expected key = value"));

	path = temp_config("socket_mode = rw-rw----\n");
	ck_assert_int_eq(config_load(&c, path, err, sizeof(err)), -1);
	unlink(path);
	ck_assert_ptr_nonnull(strstr(err, ":1: socket_mode"));

	ck_assert_int_eq(
	    config_load(&c, "/nonexistent/statusd.conf", err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/statusd.conf"));
}
END_TEST

START_TEST(test_config_long_comment_line)
{
	/* A comment longer than config_load's line buffer is still one
	 * comment: nothing in it may take effect. */
	struct config c;
	char err[256] = "", *text;
	const char *path;
	size_t n = 3000;
	int rc;

	text = malloc(n + 64);
	ck_assert_ptr_nonnull(text);
	text[0] = '#';
	memset(text + 1, ' ', 2046);
	snprintf(text + 2047, n + 64 - 2047, "workers = 9\nlisten = /x.sock\n");
	path = temp_config(text);
	free(text);
	config_defaults(&c);
	rc = config_load(&c, path, err, sizeof(err));
	unlink(path);
	ck_assert_msg(c.workers == 4,
	    "a setting inside a comment took effect: workers = %d", c.workers);
	/* Refusing the overlong line is fine too; accepting it means the
	 * next line still applies. */
	if (rc == 0)
		ck_assert_str_eq(c.listen, "/x.sock");
}
END_TEST

/* --- status --------------------------------------------------------------- */

START_TEST(test_status_mapping)
{
	static const int http[SD_STATUS__MAX] = { [SD_OK] = 200,
		[SD_CREATED] = 201,
		[SD_BAD_REQUEST] = 400,
		[SD_UNAUTHORIZED] = 401,
		[SD_FORBIDDEN] = 403,
		[SD_NOT_FOUND] = 404,
		[SD_METHOD_NOT_ALLOWED] = 405,
		[SD_CONFLICT] = 409,
		[SD_TOO_LARGE] = 413,
		[SD_UNSUPPORTED_MEDIA] = 415,
		[SD_UNPROCESSABLE] = 422,
		[SD_UNAVAILABLE] = 503,
		[SD_TOO_SLOW] = 503,
		[SD_OUTCOME_UNKNOWN] = 503,
		[SD_INTERNAL] = 500 };
	struct sd_error err;
	int i;

	for (i = 0; i < SD_STATUS__MAX; i++) {
		ck_assert_int_eq(sd_status_http((enum sd_status)i), http[i]);
		ck_assert_uint_gt(
		    strlen(sd_status_reason((enum sd_status)i)), 0);
	}
	ck_assert_int_eq(sd_status_http(SD_STATUS__MAX), 500);
	ck_assert_int_eq(sd_status_http((enum sd_status)1000), 500);

	ck_assert_int_eq(sd_fail(&err, SD_CONFLICT, NULL, NULL), SD_CONFLICT);
	ck_assert_int_eq(err.status, SD_CONFLICT);
	ck_assert_str_eq(err.message, "conflict");
	ck_assert_str_eq(err.detail, "");
	sd_fail(&err, SD_BAD_REQUEST, "bad thing", "field %s: %d", "x", 7);
	ck_assert_str_eq(err.message, "bad thing");
	ck_assert_str_eq(err.detail, "field x: 7");
	/* A later failure without detail clears the old detail. */
	sd_fail(&err, SD_NOT_FOUND, "gone", NULL);
	ck_assert_str_eq(err.detail, "");
	ck_assert_int_eq(sd_fail(NULL, SD_FORBIDDEN, "x", NULL), SD_FORBIDDEN);
	sd_error_clear(&err);
	ck_assert_int_eq(err.status, SD_OK);
	ck_assert_str_eq(err.message, "");
}
END_TEST

START_TEST(test_page_status_names)
{
	int i;

	for (i = 0; i < PS__MAX; i++)
		ck_assert_int_eq(
		    page_status_parse(page_status_name((enum page_status)i)),
		    i);
	ck_assert_str_eq(page_status_name(PS_UNPUBLISHED_WITH_CHANGES),
	    "UNPUBLISHED_WITH_CHANGES");
	ck_assert_int_eq(page_status_parse("published"), PS__MAX);
	ck_assert_int_eq(page_status_parse(""), PS__MAX);
	ck_assert_int_eq(page_status_parse(NULL), PS__MAX);
	ck_assert_ptr_null(page_status_name(PS__MAX));
}
END_TEST

/* Every cell of the table is filled: a refusal has its message, anything
 * else is an effect; a deleted page refuses all but deleting and
 * recovering, with one message. */
START_TEST(test_page_transitions_complete)
{
	const struct page_transition *t;
	int a, s;

	for (a = 0; a < ACT__MAX; a++) {
		for (s = 0; s < PS__MAX; s++) {
			t = page_transition(a, s);
			ck_assert_ptr_nonnull(t);
			if (t->effect == EF_REFUSE)
				ck_assert_ptr_nonnull(t->refusal);
		}
		t = page_transition(a, PS_SOFT_DELETED);
		if (a == ACT_SOFT_DELETE || a == ACT_RECOVER)
			ck_assert_int_ne(t->effect, EF_REFUSE);
		else
			ck_assert_str_eq(
			    t->refusal, "page is deleted; recover it first");
	}
}
END_TEST

/* Editing the draft (PUT /pages/draft/{id}, components/batch_process):
 * the rule components.c and page_lifecycle.c each had their own copy of. */
START_TEST(test_page_edit_row)
{
	ck_assert_int_eq(
	    page_transition(ACT_EDIT, PS_DRAFT)->effect, EF_EDIT_IN_PLACE);
	ck_assert_int_eq(page_transition(ACT_EDIT, PS_DRAFT)->next, PS_DRAFT);
	ck_assert_int_eq(page_transition(ACT_EDIT, PS_PUBLISHED)->next,
	    PS_PUBLISHED_WITH_CHANGES);
	ck_assert_int_eq(page_transition(ACT_EDIT, PS_UNPUBLISHED)->next,
	    PS_UNPUBLISHED_WITH_CHANGES);
	ck_assert_int_eq(
	    page_transition(ACT_EDIT, PS_PUBLISHED_WITH_CHANGES)->effect,
	    EF_EDIT_DRAFT);
	ck_assert_int_eq(
	    page_transition(ACT_UPDATE_LIVE, PS_DRAFT)->effect, EF_NONE);
	ck_assert_int_eq(
	    page_transition(ACT__MAX, PS_DRAFT)->effect, EF_REFUSE);
}
END_TEST

Suite *
core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("base64url");
	tcase_add_test(tc, test_base64url_vectors);
	tcase_add_test(tc, test_base64url_url_alphabet);
	tcase_add_test(tc, test_base64url_round_trip_all_lengths);
	tcase_add_test(tc, test_base64url_strict);
	tcase_add_test(tc, test_base64url_capacity);
	suite_add_tcase(s, tc);

	tc = tcase_create("hex_uuid");
	tcase_add_test(tc, test_hex);
	tcase_add_test(tc, test_hex_refused);
	tcase_add_test(tc, test_uuid_v4_format);
	tcase_add_test(tc, test_uuid_v7_time_ordered);
	tcase_add_test(tc, test_uuid_valid);
	tcase_add_test(tc, test_uuid_valid_short_heap);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, test_utf8_valid);
	tcase_add_test(tc, test_utf8_invalid);
	tcase_add_test(tc, test_utf8_truncated);
	tcase_add_test(tc, test_utf8_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("scope");
	tcase_add_test(tc, test_scope_names);
	tcase_add_test(tc, test_scope_parse_strict);
	tcase_add_test(tc, test_scope_parse_lenient);
	tcase_add_test(tc, test_scope_format);
	suite_add_tcase(s, tc);

	tc = tcase_create("config");
	tcase_add_test(tc, test_config_defaults);
	tcase_add_test(tc, test_config_set);
	tcase_add_test(tc, test_config_job_settings);
	tcase_add_test(tc, test_config_check_secrets);
	tcase_add_test(tc, test_config_unknown_key);
	tcase_add_test(tc, test_config_bad_numbers);
	tcase_add_test(tc, test_config_octal_mode);
	tcase_add_test(tc, test_config_string_length);
	tcase_add_test(tc, test_config_load);
	tcase_add_test(tc, test_config_load_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("page_state");
	tcase_add_test(tc, test_page_status_names);
	tcase_add_test(tc, test_page_transitions_complete);
	tcase_add_test(tc, test_page_edit_row);
	suite_add_tcase(s, tc);

	tc = tcase_create("status");
	tcase_add_test(tc, test_status_mapping);
	suite_add_tcase(s, tc);

	/* Defects fixed since: kept as regression tests. */
	tc = tcase_create("core_regressions");
	tcase_add_test(tc, test_scope_format_truncation_whole_names);
	tcase_add_test(tc, test_config_long_comment_line);
	suite_add_tcase(s, tc);
	return s;
}
