/*
 * The settings of the channels besides webhooks, checked once at start:
 * a notifier with a From address that is no address, an smtp_url of
 * another scheme or an SMS template that cannot make a request refuses to
 * start rather than fail every delivery.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "contact.h"
#include "log.h"
#include "notice.h"
#include "send.h"

static char mail_from[CONFIG_STR + 16];

/* mkdir -p; 0, or -1 with errno set. */
static int
make_dirs(const char *path)
{
	char p[CONFIG_STR];
	char *s;

	snprintf(p, sizeof(p), "%s", path);
	for (s = p + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0750) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(p, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

static int
configure_mail(
    const struct config *c, struct mail_settings *m, char *err, size_t errlen)
{
	if (c->mail_from[0] != '\0')
		snprintf(mail_from, sizeof(mail_from), "%s", c->mail_from);
	else
		snprintf(mail_from, sizeof(mail_from), "statusd@%s",
		    c->public_domain);
	if (!contact_email_valid(mail_from)) {
		snprintf(err, errlen,
		    "mail_from: not an address (set it, or a public_domain "
		    "that makes statusd@<public_domain> one)");
		return -1;
	}
	if (c->smtp_url[0] != '\0' && strncmp(c->smtp_url, "smtp://", 7) != 0 &&
	    strncmp(c->smtp_url, "smtps://", 8) != 0) {
		snprintf(err, errlen, "smtp_url: smtp:// or smtps:// only");
		return -1;
	}
	m->smtp_url = c->smtp_url;
	m->username = c->smtp_username;
	m->password = c->smtp_password;
	m->require_tls = c->smtp_require_starttls;
	m->ca_file = c->smtp_ca_file;
	m->from = mail_from;
	m->pickup_dir = c->mail_pickup_dir;
	if (c->smtp_url[0] != '\0')
		return 0;
	/* Not fatal: the deliveries wait (RETRY) until it can be written. */
	if (make_dirs(c->mail_pickup_dir) != 0)
		log_error(
		    "event=mail_pickup_unusable error=\"%s\"", strerror(errno));
	log_info("event=mail_pickup_mode note=\"no smtp_url: email is "
	         "written to mail_pickup_dir\"");
	return 0;
}

/* The template filled with sample values must be a JSON document when it
 * is sent as one: a typo shows now, not at the first incident. */
static int
configure_sms(
    const struct config *c, struct sms_settings *g, char *err, size_t errlen)
{
	struct textbuf b = { 0 };
	json_t *doc;
	int ok;

	g->url = c->sms_gateway_url;
	g->username = c->sms_gateway_username;
	g->password = c->sms_gateway_password;
	g->content_type = c->sms_gateway_content_type;
	g->body_template = c->sms_body_template;
	g->from = c->sms_from;
	if (c->sms_gateway_url[0] == '\0')
		return 0;
	if (strncmp(c->sms_gateway_url, "https://", 8) != 0) {
		snprintf(err, errlen, "sms_gateway_url: https:// only");
		return -1;
	}
	if (notice_form_of(g->content_type, &g->form) != 0) {
		snprintf(err, errlen,
		    "sms_gateway_content_type: application/json or "
		    "application/x-www-form-urlencoded");
		return -1;
	}
	if (g->form != NOTICE_FORM_JSON)
		return 0;
	notice_fill_template(&b, g->body_template, g->form, "+15550000000",
	    "\"x\"", "a \"b\" c");
	doc = b.failed ? NULL : json_loads(b.s, 0, NULL);
	ok = doc != NULL;
	json_decref(doc);
	textbuf_free(&b);
	if (!ok) {
		snprintf(err, errlen,
		    "sms_body_template: not a JSON document once filled "
		    "(placeholders go inside strings: \"{text}\")");
		return -1;
	}
	return 0;
}

int
send_configure_channels(
    const struct config *c, struct send_settings *s, char *err, size_t errlen)
{
	return configure_mail(c, &s->mail, err, errlen) != 0 ||
	        configure_sms(c, &s->sms, err, errlen) != 0
	    ? -1
	    : 0;
}
