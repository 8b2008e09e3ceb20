/*
 * One batch of claimed attempts sent at once (libcurl multi): each job
 * gets a result. Webhooks only go to an https URL whose name was resolved
 * once, here, every address checked against the internal ranges
 * (core/contact.c, as at sign-up), and pinned for the connection, so what
 * was checked is what is connected to (and checked again as the socket is
 * opened); no redirect is followed, no proxy used.
 */
#ifndef STATUSD_NOTIFY_SEND_H
#define STATUSD_NOTIFY_SEND_H

#include <stddef.h>

#include "config.h"
#include "contact.h"
#include "db/notify.h"
#include "notice.h"

/* Email: over SMTP when smtp_url is set, otherwise into pickup_dir. */
struct mail_settings {
	const char *smtp_url; /* smtp:// (STARTTLS) or smtps://; "": none */
	const char *username, *password; /* "": no AUTH */
	int require_tls; /* 0: STARTTLS only when the server offers it */
	const char *ca_file; /* "" or a PEM file trusted besides the system's */
	const char *from; /* addr-spec */
	const char *pickup_dir;
};

/* SMS through an HTTP gateway; url "" drops SMS deliveries. */
struct sms_settings {
	const char *url;
	const char *username, *password; /* HTTP basic; "": none */
	const char *content_type;
	enum notice_form form; /* from content_type */
	const char *body_template; /* {to} {from} {text} */
	const char *from;
};

struct send_settings {
	long connect_timeout_ms;
	long timeout_ms;
	const char *ca_file; /* "" or a PEM file trusted besides the system's */
	const struct contact_nets *allowed; /* exempt from the internal rule */
	struct mail_settings mail;
	struct sms_settings sms;
};

/* What an attempt came to, before back-off is applied. */
struct send_result {
	const char *outcome; /* DELIVERED RETRY GONE FAILED REFUSED DROPPED */
	int status_code;
	const char *error; /* static text, or NULL */
	long long retry_after_s; /* from the response; 0 when none */
};

/* The channels send_batch can send, NULL-terminated: a notifier claims
 * only these (deliveries of others wait, PENDING, for a notifier that
 * sends them). */
extern const char *const send_channels[];

/* Fills s->mail and s->sms from c (notify/channels.c), which must
 * outlive them. 0, or -1 with a message in err (no secret quoted). */
int send_configure_channels(
    const struct config *c, struct send_settings *s, char *err, size_t errlen);

/* Sends jobs[0..n) concurrently and fills results[0..n). */
void send_batch(const struct send_settings *s, const struct notify_job *jobs,
    struct send_result *results, size_t n);

/* Closes the connections kept for the next batch. */
void send_cleanup(void);

#endif
