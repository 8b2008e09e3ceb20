#include "subscription_links.h"

#include <string.h>
#include <time.h>

#include "db/subscribers.h"
#include "settings.h"
#include "sublink.h"

struct link_kind {
	const char *segment;
	const char *pattern;
	unsigned purposes; /* token purposes accepted, bits */
	const char *question;
	const char *button;
	const char *done;
};

static const struct link_kind kinds[] = {
	{ "confirm", SUBLINK_CONFIRM_PATH, SUBTOKEN_BIT(SUBTOKEN_CONFIRM),
	    "Confirm your subscription to this status page?", "Confirm",
	    "Your subscription is confirmed." },
	{ "unsubscribe", SUBLINK_UNSUBSCRIBE_PATH,
	    SUBTOKEN_BIT(SUBTOKEN_UNSUBSCRIBE) | SUBTOKEN_BIT(SUBTOKEN_MANAGE),
	    "Unsubscribe from this status page?", "Unsubscribe",
	    "You are unsubscribed." },
};

static const char invalid_text[] =
    "This link is not valid (any more). Nothing was changed.";

/* Text with &, <, >, " and ' escaped, in the request's arena. */
static const char *
html_escape(struct arena *a, const char *s)
{
	size_t n = 0;
	const char *p;
	char *out, *o;

	for (p = s; *p; p++)
		n += strchr("&<>\"'", *p) ? 6 : 1;
	out = arena_alloc(a, n + 1);
	if (out == NULL)
		return NULL;
	for (o = out, p = s; *p; p++) {
		switch (*p) {
		case '&': o = stpcpy(o, "&amp;"); break;
		case '<': o = stpcpy(o, "&lt;"); break;
		case '>': o = stpcpy(o, "&gt;"); break;
		case '"': o = stpcpy(o, "&quot;"); break;
		case '\'': o = stpcpy(o, "&#39;"); break;
		default: *o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* A page: a paragraph of fixed text and, for a valid GET, the form. */
static void
page(struct request *req, struct response *res, enum sd_status status,
    const char *text, const char *form)
{
	const char *html = arena_printf(req->arena,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"robots\" content=\"noindex\">"
	    "<title>Subscription</title></head>\n<body><p>%s</p>%s</body>"
	    "</html>\n",
	    text, form ? form : "");

	res->status = status;
	if (html == NULL) {
		sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
		res->status = SD_INTERNAL;
		return;
	}
	res->content_type = "text/html; charset=utf-8";
	res->body = html;
	res->body_len = strlen(html);
}

static void
invalid(struct request *req, struct response *res)
{
	page(req, res, SD_BAD_REQUEST, invalid_text, NULL);
}

/* A database failure: the page says so, the status is the failure's. */
static void
failed(struct request *req, struct response *res, enum sd_status st)
{
	page(req, res, st,
	    "The request could not be completed. Please try again later.",
	    NULL);
}

/* GET: the question and a button posting back to the same link. */
static void
ask(struct request *req, struct response *res, const struct link_kind *k,
    const struct subtoken *t, const char *token)
{
	const char *status, *escaped, *form;
	enum sd_status st = db_subscriber_status(
	    req->arena, t->cloud_id, t->subscriber_id, &status, &res->err);

	if (st == SD_NOT_FOUND) {
		invalid(req, res);
		return;
	}
	if (st != SD_OK) {
		failed(req, res, st);
		return;
	}
	/* A valid token holds only URL-safe bytes; escaped all the same. */
	escaped = html_escape(req->arena, token);
	form = escaped ? arena_printf(req->arena,
	                     "<form method=\"post\" action=\"%s?token=%s\">"
	                     "<button type=\"submit\">%s</button></form>",
	                     k->pattern, escaped, k->button)
	               : NULL;
	if (form == NULL) {
		failed(req, res, SD_INTERNAL);
		return;
	}
	page(req, res, SD_OK, k->question, form);
}

/* POST: the change, idempotent; confirming an unsubscribed subscriber
 * does not subscribe it again. */
static void
act(struct request *req, struct response *res, const struct link_kind *k,
    const struct subtoken *t)
{
	const char *status = NULL;
	enum sd_status st;

	if (k == &kinds[0])
		st = db_subscriber_confirm(req->arena, t->cloud_id,
		    t->subscriber_id, &status, &res->err);
	else
		st = db_subscriber_unsubscribe(
		    req->arena, t->cloud_id, t->subscriber_id, &res->err);
	if (st == SD_NOT_FOUND ||
	    (st == SD_OK && status != NULL &&
	        strcmp(status, "SUBSCRIBED") != 0))
		invalid(req, res);
	else if (st != SD_OK)
		failed(req, res, st);
	else
		page(req, res, SD_OK, k->done, NULL);
}

int
subscription_links_serve(struct request *req, struct response *res)
{
	const struct link_kind *k = NULL;
	struct subtoken t;
	size_t i;

	if (req->nsegments != 2 || strcmp(req->segments[0], "subscriptions"))
		return 0;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(req->segments[1], kinds[i].segment) == 0)
			k = &kinds[i];
	if (k == NULL)
		return 0;
	req->route_pattern = k->pattern;
	if (req->method != HTTP_GET && req->method != HTTP_HEAD &&
	    req->method != HTTP_POST) {
		res->allow = "GET, HEAD, POST";
		page(req, res, SD_METHOD_NOT_ALLOWED, "Method not allowed.",
		    NULL);
		return 1;
	}
	if (request_query_count(req, "token") != 1 ||
	    subtoken_verify_any(&handlers_settings()->subscriber_keys.tokens,
	        request_query(req, "token"), k->purposes, (long)time(NULL),
	        &t) != 0)
		invalid(req, res);
	else if (req->method == HTTP_POST)
		act(req, res, k, &t);
	else
		ask(req, res, k, &t, request_query(req, "token"));
	return 1;
}
