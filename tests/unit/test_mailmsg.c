/* core/mailmsg.c (RFC 5322 / MIME) and core/notice.c (what email, Slack
 * and SMS subscribers are told): header injection, encoded-words,
 * quoted-printable, escaping for HTML, Slack mrkdwn, JSON and forms. */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "mailmsg.h"
#include "notice.h"
#include "suites.h"

#define ID "3f1c2a9e-0b7d-4c55-9e11-7a2b8c9d0e1f"
#define HOSTILE "<script>alert(1)</script> & \"q\" 'a'"
#define HOSTILE_JSON "<script>alert(1)</script> & \\\"q\\\" 'a'"

static const struct mail_message base = {
	.id = ID,
	.from_addr = "status@example.com",
	.from_name = "Acme Status",
	.to = "someone@example.org",
	.subject = "Hello",
	.unsubscribe_url = "https://acme.status.example/unsub?token=abc",
	.text = "text part",
	.html = "<p>html part</p>",
	.date = 0,
};

/* The headers of a rendered message (up to the blank line). */
static char *
headers_of(const char *msg)
{
	const char *end = strstr(msg, "\r\n\r\n");

	ck_assert_ptr_nonnull(end);
	return strndup(msg, (size_t)(end - msg) + 2);
}

/* Quoted-printable decoded (soft breaks removed, CRLF kept). */
static char *
qp_decode(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;
	unsigned v;

	while (*s != '\0') {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 3;
		} else if (s[0] == '=' && sscanf(s + 1, "%2X", &v) == 1) {
			*o++ = (char)v;
			s += 3;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

/* Every line CRLF-terminated, no bare CR or LF, none over max bytes. */
static void
assert_lines(const char *s, size_t max)
{
	const char *line = s, *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '\r') {
			ck_assert_int_eq(p[1], '\n');
			ck_assert_uint_le((size_t)(p - line), max);
			line = p + 2;
			p++;
		} else {
			ck_assert_int_ne(*p, '\n');
		}
	}
}

START_TEST(test_render_headers)
{
	struct textbuf b = { 0 };
	char *h;

	ck_assert_int_eq(mail_render(&base, &b), 0);
	h = headers_of(b.s);
	ck_assert_ptr_nonnull(
	    strstr(h, "Message-ID: <" ID "@example.com>\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(h, "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"));
	ck_assert_ptr_nonnull(
	    strstr(h, "From: \"Acme Status\"\r\n <status@example.com>\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "To: <someone@example.org>\r\n"));
	ck_assert_ptr_nonnull(strstr(h,
	    "List-Unsubscribe: <https://acme.status.example/unsub?token=abc>"
	    "\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"));
	ck_assert_ptr_nonnull(strstr(h, "multipart/alternative"));
	ck_assert_ptr_nonnull(
	    strstr(b.s, "\r\n--=_statusd_" ID "\r\nContent-Type: text/plain"));
	ck_assert_ptr_nonnull(strstr(b.s, "Content-Type: text/html"));
	ck_assert_ptr_nonnull(strstr(b.s, "\r\n--=_statusd_" ID "--\r\n"));
	assert_lines(b.s, 998);
	free(h);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_render_refuses_bad_parts)
{
	struct mail_message m = base;
	struct textbuf b = { 0 };

	m.to = "a@example.org\r\nBcc: evil@example.net";
	ck_assert_int_eq(mail_render(&m, &b), -1);
	m = base;
	m.to = "Name <a@example.org>";
	ck_assert_int_eq(mail_render(&m, &b), -1);
	m = base;
	m.id = "x>\r\nBcc: y";
	ck_assert_int_eq(mail_render(&m, &b), -1);
	m = base;
	m.unsubscribe_url = "https://a.example/x> ,<mailto:evil@example.net";
	ck_assert_int_eq(mail_render(&m, &b), -1);
	m.unsubscribe_url = "javascript:alert(1)";
	ck_assert_int_eq(mail_render(&m, &b), -1);
	textbuf_free(&b);
}
END_TEST

/* The subject (or a display name) can hold anything: it never starts a
 * header of its own. */
START_TEST(test_header_injection)
{
	struct mail_message m = base;
	struct textbuf b = { 0 };
	char *h;

	m.subject = "Down\r\nBcc: evil@example.net\nX-Y: z\rW: v";
	m.from_name = "Page\r\nBcc: evil@example.net";
	ck_assert_int_eq(mail_render(&m, &b), 0);
	h = headers_of(b.s);
	ck_assert_ptr_null(strstr(h, "\r\nBcc:"));
	ck_assert_ptr_null(strstr(h, "\r\nX-Y:"));
	ck_assert_ptr_null(strstr(h, "\r\nW:"));
	ck_assert_ptr_nonnull(
	    strstr(h, "Subject: Down  Bcc: evil@example.net X-Y: z W: v\r\n"));
	assert_lines(b.s, 998);
	free(h);
	textbuf_free(&b);
}
END_TEST

/* Non-ASCII: encoded-words of whole characters, each at most 75 bytes,
 * folded, decoding back to the subject. */
START_TEST(test_encoded_words)
{
	const char *subject =
	    "Störung: Zahlungen verzögert — 支払いの遅延 😀 and some more "
	    "words so it folds";
	struct textbuf b = { 0 }, joined = { 0 };
	char *p, *q, dec[256];
	long n;

	mail_header(&b, "Subject", subject);
	ck_assert_str_eq(b.s + b.len - 2, "\r\n");
	assert_lines(b.s, 78);
	for (p = b.s; (p = strstr(p, "=?UTF-8?B?")) != NULL; p = q + 2) {
		q = strstr(p, "?=");
		ck_assert_ptr_nonnull(q);
		ck_assert_uint_le((size_t)(q + 2 - p), 75);
		n = base64_decode(p + 10, (size_t)(q - p - 10),
		    (unsigned char *)dec, sizeof(dec));
		ck_assert_int_gt(n, 0);
		/* each word decodes to whole characters */
		ck_assert_int_ne((unsigned char)dec[0] & 0xc0, 0x80);
		textbuf_add(&joined, dec, (size_t)n);
	}
	ck_assert_str_eq(joined.s, subject);
	textbuf_free(&b);
	textbuf_free(&joined);
}
END_TEST

START_TEST(test_quoted_printable)
{
	struct textbuf b = { 0 };
	char long_line[300];
	char *d;

	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	mail_quoted_printable(&b, "a=b trailing \nnaïve\r\nbad \xff byte");
	ck_assert_str_eq(
	    b.s, "a=3Db trailing=20\r\nna=C3=AFve\r\nbad =EF=BF=BD byte\r\n");
	textbuf_free(&b);
	mail_quoted_printable(&b, long_line);
	assert_lines(b.s, 76);
	ck_assert_ptr_null(strstr(b.s, "=_"));
	d = qp_decode(b.s);
	ck_assert_uint_eq(strlen(d), strlen(long_line) + 2);
	ck_assert_int_eq(strncmp(d, long_line, strlen(long_line)), 0);
	free(d);
	textbuf_free(&b);
}
END_TEST

static const char event[] =
    "{\"type\":\"incident.created\",\"timestamp\":\"2026-12-04T18:00:00Z\","
    "\"data\":{\"eventId\":\"e1\",\"page\":{\"id\":\"p\",\"name\":"
    "\"Acme <b>Status</b>\",\"url\":\"https://acme.status.example\"},"
    "\"incident\":{\"id\":\"i\",\"name\":\"" HOSTILE_JSON "\",\"status\":"
    "\"INVESTIGATING\",\"shortlink\":"
    "\"https://acme.status.example/incidents/abc\",\"latestUpdate\":{"
    "\"body\":\"Line one <img src=x onerror=alert(1)>\\nline & two\"},"
    "\"affectedComponents\":[{\"id\":\"c\",\"name\":\"API <v2>\","
    "\"status\":\"PARTIAL_OUTAGE\"}]}}}";

static const struct notice_mail mail = {
	.id = ID,
	.from_addr = "status@example.com",
	.to = "someone@example.org",
	.unsubscribe_url = "https://acme.status.example/unsub?token=t",
	.confirm_url = NULL,
	.now = 1800000000L,
};

/* A part of a rendered email ("text/html", "text/plain"), decoded. */
static char *
part_of(const char *msg, const char *type)
{
	const char *p = strstr(msg, type);

	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\r\n\r\n");
	ck_assert_ptr_nonnull(p);
	return qp_decode(p + 4);
}

START_TEST(test_incident_email_escapes)
{
	struct notice n;
	struct textbuf b = { 0 };
	char *html, *text;

	ck_assert_int_eq(notice_parse(event, &n), 0);
	ck_assert_int_eq(notice_email(&n, &mail, &b), 0);
	html = part_of(b.s, "Content-Type: text/html");
	text = part_of(b.s, "Content-Type: text/plain");
	ck_assert_ptr_null(strstr(html, "<script>"));
	ck_assert_ptr_null(strstr(html, "<img"));
	ck_assert_ptr_null(strstr(html, "<b>"));
	ck_assert_ptr_null(strstr(html, "<v2>"));
	ck_assert_ptr_nonnull(strstr(html,
	    "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; "
	    "&#39;a&#39;"));
	ck_assert_ptr_nonnull(
	    strstr(html, "Line one &lt;img src=x onerror=alert(1)&gt;<br>"));
	ck_assert_ptr_nonnull(strstr(html, "API &lt;v2&gt;: Partial outage"));
	ck_assert_ptr_nonnull(strstr(html,
	    "<a href=\"https://acme.status.example/unsub?token=t\">"
	    "Unsubscribe</a>"));
	/* the plain part is plain: the text as typed */
	ck_assert_ptr_nonnull(
	    strstr(text, HOSTILE "\r\nStatus: Investigating"));
	ck_assert_ptr_nonnull(
	    strstr(text, "Unsubscribe: https://acme.status.example/unsub"));
	/* longer than a line: encoded-words (test_encoded_words) */
	ck_assert_ptr_nonnull(strstr(b.s, "\r\nSubject: =?UTF-8?B?"));
	free(html);
	free(text);
	notice_free(&n);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_confirmation_email)
{
	static const char doc[] =
	    "{\"type\":\"subscriber.confirmation\",\"data\":{\"page\":{"
	    "\"name\":\"Acme\",\"url\":\"https://acme.status.example\"}}}";
	struct notice_mail m = mail;
	struct notice n;
	struct textbuf b = { 0 };
	char *text;

	ck_assert_int_eq(notice_parse(doc, &n), 0);
	ck_assert_int_eq(notice_email(&n, &m, &b), -1); /* no link */
	m.confirm_url = "https://acme.status.example/subscriptions/"
	                "confirm?token=k";
	m.unsubscribe_url = NULL;
	ck_assert_int_eq(notice_email(&n, &m, &b), 0);
	ck_assert_ptr_nonnull(
	    strstr(b.s, "Subject: Confirm your subscription to Acme\r\n"));
	ck_assert_ptr_null(strstr(b.s, "List-Unsubscribe"));
	text = part_of(b.s, "Content-Type: text/plain");
	ck_assert_ptr_nonnull(strstr(text,
	    "Confirm: https://acme.status.example/subscriptions/"
	    "confirm?token=k"));
	free(text);
	notice_free(&n);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_parse_refuses)
{
	struct notice n;

	ck_assert_int_eq(notice_parse("[]", &n), -1);
	ck_assert_int_eq(notice_parse("{\"type\":1}", &n), -1);
	ck_assert_int_eq(notice_parse("{", &n), -1);
	ck_assert_int_eq(notice_parse("{\"type\":\"x\"}", &n), 0);
	ck_assert_str_eq(n.page_name, "");
	ck_assert_str_eq(n.body, "");
	notice_free(&n);
}
END_TEST

START_TEST(test_slack_escapes)
{
	struct notice n;
	struct textbuf b = { 0 };
	json_t *doc;
	const char *text, *main;

	ck_assert_int_eq(notice_parse(event, &n), 0);
	ck_assert_int_eq(notice_slack(&n, "https://a.example/u?t=1", &b), 0);
	doc = json_loads(b.s, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	text = json_string_value(json_object_get(doc, "text"));
	ck_assert_str_eq(text,
	    "Acme &lt;b&gt;Status&lt;/b&gt;: &lt;script&gt;alert(1)&lt;/"
	    "script&gt; &amp; \"q\" 'a' (Investigating)");
	main = json_string_value(json_object_get(
	    json_object_get(
	        json_array_get(json_object_get(doc, "blocks"), 0), "text"),
	    "text"));
	ck_assert_ptr_nonnull(strstr(main,
	    "*<https://acme.status.example/incidents/abc|&lt;script&gt;"));
	ck_assert_ptr_nonnull(strstr(main, "API &lt;v2&gt; (Partial outage)"));
	ck_assert_ptr_null(strstr(main, "<img"));
	ck_assert_ptr_nonnull(
	    strstr(b.s, "<https://a.example/u?t=1|Unsubscribe>"));
	json_decref(doc);
	notice_free(&n);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_sms_kinds)
{
	static const char updated[] = "{\"type\":\"incident.updated\"}";
	static const char resolved[] =
	    "{\"type\":\"incident.resolved\",\"data\":{\"page\":{\"name\":"
	    "\"Acme\"},\"incident\":{\"name\":\"DB\\r\\ndown\",\"shortlink\":"
	    "\"https://a.example/i/1\"}}}";
	struct notice n;
	struct textbuf b = { 0 };

	ck_assert_int_eq(notice_parse(updated, &n), 0);
	ck_assert_int_eq(notice_sms_text(&n, NULL, &b), 1);
	ck_assert_uint_eq(b.len, 0);
	notice_free(&n);
	ck_assert_int_eq(notice_parse(resolved, &n), 0);
	ck_assert_int_eq(notice_sms_text(&n, NULL, &b), 0);
	ck_assert_str_eq(b.s, "Acme: resolved: DB  down https://a.example/i/1");
	notice_free(&n);
	textbuf_free(&b);
	ck_assert_int_eq(notice_parse(event, &n), 0);
	ck_assert_int_eq(notice_sms_text(&n, NULL, &b), 0);
	ck_assert_ptr_nonnull(strstr(b.s, " (Investigating) https://"));
	notice_free(&n);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_sms_cut_on_characters)
{
	struct notice n;
	struct textbuf b = { 0 };
	char doc[1024], name[400];
	size_t i;

	for (i = 0; i + 2 < 300; i += 2)
		memcpy(name + i, "\xc3\xa9", 2); /* é */
	name[i] = '\0';
	snprintf(doc, sizeof(doc),
	    "{\"type\":\"incident.created\",\"data\":{\"incident\":{"
	    "\"name\":\"%s\"}}}",
	    name);
	ck_assert_int_eq(notice_parse(doc, &n), 0);
	ck_assert_int_eq(notice_sms_text(&n, NULL, &b), 0);
	ck_assert_uint_lt(b.len, 120);
	ck_assert_ptr_nonnull(strstr(b.s, "\xe2\x80\xa6")); /* … */
	ck_assert_ptr_null(strstr(b.s, "\xef\xbf\xbd")); /* no cut char */
	notice_free(&n);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_template_json)
{
	struct textbuf b = { 0 };
	enum notice_form f;
	json_t *doc;

	ck_assert_int_eq(
	    notice_form_of("application/json; charset=utf-8", &f), 0);
	ck_assert_int_eq(f, NOTICE_FORM_JSON);
	notice_fill_template(&b,
	    "{\"to\":\"{to}\",\"msg\":\"{text}\",\"f\":\"{from}\"}", f,
	    "+15550001111", "Acme", "say \"hi\"\\ \n<b>&</b>");
	doc = json_loads(b.s, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_str_eq(json_string_value(json_object_get(doc, "msg")),
	    "say \"hi\"\\  <b>&</b>");
	ck_assert_str_eq(
	    json_string_value(json_object_get(doc, "to")), "+15550001111");
	ck_assert_str_eq(json_string_value(json_object_get(doc, "f")), "Acme");
	json_decref(doc);
	textbuf_free(&b);
}
END_TEST

START_TEST(test_template_form)
{
	struct textbuf b = { 0 };
	enum notice_form f;

	ck_assert_int_eq(
	    notice_form_of("application/x-www-form-urlencoded", &f), 0);
	ck_assert_int_eq(f, NOTICE_FORM_URLENCODED);
	ck_assert_int_eq(notice_form_of("text/plain", &f), -1);
	notice_fill_template(&b, "To={to}&Body={text}&x={nope}", f,
	    "+15550001111", NULL, "a b&c=d é");
	ck_assert_str_eq(
	    b.s, "To=%2B15550001111&Body=a+b%26c%3Dd+%C3%A9&x={nope}");
	textbuf_free(&b);
}
END_TEST

START_TEST(test_html_escape)
{
	struct textbuf b = { 0 };

	textbuf_html(&b, "<a href='x'>\"&\"</a>");
	ck_assert_str_eq(
	    b.s, "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
	textbuf_free(&b);
}
END_TEST

Suite *
mailmsg_suite(void)
{
	Suite *s = suite_create("mailmsg");
	TCase *tc = tcase_create("mailmsg");

	tcase_add_test(tc, test_render_headers);
	tcase_add_test(tc, test_render_refuses_bad_parts);
	tcase_add_test(tc, test_header_injection);
	tcase_add_test(tc, test_encoded_words);
	tcase_add_test(tc, test_quoted_printable);
	tcase_add_test(tc, test_incident_email_escapes);
	tcase_add_test(tc, test_confirmation_email);
	tcase_add_test(tc, test_parse_refuses);
	tcase_add_test(tc, test_slack_escapes);
	tcase_add_test(tc, test_sms_kinds);
	tcase_add_test(tc, test_sms_cut_on_characters);
	tcase_add_test(tc, test_template_json);
	tcase_add_test(tc, test_template_form);
	tcase_add_test(tc, test_html_escape);
	suite_add_tcase(s, tc);
	return s;
}
