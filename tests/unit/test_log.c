/*
 * log_quote: values a client can steer go into log lines only through it, so
 * none can add a field or a line, whatever its bytes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "suites.h"

static const struct {
	const char *in, *out;
} quoted[] = {
	{ "admin@example.com", "admin@example.com" },
	{ "/pages/{id}", "\"/pages/{id}\"" },
	{ "", "\"\"" },
	{ "-", "\"-\"" },
	{ "evil status=200 principal=admin@example.com",
	    "\"evil status=200 principal=admin@example.com\"" },
	{ "a\"b", "\"a\\\"b\"" },
	{ "a\\b", "\"a\\\\b\"" },
	{ "a\nlevel=error", "\"a\\nlevel=error\"" },
	{ "\r\t", "\"\\r\\t\"" },
	{ "\x01\x1b[31m\x7f", "\"\\x01\\x1b[31m\\x7f\"" },
	{ "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
	{ "\xff\xfe", "\"\\xff\\xfe\"" },
	{ "\xc3", "\"\\xc3\"" },
	{ "\xe2\x80\xa8|\xe2\x80\xa9|\xc2\x85|\xc2\x9b",
	    "\"\\u2028|\\u2029|\\u0085|\\u009b\"" },
	{ "\xed\xa0\x80", "\"\\xed\\xa0\\x80\"" },
	{ "k=v", "\"k=v\"" },
};

START_TEST(test_quote_table)
{
	char buf[256];

	ck_assert_str_eq(
	    log_quote(buf, sizeof(buf), quoted[_i].in), quoted[_i].out);
}
END_TEST

START_TEST(test_quote_null_is_dash)
{
	char buf[16];

	ck_assert_str_eq(log_quote(buf, sizeof(buf), NULL), "-");
}
END_TEST

/* Outside the quotes nothing but the value; inside no raw quote, backslash
 * without its escape, control byte or line break. */
static void
check_one_value(const char *q)
{
	size_t n = strlen(q), i;

	if (q[0] != '"') {
		ck_assert_uint_eq(strcspn(q, " =\"\\\n\r\t"), n);
		return;
	}
	ck_assert_uint_ge(n, 2);
	ck_assert_int_eq(q[n - 1], '"');
	for (i = 1; i < n - 1; i++) {
		ck_assert_int_ge((unsigned char)q[i], 0x20);
		ck_assert_int_ne((unsigned char)q[i], 0x7f);
		ck_assert_int_ne(q[i], '"');
		if (q[i] == '\\') {
			ck_assert_ptr_nonnull(strchr("\"\\nrtxu", q[i + 1]));
			i++;
		}
	}
}

START_TEST(test_quote_every_byte)
{
	char in[4], buf[LOG_QUOTED_MAX(3)];
	int b;

	for (b = 1; b < 256; b++) {
		in[0] = 'x', in[1] = (char)b, in[2] = 'y', in[3] = '\0';
		check_one_value(log_quote(buf, sizeof(buf), in));
	}
}
END_TEST

START_TEST(test_quote_cut_when_too_long)
{
	char in[300], buf[LOG_QUOTED_MAX(20)], big[LOG_QUOTED_MAX(300)];
	size_t n;

	memset(in, '\x01', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	log_quote(buf, sizeof(buf), in);
	n = strlen(buf);
	ck_assert_uint_lt(n, sizeof(buf));
	ck_assert_str_eq(buf + n - 4, "...\"");
	check_one_value(buf);
	/* The documented room is enough for the worst case: nothing cut. */
	log_quote(big, sizeof(big), in);
	ck_assert_uint_eq(strlen(big), 2 + 4 * 299);
	/* A multi-byte character is never split. */
	memset(in, 0, sizeof(in));
	for (n = 0; n + 2 < 60; n += 2)
		memcpy(in + n, "\xc3\xa9", 2);
	log_quote(buf, 24, in);
	ck_assert_str_eq(buf,
	    "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...\"");
}
END_TEST

/* What stderr (a temporary file) holds so far. */
static const char *
stderr_text(int fd, char *buf, size_t cap)
{
	ssize_t n = pread(fd, buf, cap - 1, 0);

	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* A worker's info lines wait for log_flush(); an error line goes out at
 * once, after the lines held before it, and a full buffer goes out
 * whole. */
START_TEST(test_buffered_info_lines_keep_their_order)
{
	char path[] = "/tmp/statusd-log-XXXXXX", text[16384];
	int fd = mkstemp(path), saved = dup(STDERR_FILENO), i;

	ck_assert(fd >= 0 && saved >= 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);
	log_buffer_info_lines(1);
	log_info("event=one");
	ck_assert_str_eq(stderr_text(fd, text, sizeof(text)), "");
	log_error("event=two");
	stderr_text(fd, text, sizeof(text));
	ck_assert_ptr_nonnull(strstr(text, "event=one"));
	ck_assert(strstr(text, "event=one") < strstr(text, "event=two"));
	log_info("event=three");
	ck_assert_ptr_null(
	    strstr(stderr_text(fd, text, sizeof(text)), "three"));
	log_flush();
	ck_assert_ptr_nonnull(
	    strstr(stderr_text(fd, text, sizeof(text)), "event=three\n"));
	for (i = 0; i < 80; i++) /* about 6 kB: the buffer fills and goes */
		log_info("event=filler n=%d", i);
	ck_assert_ptr_nonnull(
	    strstr(stderr_text(fd, text, sizeof(text)), "n=0\n"));
	log_buffer_info_lines(0);
	ck_assert_ptr_nonnull(
	    strstr(stderr_text(fd, text, sizeof(text)), "n=79\n"));
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fd);
	unlink(path);
}
END_TEST

Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("quote");

	tcase_add_loop_test(
	    tc, test_quote_table, 0, sizeof(quoted) / sizeof(quoted[0]));
	tcase_add_test(tc, test_quote_null_is_dash);
	tcase_add_test(tc, test_quote_every_byte);
	tcase_add_test(tc, test_quote_cut_when_too_long);
	tcase_add_test(tc, test_buffered_info_lines_keep_their_order);
	suite_add_tcase(s, tc);
	return s;
}
