#include "incident_templates.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "crypto.h"
#include "db/templates.h"
#include "incidents.h"
#include "validate.h"

#define TEMPLATE_TEXT_MAX 255

static const char blank_message[] = "must not be blank";

#define END                                                                    \
	{                                                                      \
		NULL, FT_TYPE__MAX, 0, 0, 0, 0, NULL, NULL, NULL, NULL         \
	}
#define READONLY(n)                                                            \
	{                                                                      \
		n, FT_READONLY, 0, 0, 0, 0, NULL, NULL, NULL, NULL             \
	}

/* The fields a write may carry after pageId; null clears title, body
 * and groupId, and is refused for the others. */
#define TEMPLATE_FIELDS(name_flags)                                            \
	{ "name", FT_STRING, name_flags, TEMPLATE_TEXT_MAX, 0, 0, NULL, NULL,  \
		validate_not_blank, blank_message },                           \
	    { "title", FT_STRING, 0, TEMPLATE_TEXT_MAX, 0, 0, NULL, NULL,      \
		    NULL, NULL },                                              \
	    { "body", FT_STRING, 0, INCIDENT_MESSAGE_MAX, 0, 0, NULL, NULL,    \
		    NULL, NULL },                                              \
	    { "groupId", FT_STRING, 0, TEMPLATE_TEXT_MAX, 0, 0, NULL, NULL,    \
		    NULL, NULL },                                              \
	    { "updateStatus", FT_ENUM, F_NOT_NULL, 0, 0, 0, incident_statuses, \
		    NULL, NULL, NULL },                                        \
	    { "shouldTweet", FT_BOOL, F_NOT_NULL, 0, 0, 0, NULL, NULL, NULL,   \
		    NULL },                                                    \
	    { "shouldSendNotifications", FT_BOOL, F_NOT_NULL, 0, 0, 0, NULL,   \
		    NULL, NULL, NULL },                                        \
	    READONLY("id"), READONLY("createAt"), READONLY("updatedAt")

static const struct field create_fields[] = {
	{ "pageId", FT_STRING, F_REQUIRED, 36, 0, 0, NULL, NULL,
	    crypto_uuid_valid, "must be a UUID" },
	TEMPLATE_FIELDS(F_REQUIRED),
	END,
};

/* A template stays on its page. */
static const struct field update_fields[] = {
	READONLY("pageId"),
	TEMPLATE_FIELDS(F_NOT_NULL),
	END,
};

const struct field template_create_envelope[] = {
	{ "incidentTemplate", FT_OBJECT, F_REQUIRED, 0, 0, 0, NULL,
	    create_fields, NULL, NULL },
	END,
};

const struct field template_update_envelope[] = {
	{ "incidentTemplate", FT_OBJECT, F_REQUIRED, 0, 0, 0, NULL,
	    update_fields, NULL, NULL },
	END,
};

static enum sd_status
not_found(struct response *res)
{
	return sd_fail(
	    &res->err, SD_NOT_FOUND, "incident template not found", NULL);
}

/* Validates the body; *fields is the inner object as JSON text. */
static enum sd_status
read_body(struct request *req, struct response *res,
    const struct field *envelope, enum validate_mode mode, const json_t **obj,
    const char **fields)
{
	json_t *body;
	char *text;
	enum sd_status st;

	st = handler_body_object(req, &body, &res->err);
	if (st == SD_OK && json_object_get(body, "incidentTemplate") == NULL)
		st = sd_fail(&res->err, SD_BAD_REQUEST, "invalid request body",
		    "body.incidentTemplate: is required");
	if (st == SD_OK)
		st = validate_object(body, envelope, mode, "body", &res->err);
	if (st != SD_OK)
		return st;
	*obj = json_object_get(body, "incidentTemplate");
	text = json_dumps(*obj, JSON_COMPACT);
	*fields = text ? arena_strdup(req->arena, text) : NULL;
	free(text);
	if (*fields == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	return SD_OK;
}

enum sd_status
incident_template_create(
    struct request *req, const struct principal *who, struct response *res)
{
	const json_t *obj;
	const char *fields, *doc;
	char id[37];
	enum sd_status st;

	(void)who;
	st = read_body(
	    req, res, template_create_envelope, VALIDATE_CREATE, &obj, &fields);
	if (st != SD_OK)
		return st;
	if (crypto_uuid_v4(id) != 0)
		return sd_fail(
		    &res->err, SD_INTERNAL, "random source failed", NULL);
	st = db_template_insert(req->arena, req->cloud_id, id,
	    json_string_value(json_object_get(obj, "pageId")), fields, &doc,
	    &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_CREATED, doc);
}

enum sd_status
incident_template_update(
    struct request *req, const struct principal *who, struct response *res)
{
	const json_t *obj;
	const char *fields, *doc;
	enum sd_status st;

	(void)who;
	if (!crypto_uuid_valid(req->params[0]))
		return not_found(res);
	st = read_body(
	    req, res, template_update_envelope, VALIDATE_UPDATE, &obj, &fields);
	if (st == SD_OK)
		st = db_template_update(req->arena, req->cloud_id,
		    req->params[0], fields, &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

enum sd_status
incident_template_delete(
    struct request *req, const struct principal *who, struct response *res)
{
	json_t *o;
	enum sd_status st;

	(void)who;
	if (!crypto_uuid_valid(req->params[0]))
		return not_found(res);
	st = db_template_delete(
	    req->arena, req->cloud_id, req->params[0], &res->err);
	if (st != SD_OK)
		return st;
	o = json_pack(
	    "{s:b,s:s}", "success", 1, "message", "incident template deleted");
	if (o == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	st = handler_respond_json(req, res, SD_OK, o);
	json_decref(o);
	return st;
}

enum sd_status
incident_template_get(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *doc;
	enum sd_status st;

	(void)who;
	if (!crypto_uuid_valid(req->params[0]))
		return not_found(res);
	st = db_template_get(
	    req->arena, req->cloud_id, req->params[0], &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

enum sd_status
incident_templates_list(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *page_id = request_query(req, "pageId"), *doc;
	enum sd_status st;

	(void)who;
	if (request_query_count(req, "pageId") > 1)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter", "pageId: given more than once");
	if (page_id != NULL && *page_id == '\0')
		page_id = NULL;
	if (page_id != NULL && !crypto_uuid_valid(page_id))
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid query parameter", "pageId: must be a UUID");
	st = db_templates_list(
	    req->arena, req->cloud_id, page_id, &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}
