/*
 * SMS deliveries: a short text (core/notice.c) sent through the
 * operator's HTTP gateway: the body template filled with the escaped
 * values, posted under the webhook rules (transfer_https_post) and judged
 * as a webhook answer. Only incident.created, incident.resolved and the
 * subscription's confirmation are sent; other kinds end DROPPED with the
 * reason, and so does everything while no gateway is configured (the
 * subscriber is not to blame: no failure is counted against it).
 */
#include <string.h>

#include "notice.h"
#include "transfer.h"

static const char *
text_of(const struct notify_job *j, struct textbuf *text, int *skip)
{
	struct notice n;
	int rc;

	*skip = 0;
	if (notice_parse(j->body, &n) != 0)
		return "the event document is malformed";
	rc = notice_sms_text(&n, j->confirm_url, text);
	notice_free(&n);
	if (rc == 1) {
		*skip = 1;
		return "not sent by SMS (only incident.created, "
		       "incident.resolved and the confirmation)";
	}
	return rc == 0 ? NULL : "no text can be made (confirm link)";
}

int
sms_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j)
{
	const struct sms_settings *g = &s->sms;
	struct textbuf text = { 0 }, body = { 0 };
	const char *why;
	int skip;

	if (g->url[0] == '\0') {
		transfer_outcome(t->result, "DROPPED", "no sms_gateway_url");
		return -1;
	}
	why = text_of(j, &text, &skip);
	if (why != NULL) {
		transfer_outcome(t->result, skip ? "DROPPED" : "FAILED", why);
		textbuf_free(&text);
		return -1;
	}
	notice_fill_template(
	    &body, g->body_template, g->form, j->target, g->from, text.s);
	textbuf_free(&text);
	if (body.failed ||
	    transfer_add_header(t, "Content-Type", g->content_type) != 0) {
		textbuf_free(&body);
		transfer_outcome(t->result, "RETRY", "out of memory");
		return -1;
	}
	t->body = body.s;
	t->body_len = body.len;
	if (transfer_https_post(t, s, g->url) != 0)
		return -1;
	if (g->username[0] != '\0') {
		curl_easy_setopt(
		    t->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(t->easy, CURLOPT_USERNAME, g->username);
		curl_easy_setopt(t->easy, CURLOPT_PASSWORD, g->password);
	}
	return 0;
}
