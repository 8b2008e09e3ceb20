/* What every handler needs: the body as JSON, and a document as answer. */
#ifndef STATUSD_HANDLERS_COMMON_H
#define STATUSD_HANDLERS_COMMON_H

#include <jansson.h>

#include "http.h"

/* Parses req->body as a JSON object. The value belongs to req->arena
 * (released with it). SD_BAD_REQUEST for malformed JSON, duplicate keys,
 * or anything but an object. */
enum sd_status handler_body_object(
    struct request *req, json_t **out, struct sd_error *err);

/* Answers with a JSON text borrowed from the arena (or static); NULL (an
 * allocation that failed) is a 500. */
enum sd_status handler_respond_text(
    struct response *res, enum sd_status status, const char *json);
/* Answers with a jansson value, serialised once into the arena. */
enum sd_status handler_respond_json(struct request *req, struct response *res,
    enum sd_status status, const json_t *value);

/* The same, stealing value (NULL, from a failed json_pack, is 500). */
enum sd_status handler_respond_json_new(struct request *req,
    struct response *res, enum sd_status status, json_t *value);

/* The JSON object text obj with one more string member name: value
 * (neither may need escaping: ids, tokens, base64). New arena string, NULL
 * on OOM or when obj is not an object's text. */
char *json_text_add_string(
    struct arena *a, const char *obj, const char *name, const char *value);

/* Ends the transaction a handler began with db_begin: COMMIT when the
 * work (whose status is st) succeeded, ROLLBACK otherwise. Returns st, or
 * the error of a failed COMMIT: a 2xx only goes out after COMMIT. */
enum sd_status handler_tx_end(enum sd_status st, struct response *res);

#endif
