/*
 * EMAIL deliveries: the message (core/notice.c) sent over SMTP with
 * libcurl, or, without smtp_url, written to the pickup directory as
 * <delivery id>.eml (a temporary file renamed into place, so a reader
 * never sees half a message).
 *
 * SMTP outcomes, mapped onto the retry rules: the message accepted
 * (250 after DATA) is DELIVERED; a 5xx answer (the recipient or the
 * message refused for good) FAILED; a 4xx answer, a timeout, a refused
 * login, a server that does not offer STARTTLS when it is required, or
 * any other transport error RETRY: those are the server's or the
 * operator's to fix, and the message is not lost meanwhile.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notice.h"
#include "transfer.h"

/* The whole message of the job into *out; NULL, or why it cannot be. */
static const char *
build(const struct send_settings *s, const struct notify_job *j,
    struct textbuf *out)
{
	struct notice_mail m;
	struct notice n;
	int rc;

	if (notice_parse(j->body, &n) != 0)
		return "the event document is malformed";
	memset(&m, 0, sizeof(m));
	m.id = j->id;
	m.from_addr = s->mail.from;
	m.to = j->target;
	m.unsubscribe_url = j->unsubscribe_url;
	m.confirm_url = j->confirm_url;
	m.now = (long)time(NULL);
	rc = notice_email(&n, &m, out);
	notice_free(&n);
	if (rc == 0)
		return NULL;
	return out->failed ? "out of memory"
	                   : "no message can be made (address or link)";
}

/* Writes the message as <dir>/<id>.eml: a temporary name first, synced,
 * then renamed, so the file appears whole or not at all. */
static const char *
pickup(const char *dir, const char *id, const struct textbuf *msg)
{
	char tmp[1024], final[1024];
	size_t off = 0;
	ssize_t w;
	int fd;

	if ((size_t)snprintf(final, sizeof(final), "%s/%s.eml", dir, id) >=
	        sizeof(final) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/.%s.eml.%ld.tmp", dir, id,
	        (long)getpid()) >= sizeof(tmp))
		return "pickup path too long";
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		return "pickup directory not writable";
	while (off < msg->len) {
		w = write(fd, msg->s + off, msg->len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < msg->len || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return "pickup write failed";
	}
	if (close(fd) != 0 || rename(tmp, final) != 0) {
		unlink(tmp);
		return "pickup write failed";
	}
	return NULL;
}

/* libcurl reads the message to upload from here. */
static size_t
upload(char *buf, size_t size, size_t n, void *data)
{
	struct transfer *t = data;
	size_t left = t->body_len - t->body_sent;
	size_t k = size * n < left ? size * n : left;

	memcpy(buf, t->body + t->body_sent, k);
	t->body_sent += k;
	return k;
}

static void
judge_smtp(struct transfer *t, CURLcode rc)
{
	long code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	t->result->status_code = (int)code;
	if (rc == CURLE_OK)
		transfer_outcome(t->result, "DELIVERED", NULL);
	else if (rc == CURLE_USE_SSL_FAILED)
		transfer_outcome(
		    t->result, "RETRY", "smtp server offers no STARTTLS");
	else if (rc == CURLE_LOGIN_DENIED)
		transfer_outcome(t->result, "RETRY", "smtp login refused");
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		transfer_outcome(t->result, "RETRY", "timed out");
	else if (code >= 500 && code < 600)
		transfer_outcome(
		    t->result, "FAILED", "smtp refused the message");
	else if (code >= 400 && code < 500)
		transfer_outcome(t->result, "RETRY", "smtp asks to try later");
	else
		transfer_outcome(t->result, "RETRY", curl_easy_strerror(rc));
}

static int
smtp_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j)
{
	const struct mail_settings *m = &s->mail;
	char addr[300];
	CURL *e;

	snprintf(addr, sizeof(addr), "<%s>", j->target);
	t->recipients = curl_slist_append(NULL, addr);
	t->easy = e = curl_easy_init();
	if (t->recipients == NULL || e == NULL) {
		transfer_outcome(t->result, "RETRY", "out of memory");
		return -1;
	}
	snprintf(addr, sizeof(addr), "<%s>", m->from);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(e, CURLOPT_URL, m->smtp_url);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_USE_SSL,
	    m->require_tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_TRY);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	if (m->ca_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, m->ca_file);
	if (m->username[0] != '\0') {
		curl_easy_setopt(e, CURLOPT_USERNAME, m->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, m->password);
	}
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	curl_easy_setopt(e, CURLOPT_MAIL_FROM, addr);
	curl_easy_setopt(e, CURLOPT_MAIL_RCPT, t->recipients);
	curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(e, CURLOPT_READFUNCTION, upload);
	curl_easy_setopt(e, CURLOPT_READDATA, t);
	curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->body_len);
	t->judge = judge_smtp;
	return 0;
}

int
email_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j)
{
	struct textbuf msg = { 0 };
	const char *why = build(s, j, &msg);

	if (why != NULL) {
		/* a document or address that cannot make a message never
		 * will: no retry */
		transfer_outcome(
		    t->result, msg.failed ? "RETRY" : "FAILED", why);
		textbuf_free(&msg);
		return -1;
	}
	if (s->mail.smtp_url[0] == '\0') {
		why = pickup(s->mail.pickup_dir, j->id, &msg);
		transfer_outcome(
		    t->result, why != NULL ? "RETRY" : "DELIVERED", why);
		textbuf_free(&msg);
		return -1;
	}
	/* the buffer is the transfer's now: send.c frees it */
	t->body = msg.s;
	t->body_len = msg.len;
	return smtp_prepare(t, s, j);
}
