/*
 * Parsing of the request line pieces nginx hands over. Pure functions of
 * their input (no FastCGI), so they are unit-tested and fuzzed directly.
 */
#ifndef STATUSD_PARSE_H
#define STATUSD_PARSE_H

#include "http.h"

/* Splits uri ("/a/b%20c?x=1") into decoded segments and query parameters in
 * req, allocating from req->arena. Refuses overlong input, bad escapes,
 * NUL bytes and invalid UTF-8 with SD_BAD_REQUEST. */
enum sd_status parse_target(
    struct request *req, const char *uri, struct sd_error *err);

/* 1 when content_type names JSON (application/json, any parameters). */
int parse_is_json_type(const char *content_type);

/* Copies a client's X-Request-Id when it is 1-128 characters of
 * [A-Za-z0-9._:@+=/-] (what nginx passes on), else leaves out empty so the
 * caller makes one. */
void parse_request_id(const char *header, char out[REQUEST_ID_MAX + 1]);

#endif
