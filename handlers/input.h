/*
 * What each route takes, declared (in the manner of kcgi's keys[] and
 * kvalid_*): the query parameters of the API are one table, query_keys[],
 * indexed by enum query_key; a route's struct input_decl (fcgi/routes.c)
 * names the keys it reads, whether it is a keyset list (and how its
 * cursors are scoped), and the field table of its body. The dispatcher runs
 * input_check before the handler, which finds typed, already checked
 * values in req->input. A 400 names the parameter ("pageId: must be a
 * UUID") or the body field's path ("body.page.name: is required").
 */
#ifndef STATUSD_INPUT_H
#define STATUSD_INPUT_H

#include <jansson.h>

#include "http.h"
#include "paging.h"
#include "validate.h"

/* Every query parameter of the API. A new one is a row of query_keys[]
 * (handlers/input.c), not new parsing code. */
enum query_key {
	QK_NONE, /* ends a route's list of keys */
	QK_FILTER, /* page summaries: ALL, DRAFT, PUBLISHED */
	QK_FIRST, /* keyset lists (PAGING_FORWARD, PAGING_BOTH) */
	QK_AFTER,
	QK_LAST, /* PAGING_BOTH */
	QK_BEFORE,
	QK_LIMIT, /* PAGING_LIMIT */
	QK_CURSOR,
	QK_PAGE_ID,
	QK_START_DATE,
	QK_END_DATE,
	QK_FROM,
	QK_TO,
	QK_STATUS_FILTER,
	QK_SEARCH_TERM,
	QK_INCIDENT_ID,
	QK_INCIDENT_CODE,
	QK_EXTERNAL_INCIDENT_ID,
	QK_SHOW_ACTIVE,
	QK_REQUIRED_PAGE_ID, /* pageId where it must be given */
	QK_ITEM_TYPE, /* subscriber item types, any case, short or long */
	QK_ITEM_ID,
	QK_TYPE, /* the same values as itemType */
	QK__MAX
};

extern const struct field query_keys[QK__MAX];

enum paging_mode {
	PAGING_NONE,
	PAGING_FORWARD, /* first/after; last and before are refused */
	PAGING_BOTH, /* first/after or last/before */
	PAGING_LIMIT, /* limit/cursor */
	PAGING_LIMIT_BOTH, /* limit/cursor or last/before */
};

#define LIST_SCOPE_KEYS 2

/* A keyset list: its cursors are bound to "name:cloud", then each path
 * parameter, then each scope key's value ("*" when absent), so a cursor of
 * another list, cloud, page or filter is refused. */
struct list_decl {
	enum paging_mode paging;
	const char *name;
	enum query_key scope[LIST_SCOPE_KEYS];
	int numeric_keys; /* sort keys are integers (positions) */
};

struct body_decl {
	const struct field *fields; /* the whole body, envelope included */
	enum validate_mode mode;
	int optional; /* an empty body is no body */
};

struct input_decl {
	/* The 404 message for a path id that is not a UUID ("page not
	 * found"): such an id cannot exist, so nothing else is looked at. */
	const char *unknown_id;
	const enum query_key *query; /* ended by QK_NONE; NULL = none */
	struct list_decl list;
	struct body_decl body; /* fields NULL: the body is not read */
};

/* One query parameter, checked. */
struct input_value {
	int given; /* present, even empty */
	const char *text; /* the value (or the key's default); NULL when
	                     absent or empty, and for F_LIST keys */
	long long number; /* FT_INT; FT_BOOL 0 or 1; FT_TIME seconds */
	int date_only; /* FT_TIME: a date without a time */
	const char **list; /* F_LIST: the values, in order */
	size_t nlist;
};

/* What the handler gets, in req->input. */
struct input {
	struct input_value query[QK__MAX];
	struct paging paging; /* lists */
	const char *cursor_scope; /* lists: what new cursors are bound to */
	const char *cursor_key; /* the decoded cursor; NULL from the edge */
	const char *cursor_id;
	json_t *body; /* validated; NULL when an optional body was absent */
};

/* Checks req against d and leaves the result in req->input (from the
 * arena): path ids, then the query, then the body. SD_NOT_FOUND for an id
 * that is not a UUID, SD_BAD_REQUEST naming the parameter or field,
 * SD_INTERNAL when out of memory. */
enum sd_status input_check(
    const struct input_decl *d, struct request *req, struct sd_error *err);

/* The query part alone (input_check runs it first); in is filled. */
enum sd_status input_check_query(const struct input_decl *d,
    const struct request *req, struct input *in, struct sd_error *err);

/* Shorthands for fcgi/routes.c. */
#define QUERY(...)                                                             \
	(const enum query_key[])                                               \
	{                                                                      \
		__VA_ARGS__, QK_NONE                                           \
	}
#define CREATE_BODY(t)                                                         \
	{                                                                      \
		.fields = t, .mode = VALIDATE_CREATE                           \
	}
#define UPDATE_BODY(t)                                                         \
	{                                                                      \
		.fields = t, .mode = VALIDATE_UPDATE                           \
	}
#define OPTIONAL_BODY(t)                                                       \
	{                                                                      \
		.fields = t, .mode = VALIDATE_UPDATE, .optional = 1            \
	}

#endif
