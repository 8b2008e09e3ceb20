/*
 * SLACK deliveries: Slack's incoming-webhook JSON (core/notice.c) posted
 * to the subscriber's hooks.slack.com URL under the webhook rules
 * (transfer_https_post: address checks, pinning, no redirect), judged as
 * a webhook answer: 2xx delivered, 410 gone, 429 and 5xx again later.
 */
#include "notice.h"
#include "transfer.h"

int
slack_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j)
{
	struct textbuf json = { 0 };
	struct notice n;
	int rc;

	if (notice_parse(j->body, &n) != 0) {
		transfer_outcome(
		    t->result, "FAILED", "the event document is malformed");
		return -1;
	}
	rc = notice_slack(&n, j->unsubscribe_url, &json);
	notice_free(&n);
	if (rc != 0 ||
	    transfer_add_header(t, "Content-Type", "application/json") != 0) {
		textbuf_free(&json);
		transfer_outcome(t->result, "RETRY", "out of memory");
		return -1;
	}
	t->body = json.s;
	t->body_len = json.len;
	return transfer_https_post(t, s, j->target);
}
