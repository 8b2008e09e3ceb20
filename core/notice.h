/*
 * What a subscriber is told, from the event document the notifier claims
 * (db/sql/60_notify.sql notification_event_json): the email (core/
 * mailmsg.h), the Slack incoming-webhook JSON and the SMS text, plus the
 * SMS gateway's request body from the operator's template. Pure (no I/O).
 *
 * Every name and body in the document was typed by an operator, so each
 * output escapes it for where it goes: HTML character references in the
 * HTML part, Slack's &amp; &lt; &gt; in mrkdwn, JSON or form escaping in
 * the gateway body, and nothing that could end a header line.
 */
#ifndef STATUSD_NOTICE_H
#define STATUSD_NOTICE_H

#include <jansson.h>

#include "mailmsg.h"

#define NOTICE_COMPONENTS_MAX 20
#define NOTICE_CONFIRMATION "subscriber.confirmation"

struct notice_component {
	const char *name, *status;
};

/* The document's fields; each string is "" when absent, never NULL, and
 * borrowed from root. */
struct notice {
	json_t *root;
	const char *kind; /* incident.created, subscriber.confirmation, ... */
	const char *page_name, *page_url;
	const char *incident_name, *status, *body, *shortlink;
	struct notice_component components[NOTICE_COMPONENTS_MAX];
	size_t ncomponents, more_components; /* more: left out */
};

/* 0, or -1 when json is not an object with a string "type". */
int notice_parse(const char *json, struct notice *n);
void notice_free(struct notice *n);

/* "PARTIAL_OUTAGE" -> "Partial outage"; anything else as it is. */
void notice_label(struct textbuf *b, const char *enum_value);

/* Who the email is from and to, and its links. */
struct notice_mail {
	const char *id; /* the delivery id */
	const char *from_addr;
	const char *to;
	const char *unsubscribe_url; /* one-click; NULL leaves it out */
	const char *confirm_url; /* for subscriber.confirmation */
	long now;
};

/* Appends the whole email for the notice. -1 when it cannot be made: a
 * confirmation without its link, an address or id mail_render refuses. */
int notice_email(
    const struct notice *n, const struct notice_mail *m, struct textbuf *out);

/* Appends Slack's incoming-webhook JSON: text (the notification's
 * fallback) and blocks. -1 when out of memory. */
int notice_slack(
    const struct notice *n, const char *unsubscribe_url, struct textbuf *out);

/* Appends the short SMS text. 1 (nothing appended) for kinds SMS does not
 * carry: only incident.created, incident.resolved and the confirmation
 * (which needs confirm_url: -1 without it). */
int notice_sms_text(
    const struct notice *n, const char *confirm_url, struct textbuf *out);

/* How the gateway's body template is escaped, from its content type. */
enum notice_form { NOTICE_FORM_JSON, NOTICE_FORM_URLENCODED };
/* 0 with *f set, or -1 for a content type that is neither. */
int notice_form_of(const char *content_type, enum notice_form *f);

/* The template with each {to}, {from} and {text} replaced by its value
 * escaped for the form (inside a JSON string, or a form value); all other
 * text copied as it is. */
void notice_fill_template(struct textbuf *out, const char *tmpl,
    enum notice_form f, const char *to, const char *from, const char *text);

#endif
