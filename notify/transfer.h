/*
 * One attempt in flight, shared by send.c (the batch, webhooks) and the
 * other channels' files (email.c, slack.c, sms.c): each channel fills a
 * transfer from its job, send.c runs them all at once and judges how they
 * ended.
 */
#ifndef STATUSD_NOTIFY_TRANSFER_H
#define STATUSD_NOTIFY_TRANSFER_H

#include <curl/curl.h>

#include "send.h"

struct transfer {
	CURL *easy;
	const struct contact_nets *allowed;
	int refused; /* the socket was to go to an internal address */
	struct curl_slist *headers;
	struct curl_slist *pin;
	struct curl_slist *recipients; /* SMTP RCPT TO */
	char *body; /* what is posted or uploaded (malloc'd) */
	size_t body_len, body_sent;
	/* How the transfer's end is judged; NULL: as an HTTP answer. */
	void (*judge)(struct transfer *t, CURLcode rc);
	struct send_result *result;
};

/* Sets the result's outcome and reason (static text). */
void transfer_outcome(
    struct send_result *r, const char *outcome, const char *error);

/* Adds "name: value" to the request's headers; 0 or -1. */
int transfer_add_header(
    struct transfer *t, const char *name, const char *value);

/* Prepares an https POST of t->body (t->body_len bytes, t->headers) to
 * url, under the webhook rules: the name resolved once, every address
 * checked against the internal ranges and pinned, no redirect, no proxy,
 * the certificate checked. 0, or -1 with the result filled. */
int transfer_https_post(
    struct transfer *t, const struct send_settings *s, const char *url);

/* The channels besides webhooks: 0 when the transfer is ready to run;
 * -1 when the attempt ended here (the result is filled: a message
 * written to the pickup directory is DELIVERED, a kind the channel does
 * not carry DROPPED). */
int email_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j);
int slack_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j);
int sms_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j);

#endif
