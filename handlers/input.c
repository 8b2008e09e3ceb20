#include "input.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common.h"
#include "crypto.h"
#include "cursor.h"
#include "enums.h"
#include "settings.h"
#include "text.h"
#include "timeparse.h"

#define EARLIEST 946684800LL /* 2000-01-01: no status page is older */
#define LATEST 4102444800LL /* 2100-01-01 */

static const char *const summary_filters[] = { "ALL", "DRAFT", "PUBLISHED",
	NULL };

#define PAGE_SIZE(n)                                                           \
	{                                                                      \
		.name = n, .type = FT_INT, .flags = F_ONCE, .min_int = 1,      \
		.max_int = PAGE_SIZE_MAX                                       \
	}
#define REQUIRED(n, t)                                                         \
	{                                                                      \
		.name = n, .type = t, .flags = F_ONCE | F_REQUIRED             \
	}
/* As schemas.md spells them: PAGE or PAGE_SUBSCRIBER, in any case. */
#define SUBSCRIBER_ITEM_TYPE(n)                                                \
	{                                                                      \
		.name = n, .type = FT_ENUM, .flags = F_ONCE | F_REQUIRED,      \
		.values = subscriber_item_types,                               \
		.aliases = subscriber_item_short_types,                        \
		.message = "must be PAGE, INCIDENT or COMPONENT"               \
	}
#define ONCE(n, t)                                                             \
	{                                                                      \
		.name = n, .type = t, .flags = F_ONCE                          \
	}

const struct field query_keys[QK__MAX] = {
	[QK_FILTER] = { .name = "filter",
	    .type = FT_ENUM,
	    .flags = F_ONCE,
	    .values = summary_filters,
	    .def = "ALL" },
	[QK_FIRST] = PAGE_SIZE("first"),
	[QK_AFTER] = ONCE("after", FT_CURSOR),
	[QK_LAST] = PAGE_SIZE("last"),
	[QK_BEFORE] = ONCE("before", FT_CURSOR),
	[QK_LIMIT] = PAGE_SIZE("limit"),
	[QK_CURSOR] = ONCE("cursor", FT_CURSOR),
	[QK_PAGE_ID] = ONCE("pageId", FT_UUID),
	[QK_START_DATE] = ONCE("startDate", FT_TIME),
	[QK_END_DATE] = ONCE("endDate", FT_TIME),
	[QK_FROM] = ONCE("from", FT_TIME),
	[QK_TO] = ONCE("to", FT_TIME),
	/* Repeated and/or comma-separated. */
	[QK_STATUS_FILTER] = { .name = "statusFilter",
	    .type = FT_ENUM,
	    .flags = F_LIST,
	    .values = component_statuses,
	    .message = "unknown status" },
	/* The first one wins, as it always has. */
	[QK_SEARCH_TERM] = { .name = "searchTerm",
	    .type = FT_STRING,
	    .max = 255 },
	[QK_INCIDENT_ID] = ONCE("incidentId", FT_UUID),
	[QK_INCIDENT_CODE] = { .name = "incidentCode",
	    .type = FT_STRING,
	    .flags = F_ONCE,
	    .max = 255 },
	[QK_EXTERNAL_INCIDENT_ID] = { .name = "externalIncidentId",
	    .type = FT_STRING,
	    .flags = F_ONCE,
	    .max = 255 },
	[QK_SHOW_ACTIVE] = ONCE("showActive", FT_BOOL),
	[QK_REQUIRED_PAGE_ID] = REQUIRED("pageId", FT_UUID),
	[QK_ITEM_TYPE] = SUBSCRIBER_ITEM_TYPE("itemType"),
	[QK_ITEM_ID] = REQUIRED("itemId", FT_UUID),
	[QK_TYPE] = SUBSCRIBER_ITEM_TYPE("type"),
};

/* The keys each kind of list reads besides the route's own. */
static const enum query_key paging_keys[][5] = {
	[PAGING_NONE] = { QK_NONE },
	/* last and before only to refuse them. */
	[PAGING_FORWARD] = { QK_FIRST, QK_AFTER, QK_LAST, QK_BEFORE, QK_NONE },
	[PAGING_BOTH] = { QK_FIRST, QK_AFTER, QK_LAST, QK_BEFORE, QK_NONE },
	[PAGING_LIMIT] = { QK_LIMIT, QK_CURSOR, QK_NONE },
	[PAGING_LIMIT_BOTH] = { QK_LIMIT, QK_CURSOR, QK_LAST, QK_BEFORE,
	    QK_NONE },
};

static enum sd_status
bad(struct sd_error *err, const struct field *f, const char *what)
{
	return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter", "%s: %s",
	    f->name, f->message ? f->message : what);
}

static enum sd_status
check_int(const struct field *f, const char *s, struct input_value *v,
    struct sd_error *err)
{
	char what[96];
	char *end;
	long long n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || n < f->min_int ||
	    n > f->max_int) {
		snprintf(what, sizeof(what),
		    "must be an integer from %lld to %lld", f->min_int,
		    f->max_int);
		return bad(err, f, what);
	}
	v->number = n;
	return SD_OK;
}

static enum sd_status
check_time(const struct field *f, const char *s, struct input_value *v,
    struct sd_error *err)
{
	if (rfc3339_parse(s, &v->number, &v->date_only) != 0)
		return bad(err, f, "must be an RFC 3339 date or date-time");
	if (v->number < EARLIEST || v->number >= LATEST)
		return bad(err, f, "must be between 2000 and 2100");
	return SD_OK;
}

/* The value of f that s names (with aliases, in any case), or NULL. */
static const char *
enum_value(const struct field *f, const char *s)
{
	int i;

	for (i = 0; f->values[i] != NULL; i++)
		if (f->aliases == NULL ? strcmp(s, f->values[i]) == 0
		                       : strcasecmp(s, f->values[i]) == 0 ||
		            strcasecmp(s, f->aliases[i]) == 0)
			return f->values[i];
	return NULL;
}

/* One non-empty value of f. */
static enum sd_status
check_text(const struct field *f, const char *s, struct input_value *v,
    struct sd_error *err)
{
	char what[SD_ERR_DETAIL / 2];

	switch (f->type) {
	case FT_INT: return check_int(f, s, v, err);
	case FT_TIME: return check_time(f, s, v, err);
	case FT_BOOL:
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
			return bad(err, f, "must be true or false");
		v->number = s[0] == 't';
		return SD_OK;
	case FT_ENUM:
		if (enum_value(f, s) != NULL)
			return SD_OK;
		validate_enum_message(f->values, what, sizeof(what));
		return bad(err, f, what);
	case FT_UUID:
		return crypto_uuid_valid(s) ? SD_OK
		                            : bad(err, f, "must be a UUID");
	case FT_STRING:
		if (f->max > 0 && utf8_length(s, strlen(s)) > f->max) {
			snprintf(what, sizeof(what),
			    "must be at most %zu characters", f->max);
			return bad(err, f, what);
		}
		return SD_OK;
	case FT_CURSOR: return SD_OK; /* decoded with its list's scope */
	default: break;
	}
	return bad(err, f, "is not accepted");
}

/* F_LIST: every occurrence, split at commas; empty items are skipped. */
static enum sd_status
check_list(const struct field *f, const struct request *req,
    struct input_value *v, struct sd_error *err)
{
	char *copy, *tok, *save;
	size_t i, max = 0;
	enum sd_status st;

	for (i = 0; i < req->nquery; i++)
		max += strlen(req->query[i].value) / 2 + 1;
	v->list = arena_alloc(req->arena, sizeof(char *) * (max + 1));
	if (v->list == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < req->nquery; i++) {
		if (strcmp(req->query[i].name, f->name) != 0)
			continue;
		copy = arena_strdup(req->arena, req->query[i].value);
		if (copy == NULL)
			return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
		for (tok = strtok_r(copy, ",", &save); tok != NULL;
		     tok = strtok_r(NULL, ",", &save)) {
			if ((st = check_text(f, tok, v, err)) != SD_OK)
				return st;
			v->list[v->nlist++] = tok;
		}
	}
	return SD_OK;
}

/* Presence and repetition of key k (the first value is kept). */
static enum sd_status
find(enum query_key k, const struct request *req, struct input_value *v,
    struct sd_error *err)
{
	const struct field *f = &query_keys[k];
	size_t n = request_query_count(req, f->name);

	if (n > 1 && (f->flags & F_ONCE))
		return bad(err, f, "given more than once");
	v->given = n > 0;
	v->text = request_query(req, f->name);
	return SD_OK;
}

static enum sd_status
check_key(enum query_key k, const struct request *req, struct input_value *v,
    struct sd_error *err)
{
	const struct field *f = &query_keys[k];
	enum sd_status st;

	if (f->flags & F_LIST) {
		v->text = NULL; /* the values are in v->list */
		return check_list(f, req, v, err);
	}
	/* An empty value is an absent one, but for numbers ("first="). */
	if (v->text != NULL && v->text[0] == '\0' && f->type != FT_INT)
		v->text = NULL;
	if (v->text != NULL && (st = check_text(f, v->text, v, err)) != SD_OK)
		return st;
	if (v->text != NULL && f->type == FT_ENUM)
		v->text = enum_value(f, v->text); /* the canonical spelling */
	if (v->text == NULL && (f->flags & F_REQUIRED))
		return sd_fail(err, SD_BAD_REQUEST, "invalid query parameter",
		    "%s: is required", f->name);
	if (v->text == NULL)
		v->text = f->def;
	return SD_OK;
}

/* Calls fn on every key d reads: the route's, then its list's. */
static enum sd_status
each_key(const struct input_decl *d, const struct request *req,
    struct input *in, struct sd_error *err,
    enum sd_status (*fn)(enum query_key, const struct request *,
        struct input_value *, struct sd_error *))
{
	const enum query_key *k;
	enum sd_status st;

	for (k = d->query; k != NULL && *k != QK_NONE; k++)
		if ((st = fn(*k, req, &in->query[*k], err)) != SD_OK)
			return st;
	for (k = paging_keys[d->list.paging]; *k != QK_NONE; k++)
		if ((st = fn(*k, req, &in->query[*k], err)) != SD_OK)
			return st;
	return SD_OK;
}

static enum sd_status
paging_refused(struct sd_error *err, const char *why)
{
	return sd_fail(
	    err, SD_BAD_REQUEST, "invalid query parameter", "%s", why);
}

/* Which way a list is walked: decided before the values are read. */
static enum sd_status
paging_direction(
    const struct list_decl *l, struct input *in, struct sd_error *err)
{
	const struct input_value *q = in->query;
	int forwards = q[QK_FIRST].given || q[QK_AFTER].given;
	int backwards = q[QK_LAST].given || q[QK_BEFORE].given;

	if (l->paging == PAGING_FORWARD && backwards)
		return paging_refused(
		    err, "this list pages forwards only: use first and after");
	if (l->paging == PAGING_BOTH && forwards && backwards)
		return paging_refused(
		    err, "use first/after or last/before, not both");
	if (l->paging == PAGING_LIMIT_BOTH && backwards &&
	    (q[QK_LIMIT].given || q[QK_CURSOR].given))
		return paging_refused(
		    err, "use limit/cursor or last/before, not both");
	in->paging.backward =
	    (l->paging == PAGING_BOTH || l->paging == PAGING_LIMIT_BOTH) &&
	    backwards;
	return SD_OK;
}

/* Forwards with limit/cursor rather than first/after. */
static int
pages_by_limit(const struct list_decl *l)
{
	return l->paging == PAGING_LIMIT || l->paging == PAGING_LIMIT_BOTH;
}

static void
paging_values(const struct list_decl *l, struct input *in)
{
	const struct input_value *size, *cursor;

	if (in->paging.backward) {
		size = &in->query[QK_LAST];
		cursor = &in->query[QK_BEFORE];
	} else if (pages_by_limit(l)) {
		size = &in->query[QK_LIMIT];
		cursor = &in->query[QK_CURSOR];
	} else {
		size = &in->query[QK_FIRST];
		cursor = &in->query[QK_AFTER];
	}
	in->paging.limit =
	    size->text != NULL ? (int)size->number : PAGE_SIZE_DEFAULT;
	in->paging.cursor = cursor->text;
}

enum sd_status
input_check_query(const struct input_decl *d, const struct request *req,
    struct input *in, struct sd_error *err)
{
	enum sd_status st;

	st = each_key(d, req, in, err, find);
	if (st == SD_OK && d->list.paging != PAGING_NONE)
		st = paging_direction(&d->list, in, err);
	if (st == SD_OK)
		st = each_key(d, req, in, err, check_key);
	if (st == SD_OK && d->list.paging != PAGING_NONE)
		paging_values(&d->list, in);
	return st;
}

/* The number of path parameters of the route req matched. */
static size_t
path_params(const struct request *req)
{
	const char *p = req->route_pattern;
	size_t n = 0;

	while (
	    p != NULL && (p = strchr(p, '{')) != NULL && n < REQ_MAX_PARAMS) {
		p++;
		n++;
	}
	return n;
}

static enum sd_status
check_path_ids(
    const struct input_decl *d, const struct request *req, struct sd_error *err)
{
	size_t i, n = path_params(req);

	for (i = 0; d->unknown_id != NULL && i < n; i++)
		if (!crypto_uuid_valid(req->params[i]))
			return sd_fail(err, SD_NOT_FOUND, d->unknown_id, NULL);
	return SD_OK;
}

/* "name:cloud[:path parameter...][:scope key...]". */
static const char *
cursor_scope(const struct list_decl *l, const struct request *req,
    const struct input *in)
{
	const char *s =
	    arena_printf(req->arena, "%s:%s", l->name, req->cloud_id);
	const struct input_value *v;
	size_t i, n = path_params(req);

	for (i = 0; s != NULL && i < n; i++)
		s = arena_printf(req->arena, "%s:%s", s, req->params[i]);
	for (i = 0; s != NULL && i < LIST_SCOPE_KEYS && l->scope[i] != QK_NONE;
	     i++) {
		v = &in->query[l->scope[i]];
		if (query_keys[l->scope[i]].type == FT_BOOL)
			s = arena_printf(req->arena, "%s:%lld", s, v->number);
		else
			s = arena_printf(
			    req->arena, "%s:%s", s, v->text ? v->text : "*");
	}
	return s;
}

static int
is_integer(const char *s)
{
	char *end;

	strtol(s, &end, 10);
	return *s != '\0' && *end == '\0';
}

static enum sd_status
check_cursor(const struct list_decl *l, const struct request *req,
    struct input *in, struct sd_error *err)
{
	const char *name = in->paging.backward ? "before"
	    : pages_by_limit(l)                ? "cursor"
	                                       : "after";

	in->cursor_scope = cursor_scope(l, req, in);
	if (in->cursor_scope == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	if (in->paging.cursor == NULL)
		return SD_OK;
	if (cursor_decode(req->arena, &handlers_settings()->cursor_key,
	        in->cursor_scope, in->paging.cursor, &in->cursor_key,
	        &in->cursor_id) != 0 ||
	    !crypto_uuid_valid(in->cursor_id) ||
	    (l->numeric_keys && !is_integer(in->cursor_key)))
		return sd_fail(err, SD_BAD_REQUEST, "invalid cursor",
		    "%s: not a cursor of this list", name);
	return SD_OK;
}

static enum sd_status
check_body(const struct body_decl *b, struct request *req, struct input *in,
    struct sd_error *err)
{
	json_t *body;
	enum sd_status st;

	if (b->fields == NULL || (b->optional && req->body_len == 0))
		return SD_OK;
	st = handler_body_object(req, &body, err);
	if (st == SD_OK)
		st = validate_object(body, b->fields, b->mode, "body", err);
	if (st == SD_OK)
		in->body = body;
	return st;
}

enum sd_status
input_check(
    const struct input_decl *d, struct request *req, struct sd_error *err)
{
	struct input *in = arena_zalloc(req->arena, sizeof(*in));
	enum sd_status st;

	if (in == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	req->input = in;
	st = check_path_ids(d, req, err);
	if (st == SD_OK)
		st = input_check_query(d, req, in, err);
	if (st == SD_OK && d->list.paging != PAGING_NONE)
		st = check_cursor(&d->list, req, in, err);
	if (st == SD_OK)
		st = check_body(&d->body, req, in, err);
	return st;
}
