/*
 * Subscribers: sign-up behind the captcha, tokens, lists, stats, deletes
 * (endpoints 39-46, and GET /subscribers/captcha/challenge). Contact fields
 * and confirmation codes go only to credentials with the subscriber read
 * scope; no secret is logged or answered, except a webhook's signing secret
 * once, in the response that creates it.
 */
#include "subscribers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "captcha.h"
#include "common.h"
#include "contact.h"
#include "crypto.h"
#include "db/db.h"
#include "db/subscribers.h"
#include "enums.h"
#include "input.h"
#include "paging.h"
#include "settings.h"
#include "subtoken.h"
#include "validate.h"

#define DELETE_IDS_MAX 1000
#define WEBHOOK_SECRET_BYTES 32

static const char *const subscription_types[] = { "EMAIL", "SMS", "WEBHOOK",
	"SLACK", NULL };
enum subscription_type { SUB_EMAIL, SUB_SMS, SUB_WEBHOOK, SUB_SLACK };

#define TEXT(n, len)                                                           \
	{                                                                      \
		.name = n, .type = FT_STRING, .max = len                       \
	}

/* ISO 3166-1 alpha-2, as phoneCountry is spelt. */
static int
check_country(const char *s)
{
	return strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' &&
	    s[1] <= 'Z';
}

/* Only the field the subscription type uses is checked as a contact (in
 * C, below); the others are bounded and otherwise ignored. */
static const struct field subscription_data[] = {
	TEXT("phoneNumber", 32),
	{ .name = "phoneCountry",
	    .type = FT_STRING,
	    .max = 2,
	    .check = check_country,
	    .message = "must be an ISO 3166-1 alpha-2 code" },
	TEXT("email", 254),
	TEXT("webhookEndpoint", CONTACT_URL_MAX),
	FIELDS_END,
};

static const struct field subscription_request[] = {
	{ .name = "itemId", .type = FT_UUID, .flags = F_REQUIRED },
	{ .name = "itemType",
	    .type = FT_ENUM,
	    .flags = F_REQUIRED,
	    .values = subscriber_item_types },
	{ .name = "subscriptionType",
	    .type = FT_ENUM,
	    .flags = F_REQUIRED,
	    .values = subscription_types },
	{ .name = "subscriptionData",
	    .type = FT_OBJECT,
	    .children = subscription_data },
	TEXT("captchaToken", CAPTCHA_TOKEN_MAX),
	/* Honoured for trusted credentials only. */
	{ .name = "skipConfirmation", .type = FT_BOOL },
	FIELDS_END,
};

static const struct field create_envelope[] = {
	{ .name = "subscriptionRequest",
	    .type = FT_OBJECT,
	    .flags = F_REQUIRED,
	    .children = subscription_request },
	FIELDS_END,
};

static const struct field token_body[] = {
	TEXT("token", SUBTOKEN_TEXT_MAX),
	FIELDS_END,
};

static const struct field delete_body[] = {
	{ .name = "ids",
	    .type = FT_STRING_ARRAY,
	    .max = DELETE_IDS_MAX,
	    .check = validate_uuid,
	    .message = "must be a UUID" },
	FIELDS_END,
};

static const struct subscriber_keys *
keys(void)
{
	return &handlers_settings()->subscriber_keys;
}

static int
may_read_contacts(const struct principal *who)
{
	return (who->scopes & SCOPE_BIT(SCOPE_READ_SUBSCRIBER)) != 0;
}

static enum sd_status
oom(struct response *res)
{
	return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
}

static enum sd_status
read_body(struct request *req, struct response *res, const struct field *table,
    json_t **body)
{
	enum sd_status st = handler_body_object(req, body, &res->err);

	if (st == SD_OK)
		st = validate_object(
		    *body, table, VALIDATE_CREATE, "body", &res->err);
	return st;
}

static const char *
body_string(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

/* The item must be the cloud's; with must_accept, its page must take
 * subscribers too. */
static enum sd_status
find_item(struct request *req, struct response *res, const char *item_type,
    const char *item_id, int must_accept, const char **page_id)
{
	int accepts;
	enum sd_status st = db_subscriber_item(req->arena, req->cloud_id,
	    item_type, item_id, page_id, &accepts, &res->err);

	if (st == SD_NOT_FOUND)
		return sd_fail(&res->err, SD_NOT_FOUND, "item not found", NULL);
	if (st == SD_OK && must_accept && !accepts)
		return sd_fail(&res->err, SD_CONFLICT,
		    "this page does not accept subscribers", NULL);
	return st;
}

/* A node with its confirmation code when it is pending and the caller
 * may see it (the code is the subscriber's confirm token). */
static const char *
with_confirmation_code(struct request *req, const char *node, const char *id,
    const char *status, long created_at)
{
	char token[SUBTOKEN_TEXT_MAX];

	if (strcmp(status, "PENDING_CONFIRMATION") != 0 ||
	    subtoken_encode(&keys()->tokens, SUBTOKEN_CONFIRM, req->cloud_id,
	        id, created_at, token) != 0)
		return node;
	return json_text_add_string(
	    req->arena, node, "confirmationCode", token);
}

/* ---- POST /subscribers ---- */

struct contact_in {
	enum subscription_type type;
	const char *contact;
	const char *phone_country;
};

static enum sd_status
bad_contact(struct response *res, const char *field, const char *rule)
{
	return sd_fail(&res->err, SD_BAD_REQUEST, "invalid request body",
	    "body.subscriptionRequest.subscriptionData.%s: %s", field, rule);
}

static enum sd_status
check_webhook(struct response *res, const char *url)
{
	switch (webhook_target_check(url, &keys()->webhook_allowed)) {
	case CONTACT_TARGET_OK: return SD_OK;
	case CONTACT_TARGET_BAD_URL:
		return bad_contact(res, "webhookEndpoint",
		    "must be an https URL without user info or fragment");
	case CONTACT_TARGET_UNRESOLVED:
		return bad_contact(
		    res, "webhookEndpoint", "its host does not resolve");
	case CONTACT_TARGET_INTERNAL: break;
	}
	return bad_contact(
	    res, "webhookEndpoint", "its host resolves to an internal address");
}

/* The contact the subscription type takes, checked. */
static enum sd_status
read_contact(struct response *res, const json_t *request, struct contact_in *c)
{
	static const char *const field_of[] = { "email", "phoneNumber",
		"webhookEndpoint", "webhookEndpoint" };
	const json_t *data = json_object_get(request, "subscriptionData");
	const char *name;

	c->type = (enum subscription_type)validate_enum_index(
	    subscription_types, body_string(request, "subscriptionType"));
	name = field_of[c->type];
	c->contact = body_string(data, name);
	c->phone_country =
	    c->type == SUB_SMS ? body_string(data, "phoneCountry") : NULL;
	if (c->contact == NULL)
		return bad_contact(
		    res, name, "is required for this subscription type");
	switch (c->type) {
	case SUB_EMAIL:
		return contact_email_valid(c->contact)
		    ? SD_OK
		    : bad_contact(res, name, "must be an email address");
	case SUB_SMS:
		return contact_e164_valid(c->contact)
		    ? SD_OK
		    : bad_contact(res, name,
		          "must be an E.164 number (+ and 7-15 digits)");
	case SUB_WEBHOOK: return check_webhook(res, c->contact);
	case SUB_SLACK: break;
	}
	return contact_slack_url_valid(c->contact)
	    ? SD_OK
	    : bad_contact(res, name, "must be a Slack incoming-webhook URL");
}

/* whsec_ + base64 of 32 random bytes (Standard Webhooks). */
static const char *
new_webhook_secret(struct arena *a)
{
	unsigned char raw[WEBHOOK_SECRET_BYTES];
	char b64[4 * ((WEBHOOK_SECRET_BYTES + 2) / 3) + 1];

	if (crypto_random(raw, sizeof(raw)) != 0)
		return NULL;
	base64_encode(raw, sizeof(raw), b64);
	return arena_printf(a, "whsec_%s", b64);
}

static enum sd_status
outcome_error(struct response *res, const struct subscriber_created *c)
{
	switch (c->outcome) {
	case SUBSCRIBER_NO_ITEM:
		return sd_fail(&res->err, SD_NOT_FOUND, "item not found", NULL);
	case SUBSCRIBER_NOT_ACCEPTED:
		return sd_fail(&res->err, SD_CONFLICT,
		    "this page does not accept subscribers", NULL);
	case SUBSCRIBER_CAPTCHA_USED:
		return sd_fail(&res->err, SD_BAD_REQUEST, "invalid captcha",
		    "captcha has been used already");
	case SUBSCRIBER_DUPLICATE:
		return sd_fail(&res->err, SD_CONFLICT,
		    "this contact is already subscribed to this item",
		    "existing subscriber: %s", c->existing_id);
	case SUBSCRIBER_QUOTA:
		return sd_fail(&res->err, SD_CONFLICT,
		    "subscriber quota of this cloud reached",
		    "the quota is %ld subscribers",
		    handlers_settings()->subscriber_quota);
	default: break;
	}
	return sd_fail(&res->err, SD_INTERNAL, "internal error", NULL);
}

/* Checks the captcha for the item's page, unless the credential is
 * trusted; fills what the subscriber row spends. */
static enum sd_status
check_captcha(struct response *res, const struct principal *who,
    const json_t *request, const char *page_id, struct subscriber_new *s,
    struct captcha_solution *sol)
{
	const char *token = body_string(request, "captchaToken");
	enum captcha_result r;

	if (who->trusted)
		return SD_OK;
	if (token == NULL)
		return sd_fail(&res->err, SD_BAD_REQUEST, "invalid captcha",
		    "body.subscriptionRequest.captchaToken: is required");
	r = captcha_verify(
	    &keys()->captcha, token, page_id, (long)time(NULL), sol);
	if (r != CAPTCHA_OK)
		return sd_fail(&res->err, SD_BAD_REQUEST, "invalid captcha",
		    "%s", captcha_result_message(r));
	s->captcha_challenge = sol->challenge;
	s->captcha_expires = sol->expires;
	return SD_OK;
}

static const char *
created_document(struct request *req, const struct principal *who,
    const struct subscriber_new *s, const struct subscriber_created *c)
{
	const char *doc = c->doc;

	if (may_read_contacts(who))
		doc = with_confirmation_code(
		    req, doc, s->id, s->status, c->created_at);
	if (doc != NULL && s->webhook_secret != NULL)
		doc = json_text_add_string(
		    req->arena, doc, "webhookSecret", s->webhook_secret);
	return doc;
}

enum sd_status
subscriber_create(
    struct request *req, const struct principal *who, struct response *res)
{
	struct subscriber_new s = { 0 };
	struct subscriber_created c;
	struct captcha_solution sol;
	struct contact_in contact;
	const char *page_id, *doc;
	const json_t *request;
	json_t *body;
	char id[37];
	enum sd_status st;

	st = read_body(req, res, create_envelope, &body);
	if (st != SD_OK)
		return st;
	request = json_object_get(body, "subscriptionRequest");
	s.item_type = body_string(request, "itemType");
	s.item_id = body_string(request, "itemId");
	st = read_contact(res, request, &contact);
	if (st == SD_OK)
		st = find_item(req, res, s.item_type, s.item_id, 1, &page_id);
	if (st == SD_OK)
		st = check_captcha(res, who, request, page_id, &s, &sol);
	if (st != SD_OK)
		return st;
	if (crypto_uuid_v7(id) != 0)
		return sd_fail(
		    &res->err, SD_INTERNAL, "random source failed", NULL);
	s.cloud_id = req->cloud_id;
	s.id = id;
	s.subscription_type = subscription_types[contact.type];
	s.contact = contact.contact;
	s.phone_country = contact.phone_country;
	s.skip_confirmation = who->trusted &&
	    json_is_true(json_object_get(request, "skipConfirmation"));
	s.status = (contact.type == SUB_EMAIL || contact.type == SUB_SMS) &&
	        !s.skip_confirmation
	    ? "PENDING_CONFIRMATION"
	    : "SUBSCRIBED";
	if (contact.type == SUB_WEBHOOK &&
	    (s.webhook_secret = new_webhook_secret(req->arena)) == NULL)
		return sd_fail(
		    &res->err, SD_INTERNAL, "random source failed", NULL);
	s.quota = handlers_settings()->subscriber_quota;
	s.with_contact = may_read_contacts(who);
	st = db_begin(&res->err);
	if (st != SD_OK)
		return st;
	st = db_subscriber_create(req->arena, &s, &c, &res->err);
	if (st == SD_OK && c.outcome != SUBSCRIBER_CREATED)
		st = outcome_error(res, &c);
	st = handler_tx_end(st, res);
	if (st != SD_OK)
		return st;
	doc = created_document(req, who, &s, &c);
	return doc == NULL ? oom(res)
	                   : handler_respond_text(res, SD_CREATED, doc);
}

/* ---- GET /subscribers/captcha/challenge ---- */

enum sd_status
subscriber_captcha_challenge(
    struct request *req, const struct principal *who, struct response *res)
{
	struct captcha_challenge c;
	const char *page_id;
	json_t *out;
	enum sd_status st;

	(void)who;
	page_id = req->input->query[QK_REQUIRED_PAGE_ID].text;
	st = find_item(req, res, "PAGE_SUBSCRIBER", page_id, 1, NULL);
	if (st != SD_OK)
		return st;
	if (captcha_challenge_new(
	        &keys()->captcha, page_id, (long)time(NULL), &c) != 0)
		return sd_fail(
		    &res->err, SD_INTERNAL, "random source failed", NULL);
	out = json_pack("{s:s, s:s, s:I, s:s, s:s}", "algorithm",
	    CAPTCHA_ALGORITHM, "challenge", c.challenge, "maxnumber",
	    (json_int_t)c.maxnumber, "salt", c.salt, "signature", c.signature);
	return handler_respond_json_new(req, res, SD_OK, out);
}

/* ---- tokens ---- */

/* The subscriber a token of one of the purposes (SUBTOKEN_BIT()s) names
 * in this cloud; -1 for a token that is tampered, expired, of another
 * purpose or cloud. */
static int
token_subscriber(const struct request *req, const char *token,
    unsigned purposes, struct subtoken *t)
{
	return subtoken_verify_any(&keys()->tokens, token, purposes,
	           (long)time(NULL), t) == 0 &&
	        strcmp(t->cloud_id, req->cloud_id) == 0
	    ? 0
	    : -1;
}

/* POST /subscribers/validate_token: a manage token of an existing
 * subscriber of this cloud is valid; every other token answers alike. */
enum sd_status
subscriber_validate_token(
    struct request *req, const struct principal *who, struct response *res)
{
	struct subtoken t;
	const char *status;
	json_t *body;
	int valid;
	enum sd_status st;

	(void)who;
	st = read_body(req, res, token_body, &body);
	if (st != SD_OK)
		return st;
	valid = token_subscriber(req, body_string(body, "token"),
	            SUBTOKEN_BIT(SUBTOKEN_MANAGE), &t) == 0;
	if (valid) {
		st = db_subscriber_status(req->arena, req->cloud_id,
		    t.subscriber_id, &status, &res->err);
		if (st != SD_OK && st != SD_NOT_FOUND)
			return st;
		valid = st == SD_OK;
	}
	return handler_respond_json_new(req, res, SD_OK,
	    json_pack("{s:b, s:s}", "valid", valid, "message",
	        valid ? "token is valid" : "token is not valid"));
}

static enum sd_status
mutation_ok(struct request *req, struct response *res, const char *message)
{
	return handler_respond_json_new(req, res, SD_OK,
	    json_pack("{s:b, s:s}", "success", 1, "message", message));
}

/* POST /subscribers/unsubscribe: an unsubscribe or manage token. */
enum sd_status
subscriber_unsubscribe(
    struct request *req, const struct principal *who, struct response *res)
{
	struct subtoken t;
	json_t *body;
	enum sd_status st;

	(void)who;
	st = read_body(req, res, token_body, &body);
	if (st == SD_OK && body_string(body, "token") == NULL)
		st = sd_fail(&res->err, SD_BAD_REQUEST, "invalid request body",
		    "body.token: is required");
	if (st != SD_OK)
		return st;
	if (token_subscriber(req, body_string(body, "token"),
	        SUBTOKEN_BIT(SUBTOKEN_UNSUBSCRIBE) |
	            SUBTOKEN_BIT(SUBTOKEN_MANAGE),
	        &t) != 0)
		return sd_fail(
		    &res->err, SD_BAD_REQUEST, "invalid token", NULL);
	st = db_subscriber_unsubscribe(
	    req->arena, req->cloud_id, t.subscriber_id, &res->err);
	if (st == SD_NOT_FOUND)
		return sd_fail(
		    &res->err, SD_BAD_REQUEST, "invalid token", NULL);
	return st != SD_OK ? st : mutation_ok(req, res, "unsubscribed");
}

/* ---- lists ---- */

/* Runs the keyset window req->input asks for (limit and cursor forwards,
 * as documented; last and before backwards, our extension as in the v2
 * lists) and answers it as a connection whose nodes carry their
 * confirmation codes. */
static enum sd_status
run_list(struct request *req, struct response *res,
    struct subscriber_list_query *q, const char *envelope)
{
	const struct input *in = req->input;
	const struct paging *pg = &in->paging;
	struct subscriber_rows rows;
	struct connection c = { 0 };
	const char *json;
	enum sd_status st;
	int i;

	q->key = in->cursor_key;
	q->id = in->cursor_id;
	q->cloud_id = req->cloud_id;
	q->limit = pg->limit;
	q->backward = pg->backward;
	st = db_subscribers_list(req->arena, q, &rows, &res->err);
	if (st != SD_OK)
		return st;
	for (i = 0; i < rows.count; i++) {
		rows.nodes[i] = with_confirmation_code(req, rows.nodes[i],
		    rows.ids[i], rows.statuses[i], rows.created_at[i]);
		if (rows.nodes[i] == NULL)
			return oom(res);
	}
	c.list = "nodes";
	c.both_ways = 1;
	c.total = rows.total;
	if (paging_connection_from_rows(req->arena, &c, pg, in->cursor_scope,
	        rows.nodes, rows.keys, rows.ids, rows.count) != 0 ||
	    (json = paging_connection_json(req->arena, &c)) == NULL)
		return oom(res);
	if (envelope != NULL)
		json = arena_printf(req->arena, "{\"%s\":%s}", envelope, json);
	return json == NULL ? oom(res) : handler_respond_text(res, SD_OK, json);
}

/* GET /subscribers/list: an item's subscribers. */
enum sd_status
subscribers_list(
    struct request *req, const struct principal *who, struct response *res)
{
	struct subscriber_list_query q = { 0 };
	enum sd_status st;

	(void)who;
	q.item_type = req->input->query[QK_ITEM_TYPE].text;
	q.filter_id = req->input->query[QK_ITEM_ID].text;
	st = find_item(req, res, q.item_type, q.filter_id, 0, NULL);
	if (st != SD_OK)
		return st;
	q.by = SUBSCRIBERS_OF_ITEM;
	return run_list(req, res, &q, "connection");
}

/* GET /subscribers/list/connection: a page's, or the cloud's. */
enum sd_status
subscribers_list_connection(
    struct request *req, const struct principal *who, struct response *res)
{
	struct subscriber_list_query q = { 0 };
	enum sd_status st = SD_OK;

	(void)who;
	q.filter_id = req->input->query[QK_PAGE_ID].text;
	if (q.filter_id != NULL)
		st = find_item(
		    req, res, "PAGE_SUBSCRIBER", q.filter_id, 0, NULL);
	if (st != SD_OK)
		return st;
	q.by = q.filter_id != NULL ? SUBSCRIBERS_OF_PAGE : SUBSCRIBERS_OF_CLOUD;
	return run_list(req, res, &q, NULL);
}

/* GET /subscribers/stats?itemId=&type= */
enum sd_status
subscribers_stats(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *item_type, *item_id, *doc;
	enum sd_status st;

	(void)who;
	item_id = req->input->query[QK_ITEM_ID].text;
	item_type = req->input->query[QK_TYPE].text;
	st = find_item(req, res, item_type, item_id, 0, NULL);
	if (st == SD_OK)
		st = db_subscriber_stats(req->arena, req->cloud_id, item_type,
		    item_id, &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

/* GET /subscribers/total_in_cloud */
enum sd_status
subscribers_total_in_cloud(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *doc;
	enum sd_status st;

	(void)who;
	st = db_subscribers_total(req->arena, req->cloud_id, &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

/* POST /subscribers/delete {ids}: ids of another cloud are ignored and
 * not counted. */
enum sd_status
subscribers_delete(
    struct request *req, const struct principal *who, struct response *res)
{
	const char **ids;
	const json_t *list;
	json_t *body;
	size_t i, n;
	long deleted = 0;
	enum sd_status st;

	(void)who;
	st = read_body(req, res, delete_body, &body);
	if (st != SD_OK)
		return st;
	list = json_object_get(body, "ids");
	n = json_array_size(list);
	ids = arena_alloc(req->arena, sizeof(*ids) * (n + 1));
	if (ids == NULL)
		return oom(res);
	for (i = 0; i < n; i++)
		ids[i] = json_string_value(json_array_get(list, i));
	if (n > 0)
		st = db_subscribers_delete(
		    req->arena, req->cloud_id, ids, n, &deleted, &res->err);
	if (st != SD_OK)
		return st;
	return mutation_ok(req, res,
	    arena_printf(req->arena, "deleted %ld subscriber%s", deleted,
	        deleted == 1 ? "" : "s"));
}
