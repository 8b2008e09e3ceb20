#include "common.h"
#include "db/db.h"
#include "settings.h"

#include <stdlib.h>
#include <string.h>

static void
decref(void *v)
{
	json_decref(v);
}

enum sd_status
handler_body_object(struct request *req, json_t **out, struct sd_error *err)
{
	json_error_t jerr;
	json_t *v;

	if (req->body == NULL || req->body_len == 0)
		return sd_fail(
		    err, SD_BAD_REQUEST, "request body is required", NULL);
	v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	/* jansson may report running out of memory as a syntax error, or
	 * parse on without the byte it could not keep (arena.h). */
	if (arena_memory_failed() ||
	    (v == NULL && json_error_code(&jerr) == json_error_out_of_memory)) {
		json_decref(v);
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	}
	if (v == NULL)
		/* jansson's text names a position and a reason, and may quote a
		 * few bytes of the client's own body: nothing of the server's. */
		return sd_fail(err, SD_BAD_REQUEST, "malformed JSON",
		    "line %d, column %d: %.120s", jerr.line, jerr.column,
		    jerr.text);
	if (arena_on_free(req->arena, decref, v) != 0)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	if (!json_is_object(v))
		return sd_fail(err, SD_BAD_REQUEST, "invalid request body",
		    "the body must be a JSON object");
	*out = v;
	return SD_OK;
}

enum sd_status
handler_respond_text(
    struct response *res, enum sd_status status, const char *json)
{
	if (json == NULL) /* an arena_printf that ran out of memory */
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	res->status = status;
	res->body = json;
	res->body_len = strlen(json);
	return status;
}

enum sd_status
handler_respond_json(struct request *req, struct response *res,
    enum sd_status status, const json_t *value)
{
	char *text = json_dumps(value, JSON_COMPACT);
	char *copy;

	/* A failed allocation may have cost the text a byte (arena.h). */
	if (text == NULL || arena_memory_failed()) {
		free(text);
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	}
	copy = arena_strdup(req->arena, text);
	free(text);
	if (copy == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	return handler_respond_text(res, status, copy);
}

enum sd_status
handler_respond_json_new(struct request *req, struct response *res,
    enum sd_status status, json_t *value)
{
	enum sd_status st;

	if (value == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	st = handler_respond_json(req, res, status, value);
	json_decref(value);
	return st;
}

enum sd_status
handler_tx_end(enum sd_status st, struct response *res)
{
	enum sd_status committed;

	if (st == SD_OK || st == SD_CREATED) {
		committed = db_commit(&res->err);
		if (committed == SD_OK)
			return st;
		st = committed;
	}
	db_rollback();
	return st;
}

static const struct handler_settings *settings;

void
handlers_configure(const struct handler_settings *s)
{
	settings = s;
}

const struct handler_settings *
handlers_settings(void)
{
	return settings;
}

char *
json_text_add_string(
    struct arena *a, const char *obj, const char *name, const char *value)
{
	size_t len = strlen(obj);

	if (len < 2 || obj[0] != '{' || obj[len - 1] != '}')
		return NULL;
	/* "{}" takes no separating comma. */
	return arena_printf(a, "%.*s%s\"%s\":\"%s\"}", (int)(len - 1), obj,
	    len > 2 ? "," : "", name, value);
}
