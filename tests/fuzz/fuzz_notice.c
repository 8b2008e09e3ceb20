/*
 * libFuzzer harness for what the notifier makes of outside text
 * (core/notice.c, core/mailmsg.c): an event document (every name and body
 * in it typed by an operator) made into the email, the Slack JSON and the
 * SMS text; a header value; a value in the SMS gateway's body template.
 * The first byte picks the target; the rest is the input.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "mailmsg.h"
#include "notice.h"

#define ID "3f1c2a9e-0b7d-4c55-9e11-7a2b8c9d0e1f"

/* CRLF line ends only, every line within max bytes. */
static void
check_lines(const char *s, size_t len, size_t max)
{
	size_t i, start = 0;

	CHECK(strlen(s) == len);
	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			CHECK(i > 0 && s[i - 1] == '\r');
		if (s[i] == '\r') {
			CHECK(i + 1 < len && s[i + 1] == '\n');
			CHECK(i - start <= max);
			start = i + 2;
		}
	}
	CHECK(start == len); /* ends with CRLF */
}

/* Each header line is one the renderer writes, or a folded continuation:
 * nothing in the input started a header of its own. */
static void
check_headers(const char *msg)
{
	static const char *const names[] = { "Message-ID: ", "Date: ", "From: ",
		"To: ", "Subject: ", "MIME-Version: ", "Auto-Submitted: ",
		"List-Unsubscribe: ", "List-Unsubscribe-Post: ",
		"Content-Type: " };
	const char *line = msg, *end = strstr(msg, "\r\n\r\n");
	size_t i, subjects = 0;

	CHECK(end != NULL);
	while (line <= end) {
		if (line[0] != ' ') {
			for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
				if (strncmp(line, names[i], strlen(names[i])) ==
				    0)
					break;
			CHECK(i < sizeof(names) / sizeof(names[0]));
			subjects += i == 4;
		}
		line = strstr(line, "\r\n") + 2;
	}
	CHECK(subjects == 1);
}

static void
fuzz_event(const char *doc)
{
	struct notice_mail m = { .id = ID,
		.from_addr = "status@example.com",
		.to = "someone@example.org",
		.unsubscribe_url = "https://a.example/u?token=t",
		.confirm_url = "https://a.example/c?token=t",
		.now = 1800000000L };
	struct textbuf b = { 0 };
	struct notice n;
	json_t *j;

	if (notice_parse(doc, &n) != 0)
		return;
	CHECK(notice_email(&n, &m, &b) == 0);
	check_lines(b.s, b.len, 998);
	check_headers(b.s);
	textbuf_free(&b);
	CHECK(notice_slack(&n, m.unsubscribe_url, &b) == 0);
	j = json_loads(b.s, 0, NULL);
	CHECK(j != NULL);
	json_decref(j);
	textbuf_free(&b);
	if (notice_sms_text(&n, m.confirm_url, &b) == 0)
		CHECK(strpbrk(b.s, "\r\n") == NULL);
	textbuf_free(&b);
	notice_free(&n);
}

static void
fuzz_header(const char *value)
{
	struct textbuf b = { 0 };
	const char *p;

	mail_header(&b, "Subject", value);
	check_lines(b.s, b.len, 998);
	/* one header: every later line is a continuation */
	for (p = strstr(b.s, "\r\n"); p[2] != '\0'; p = strstr(p + 2, "\r\n"))
		CHECK(p[2] == ' ');
	textbuf_free(&b);
	mail_quoted_printable(&b, value);
	check_lines(b.s, b.len, 76);
	CHECK(strstr(b.s, "=_") == NULL);
	textbuf_free(&b);
}

/* A value in a JSON template stays inside its string; in a form, inside
 * its field. */
static void
fuzz_template(const char *value)
{
	struct textbuf b = { 0 };
	json_t *j;
	size_t i;

	notice_fill_template(&b, "{\"to\":\"{to}\",\"text\":\"{text}\"}",
	    NOTICE_FORM_JSON, value, "x", value);
	j = json_loads(b.s, 0, NULL);
	CHECK(json_is_object(j) && json_object_size(j) == 2);
	CHECK(json_is_string(json_object_get(j, "text")));
	json_decref(j);
	textbuf_free(&b);
	notice_fill_template(
	    &b, "{text}", NOTICE_FORM_URLENCODED, value, "x", value);
	for (i = 0; i < b.len; i++)
		CHECK(strchr("&=#?/ \r\n", b.s[i]) == NULL);
	textbuf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size < 1)
		return 0;
	s = strndup((const char *)data + 1, size - 1);
	if (s == NULL)
		return 0;
	switch (data[0] % 3) {
	case 0: fuzz_event(s); break;
	case 1: fuzz_header(s); break;
	default: fuzz_template(s); break;
	}
	free(s);
	return 0;
}
