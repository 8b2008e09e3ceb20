#include "incident_templates.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "crypto.h"
#include "db/templates.h"
#include "enums.h"
#include "incidents.h"
#include "input.h"
#include "validate.h"

#define TEMPLATE_TEXT_MAX 255

/* The fields a write may carry after pageId; null clears title, body
 * and groupId, and is refused for the others. */
#define TEMPLATE_FIELDS(name_flags)                                            \
	{ .name = "name",                                                      \
		.type = FT_STRING,                                             \
		.flags = name_flags,                                           \
		.max = TEMPLATE_TEXT_MAX,                                      \
		.check = validate_not_blank,                                   \
		.message = "must not be blank" },                              \
	    { .name = "title", .type = FT_STRING, .max = TEMPLATE_TEXT_MAX },  \
	    { .name = "body",                                                  \
		    .type = FT_STRING,                                         \
		    .max = INCIDENT_MESSAGE_MAX },                             \
	    { .name = "groupId",                                               \
		    .type = FT_STRING,                                         \
		    .max = TEMPLATE_TEXT_MAX },                                \
	    { .name = "updateStatus",                                          \
		    .type = FT_ENUM,                                           \
		    .flags = F_NOT_NULL,                                       \
		    .values = incident_statuses },                             \
	    { .name = "shouldTweet", .type = FT_BOOL, .flags = F_NOT_NULL },   \
	    { .name = "shouldSendNotifications",                               \
		    .type = FT_BOOL,                                           \
		    .flags = F_NOT_NULL },                                     \
	    READONLY("id"), READONLY("createAt"), READONLY("updatedAt")

static const struct field create_fields[] = {
	{ .name = "pageId", .type = FT_UUID, .flags = F_REQUIRED },
	TEMPLATE_FIELDS(F_REQUIRED),
	FIELDS_END,
};

/* A template stays on its page. */
static const struct field update_fields[] = {
	READONLY("pageId"),
	TEMPLATE_FIELDS(F_NOT_NULL),
	FIELDS_END,
};

const struct field template_create_envelope[] = {
	{ .name = "incidentTemplate",
	    .type = FT_OBJECT,
	    .flags = F_REQUIRED,
	    .children = create_fields },
	FIELDS_END,
};

const struct field template_update_envelope[] = {
	{ .name = "incidentTemplate",
	    .type = FT_OBJECT,
	    .flags = F_REQUIRED,
	    .children = update_fields },
	FIELDS_END,
};

/* The checked body's template; *fields is it as JSON text. */
static enum sd_status
read_body(struct request *req, struct response *res, const json_t **obj,
    const char **fields)
{
	char *text;

	*obj = json_object_get(req->input->body, "incidentTemplate");
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
	st = read_body(req, res, &obj, &fields);
	if (st != SD_OK)
		return st;
	if (crypto_uuid_v7(id) != 0)
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
	st = read_body(req, res, &obj, &fields);
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
	st = db_template_get(
	    req->arena, req->cloud_id, req->params[0], &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

enum sd_status
incident_templates_list(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *doc;
	enum sd_status st;

	(void)who;
	st = db_templates_list(req->arena, req->cloud_id,
	    req->input->query[QK_PAGE_ID].text, &doc, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}
