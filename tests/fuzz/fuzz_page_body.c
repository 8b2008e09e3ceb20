/*
 * libFuzzer harness for page bodies: json_loadb with JSON_REJECT_DUPLICATES
 * (as handler_body_object does), then page_validate_body as a create and as an
 * update, then the error body a client would get. Contracts checked:
 * only 400 or OK; on OK *page is the body's object; the body is never
 * modified; whatever create accepts, update accepts; the error body is JSON.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/response.h"
#include "handlers/pages.h"
#include "fuzz_check.h"

static struct arena *arena;

static enum sd_status
run(json_t *body, enum validate_mode mode)
{
	struct sd_error err;
	const json_t *page = NULL;
	enum sd_status st;
	const char *text;
	json_t *parsed;
	size_t len;

	sd_error_clear(&err);
	st = page_validate_body(body, mode, &page, &err);
	if (st == SD_OK) {
		CHECK(page != NULL && json_is_object(page));
		CHECK(page == json_object_get(body, "page"));
		return st;
	}
	CHECK(st == SD_BAD_REQUEST || st == SD_INTERNAL);
	CHECK(page == NULL);
	CHECK(err.status == st);
	CHECK(strcmp(err.message, "invalid request body") == 0 ||
	    st == SD_INTERNAL);
	CHECK(strlen(err.detail) < sizeof(err.detail));
	text = response_error_body(arena, &err, &len);
	CHECK(text != NULL && strlen(text) == len);
	parsed = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
	CHECK(parsed != NULL);
	CHECK(json_is_string(json_object_get(parsed, "error")));
	json_decref(parsed);
	return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *body, *before;
	enum sd_status created, updated;

	body =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL)
		return 0;
	if (arena == NULL)
		arena = arena_new(4096);
	before = json_deep_copy(body);
	created = run(body, VALIDATE_CREATE);
	updated = run(body, VALIDATE_UPDATE);
	/* Update is create without the required fields (plus version). */
	if (created == SD_OK)
		CHECK(updated == SD_OK);
	CHECK(before == NULL || json_equal(before, body));
	json_decref(before);
	json_decref(body);
	arena_reset(arena);
	return 0;
}
