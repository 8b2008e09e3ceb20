/*
 * Input declared as tables of field + rule and enforced in one place (in the
 * manner of kcgi's keys[] and kvalid_*). A write may carry only the fields
 * its table names: unknown and read-only fields are refused, so there is no
 * mass assignment.
 */
#ifndef STATUSD_VALIDATE_H
#define STATUSD_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#include "status.h"

enum field_type {
	FT_STRING,
	FT_BOOL,
	FT_INT, /* min_int..max_int */
	FT_ENUM, /* values */
	FT_UUID, /* a string holding a UUID */
	FT_TIME, /* query: an RFC 3339 date or date-time in 2000..2100 */
	FT_CURSOR, /* query: a keyset cursor of the route's list */
	FT_OBJECT, /* children: the nested table */
	FT_OBJECT_ARRAY, /* array of objects described by children */
	FT_STRING_ARRAY, /* array of strings, each checked like FT_STRING */
	FT_INT_ARRAY, /* array of integers, each min_int..max_int */
	FT_READONLY, /* any value refused */
	FT_TYPE__MAX
};

/* Field flags. */
#define F_REQUIRED 0x1 /* must be present and not null on create */
#define F_NOT_NULL 0x2 /* null (clear) refused on update too */
#define F_ONCE 0x4 /* query: given at most once */
#define F_LIST 0x8 /* query: repeated and/or comma-separated, each checked */
#define F_PRECONDITION 0x10 /* read-only on create; an update may carry it */

/* One row of a field table, written with designated initialisers:
 * { .name = "name", .type = FT_STRING, .flags = F_REQUIRED, .max = 255 }. */
struct field {
	const char *name;
	enum field_type type;
	unsigned flags;
	size_t max; /* strings: code points; arrays: items */
	long long min_int, max_int; /* FT_INT */
	const char *const *values; /* FT_ENUM: NULL-terminated */
	/* FT_ENUM in a query: other spellings of values[i], in the same
	 * order; with them any case is taken, and the value read is the
	 * values[i] it names. */
	const char *const *aliases;
	const struct field *children; /* terminated by FIELDS_END */
	int (*check)(const char *s); /* extra rule for strings */
	const char *message; /* said instead of the type's own words */
	const char *def; /* query: the value when absent */
};

#define FIELDS_END                                                             \
	{                                                                      \
		.name = NULL                                                   \
	}
#define READONLY(n)                                                            \
	{                                                                      \
		.name = n, .type = FT_READONLY                                 \
	}

enum validate_mode { VALIDATE_CREATE, VALIDATE_UPDATE };

/* Checks obj against table. path names obj in messages ("page"). On
 * failure returns SD_BAD_REQUEST with the field path in err->detail. A
 * required object (an envelope such as "page") is required in both modes. */
enum sd_status validate_object(const json_t *obj, const struct field *table,
    enum validate_mode mode, const char *path, struct sd_error *err);

/* Index of s in a NULL-terminated list, or -1. */
int validate_enum_index(const char *const *values, const char *s);
/* "must be one of A, B, C" into buf. */
void validate_enum_message(const char *const *values, char *buf, size_t buflen);

/* String rules usable as field.check; 1 = acceptable. */
int validate_dns_label(
    const char *s); /* lower-case label, 3-63, not reserved */
int validate_not_reserved(const char *s);
int validate_hostname(const char *s);
int validate_http_url(const char *s);
int validate_css_colour(const char *s);
int validate_timezone(const char *s);
int validate_not_blank(const char *s);
int validate_token_chars(const char *s); /* [A-Za-z0-9._-] */
int validate_uuid(const char *s);

#endif
