#include "send.h"

#include <curl/curl.h>
#include <jansson.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "contact.h"
#include "transfer.h"
#include "webhook_sign.h"

#define USER_AGENT "statusd-notify"
#define PIN_MAX 1024

/* One entry per branch of prepare(). */
const char *const send_channels[] = { "WEBHOOK", "EMAIL", "SLACK", "SMS",
	NULL };

/* Response bodies are neither kept nor logged. */
static size_t
discard(char *ptr, size_t size, size_t n, void *data)
{
	(void)ptr;
	(void)data;
	return size * n;
}

static void
fail(struct send_result *r, const char *outcome, const char *error)
{
	r->outcome = outcome;
	r->error = error;
}

void
transfer_outcome(struct send_result *r, const char *outcome, const char *error)
{
	fail(r, outcome, error);
}

enum resolved { RESOLVED_OK, RESOLVED_NONE, RESOLVED_INTERNAL };

/* Resolves host once, refuses it when any address is internal (and not in
 * allowed), and writes a CURLOPT_RESOLVE entry "host:port:addr,addr" into
 * pin: curl then connects to exactly these addresses, so the name cannot
 * resolve elsewhere between the check and the connection. */
static enum resolved
resolve_pin(const char *host, const char *port,
    const struct contact_nets *allowed, char pin[PIN_MAX])
{
	struct addrinfo hints, *res, *ai;
	char addr[INET6_ADDRSTRLEN + 2];
	size_t len;
	int n = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return RESOLVED_NONE;
	for (ai = res; ai != NULL; ai = ai->ai_next)
		if (contact_address_internal(ai->ai_addr, allowed)) {
			freeaddrinfo(res);
			return RESOLVED_INTERNAL;
		}
	len = (size_t)snprintf(pin, PIN_MAX, "%s:%s:", host, port);
	for (ai = res; ai != NULL && len < PIN_MAX - sizeof(addr) - 1;
	     ai = ai->ai_next) {
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr + 1,
		        sizeof(addr) - 2, NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		if (ai->ai_family == AF_INET6) {
			addr[0] = '[';
			strcat(addr, "]");
		}
		len += (size_t)snprintf(pin + len, PIN_MAX - len, "%s%s",
		    n++ ? "," : "",
		    ai->ai_family == AF_INET6 ? addr : addr + 1);
	}
	freeaddrinfo(res);
	return n > 0 ? RESOLVED_OK : RESOLVED_NONE;
}

/* The last check, as curl opens each socket: whatever made curl pick this
 * address, an internal one is never connected to. */
static curl_socket_t
open_checked(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct transfer *t = data;

	(void)purpose;
	if (contact_address_internal(&a->addr, t->allowed)) {
		t->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

/* The host and port of an https URL (curl's own parser, so what is pinned
 * is what curl will connect to); -1 for anything else. */
static int
https_host(
    const char *url, char *host, size_t hostlen, char *port, size_t portlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *h = NULL, *p = NULL;
	int rc = -1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    strcmp(scheme, "https") == 0 &&
	    curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) ==
	        CURLUE_OK &&
	    (size_t)snprintf(host, hostlen, "%s", h) < hostlen &&
	    (size_t)snprintf(port, portlen, "%s", p) < portlen)
		rc = 0;
	curl_free(scheme);
	curl_free(h);
	curl_free(p);
	curl_url_cleanup(u);
	return rc;
}

static int
add_header(struct transfer *t, const char *name, const char *value)
{
	char line[512];
	struct curl_slist *l;

	snprintf(line, sizeof(line), "%s: %s", name, value);
	l = curl_slist_append(t->headers, line);
	if (l == NULL)
		return -1;
	t->headers = l;
	return 0;
}

int
transfer_add_header(struct transfer *t, const char *name, const char *value)
{
	return add_header(t, name, value);
}

/* The event document with the subscriber's own part added under data:
 * {"subscriber": {"id", "unsubscribeUrl"}}. malloc'd, or NULL. */
static char *
webhook_body(const struct notify_job *j)
{
	json_t *doc = json_loads(j->body, 0, NULL);
	json_t *data = json_object_get(doc, "data");
	json_t *sub = json_object();
	char *out = NULL;

	if (json_is_object(data) && sub != NULL &&
	    json_object_set_new(sub, "id", json_string(j->subscriber_id)) ==
	        0 &&
	    (j->unsubscribe_url == NULL ||
	        json_object_set_new(sub, "unsubscribeUrl",
	            json_string(j->unsubscribe_url)) == 0) &&
	    json_object_set(data, "subscriber", sub) == 0)
		out = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(sub);
	json_decref(doc);
	return out;
}

/* The Standard Webhooks headers: the delivery's id (the same on every
 * retry), this attempt's time, and the signature over both and the body. */
static int
sign_headers(struct transfer *t, const struct notify_job *j)
{
	struct webhook_key key;
	char id[64], ts[24], sig[WEBHOOK_SIGNATURE_MAX];
	long now = (long)time(NULL);
	int rc;

	if (j->secret == NULL || webhook_key_parse(j->secret, &key) != 0)
		return -1;
	snprintf(id, sizeof(id), "msg_%s", j->id);
	snprintf(ts, sizeof(ts), "%ld", now);
	rc = webhook_sign(&key, id, now, t->body, strlen(t->body), sig);
	memset(&key, 0, sizeof(key));
	if (rc != 0)
		return -1;
	return add_header(t, "Content-Type", "application/json") ||
	    add_header(t, "webhook-id", id) ||
	    add_header(t, "webhook-timestamp", ts) ||
	    add_header(t, "webhook-signature", sig);
}

static void
common_options(CURL *e, const struct send_settings *s)
{
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	/* Straight to the checked address: no proxy from the environment. */
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
	/* The system's CAs stay trusted through CAPATH; ca_file adds. */
	if (s->ca_file != NULL && s->ca_file[0] != '\0')
		curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, s->connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, s->timeout_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
}

/* Resolves and checks the URL's host and, for a name, pins what was
 * checked in t->pin. 0, or -1 with the result filled. */
static int
check_and_pin(
    struct transfer *t, const struct send_settings *s, const char *url)
{
	char host[256], port[8], pin[PIN_MAX];
	int literal6;
	size_t n;

	if (https_host(url, host, sizeof(host), port, sizeof(port)) != 0) {
		fail(t->result, "FAILED", "not an https url");
		return -1;
	}
	/* An IPv6 literal is checked without its brackets and needs no pin:
	 * there is no name to resolve elsewhere. */
	literal6 = host[0] == '[';
	if (literal6) {
		n = strlen(host);
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	switch (resolve_pin(host, port, s->allowed, pin)) {
	case RESOLVED_OK: break;
	case RESOLVED_NONE:
		fail(t->result, "RETRY", "name does not resolve");
		return -1;
	case RESOLVED_INTERNAL:
		fail(t->result, "REFUSED", "resolves to an internal address");
		return -1;
	}
	if (!literal6 && (t->pin = curl_slist_append(NULL, pin)) == NULL) {
		fail(t->result, "RETRY", "out of memory");
		return -1;
	}
	return 0;
}

int
transfer_https_post(
    struct transfer *t, const struct send_settings *s, const char *url)
{
	if (check_and_pin(t, s, url) != 0)
		return -1;
	t->easy = curl_easy_init();
	if (t->easy == NULL) {
		fail(t->result, "RETRY", "out of memory");
		return -1;
	}
	common_options(t->easy, s);
	t->allowed = s->allowed;
	curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETFUNCTION, open_checked);
	curl_easy_setopt(t->easy, CURLOPT_OPENSOCKETDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_RESOLVE, t->pin);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)t->body_len);
	return 0;
}

/* Prepares a webhook POST; 0, or -1 with the result filled. */
static int
webhook_prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j)
{
	if ((t->body = webhook_body(j)) == NULL) {
		fail(t->result, "DROPPED", "the event document is malformed");
		return -1;
	}
	t->body_len = strlen(t->body);
	if (sign_headers(t, j) != 0) {
		fail(t->result, "FAILED", "no usable signing secret");
		return -1;
	}
	return transfer_https_post(t, s, j->target);
}

/* What the receiver's answer means (the rules): 2xx delivered,
 * 410 gone (unsubscribes), 429 and 5xx again later, anything else (a
 * redirect included: never followed) a failure. */
static void
judge_http(struct transfer *t)
{
	long code = 0;
	curl_off_t ra = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(t->easy, CURLINFO_RETRY_AFTER, &ra);
	t->result->status_code = (int)code;
	t->result->retry_after_s = ra > 0 ? (long long)ra : 0;
	if (code >= 200 && code < 300)
		fail(t->result, "DELIVERED", NULL);
	else if (code == 410)
		fail(t->result, "GONE", "410 gone");
	else if (code == 429 || code >= 500)
		fail(t->result, "RETRY", "receiver busy or failing");
	else if (code >= 300 && code < 400)
		fail(t->result, "FAILED", "redirect not followed");
	else
		fail(t->result, "FAILED", "refused by the receiver");
}

static void
judge_transport(struct transfer *t, CURLcode rc)
{
	if (t->refused) {
		fail(t->result, "REFUSED", "connects to an internal address");
		return;
	}
	switch (rc) {
	case CURLE_OK: judge_http(t); break;
	case CURLE_OPERATION_TIMEDOUT:
		fail(t->result, "RETRY", "timed out");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		fail(
		    t->result, "RETRY", "tls handshake or certificate refused");
		break;
	case CURLE_COULDNT_CONNECT:
		fail(t->result, "RETRY", "connection refused");
		break;
	default: fail(t->result, "RETRY", curl_easy_strerror(rc));
	}
}

static int
prepare(struct transfer *t, const struct send_settings *s,
    const struct notify_job *j)
{
	if (j->body == NULL) {
		fail(t->result, "DROPPED", "the event's page is gone");
		return -1;
	}
	if (strcmp(j->channel, "WEBHOOK") == 0)
		return webhook_prepare(t, s, j);
	if (strcmp(j->channel, "EMAIL") == 0)
		return email_prepare(t, s, j);
	if (strcmp(j->channel, "SLACK") == 0)
		return slack_prepare(t, s, j);
	if (strcmp(j->channel, "SMS") == 0)
		return sms_prepare(t, s, j);
	fail(t->result, "RETRY", "channel not handled by this notifier");
	return -1;
}

static void
run_all(CURLM *m, struct transfer *t, size_t n)
{
	int running = 1, left;
	CURLMsg *msg;
	size_t i;

	while (running) {
		if (curl_multi_perform(m, &running) != CURLM_OK)
			break;
		if (running)
			curl_multi_poll(m, NULL, 0, 200, NULL);
	}
	while ((msg = curl_multi_info_read(m, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		for (i = 0; i < n; i++)
			if (t[i].easy != msg->easy_handle)
				continue;
			else if (t[i].judge != NULL)
				t[i].judge(&t[i], msg->data.result);
			else
				judge_transport(&t[i], msg->data.result);
	}
}

/* Kept across batches: its connection cache lets the next message to the
 * same receiver skip the TCP and TLS handshakes. */
static CURLM *multi;

void
send_cleanup(void)
{
	curl_multi_cleanup(multi);
	multi = NULL;
}

void
send_batch(const struct send_settings *s, const struct notify_job *jobs,
    struct send_result *results, size_t n)
{
	struct transfer *t = calloc(n ? n : 1, sizeof(*t));
	CURLM *m = multi != NULL ? multi : (multi = curl_multi_init());
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&results[i], 0, sizeof(results[i]));
		fail(&results[i], "RETRY", "out of memory");
	}
	if (t == NULL || m == NULL) {
		free(t);
		return;
	}
	for (i = 0; i < n; i++) {
		t[i].result = &results[i];
		if (prepare(&t[i], s, &jobs[i]) == 0)
			curl_multi_add_handle(m, t[i].easy);
	}
	run_all(m, t, n);
	for (i = 0; i < n; i++) {
		if (t[i].easy != NULL) {
			curl_multi_remove_handle(m, t[i].easy);
			curl_easy_cleanup(t[i].easy);
		}
		curl_slist_free_all(t[i].headers);
		curl_slist_free_all(t[i].pin);
		curl_slist_free_all(t[i].recipients);
		free(t[i].body);
	}
	free(t);
}
