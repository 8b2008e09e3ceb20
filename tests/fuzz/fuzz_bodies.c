/*
 * libFuzzer harness for the request bodies of components, incidents and
 * incident templates: json_loadb with JSON_REJECT_DUPLICATES (as
 * handler_body_object does), then validate_object against each body table
 * (the component batch, the incident create and update envelopes and
 * their inner tables, the template create and update envelopes and theirs,
 * and every body the routing table declares) as a create and as an
 * update.
 * Contracts checked: only SD_OK or SD_BAD_REQUEST; a 400 carries a
 * message and a non-empty detail that is valid UTF-8; whatever create
 * accepts, update accepts; the body is never modified (its JSON text and
 * a deep copy compared before and after).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/router.h"
#include "handlers/components.h"
#include "handlers/incident_templates.h"
#include "handlers/incidents.h"
#include "text.h"
#include "fuzz_check.h"

static enum sd_status
run(const json_t *body, const struct field *table, enum validate_mode mode)
{
	struct sd_error err;
	enum sd_status st;
	size_t n;

	sd_error_clear(&err);
	st = validate_object(body, table, mode, "body", &err);
	CHECK(st == SD_OK || st == SD_BAD_REQUEST);
	if (st == SD_OK)
		return st;
	CHECK(err.status == st);
	CHECK(err.message[0] != '\0');
	n = strnlen(err.detail, sizeof(err.detail));
	CHECK(n > 0 && n < sizeof(err.detail));
	CHECK(utf8_valid(err.detail, n));
	return st;
}

static void
both_modes(const json_t *body, const struct field *table)
{
	enum sd_status created, updated;

	created = run(body, table, VALIDATE_CREATE);
	updated = run(body, table, VALIDATE_UPDATE);
	/* Update is create without the required fields. */
	if (created == SD_OK)
		CHECK(updated == SD_OK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct field *const tables[] = {
		component_batch_fields,
		incident_create_envelope,
		incident_update_envelope,
		incident_create_fields,
		incident_update_fields,
		template_create_envelope,
		template_update_envelope,
		template_create_envelope[0].children,
		template_update_envelope[0].children,
	};
	json_t *body, *before;
	char *text, *after;
	size_t i;

	body =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (body == NULL)
		return 0;
	before = json_deep_copy(body);
	text = json_dumps(body, JSON_ENCODE_ANY);
	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++)
		both_modes(body, tables[i]);
	/* Every body the routing table declares, as the dispatcher checks
	 * it. */
	for (i = 0; i < statusd_nroutes; i++)
		if (statusd_routes[i].input.body.fields != NULL)
			both_modes(body, statusd_routes[i].input.body.fields);
	after = json_dumps(body, JSON_ENCODE_ANY);
	CHECK((text == NULL) == (after == NULL));
	CHECK(text == NULL || strcmp(text, after) == 0);
	CHECK(before == NULL || json_equal(before, body));
	free(text);
	free(after);
	json_decref(before);
	json_decref(body);
	return 0;
}
