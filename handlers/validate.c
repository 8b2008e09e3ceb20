#include "validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "text.h"

#define ZONEINFO "/usr/share/zoneinfo"

int
validate_enum_index(const char *const *values, const char *s)
{
	int i;

	for (i = 0; values[i] != NULL; i++)
		if (strcmp(values[i], s) == 0)
			return i;
	return -1;
}

static const struct field *
find_field(const struct field *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

static enum sd_status
bad(struct sd_error *err, const char *path, const char *name, const char *what)
{
	return sd_fail(err, SD_BAD_REQUEST, "invalid request body", "%s.%s: %s",
	    path, name, what);
}

static enum sd_status
validate_string(const json_t *v, const struct field *f, const char *path,
    struct sd_error *err)
{
	char what[96];
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return bad(err, path, f->name, "must be a string");
	s = json_string_value(v);
	len = json_string_length(v);
	/* jansson guarantees UTF-8; a NUL would cut the value short later. */
	if (strlen(s) != len)
		return bad(err, path, f->name, "must not contain NUL");
	if (f->max > 0 && utf8_length(s, len) > f->max) {
		snprintf(what, sizeof(what), "must be at most %zu characters",
		    f->max);
		return bad(err, path, f->name, what);
	}
	if (f->check != NULL && !f->check(s))
		return bad(err, path, f->name, f->message);
	return SD_OK;
}

/* A UUID is a string of at most 36 characters that crypto_uuid_valid
 * accepts. */
static enum sd_status
validate_uuid_value(const json_t *v, const struct field *f, const char *path,
    struct sd_error *err)
{
	struct field as_string = *f;

	as_string.max = 36;
	as_string.check = validate_uuid;
	if (as_string.message == NULL)
		as_string.message = "must be a UUID";
	return validate_string(v, &as_string, path, err);
}

void
validate_enum_message(const char *const *values, char *buf, size_t buflen)
{
	size_t used, i;
	int n;

	n = snprintf(buf, buflen, "must be one of");
	used = n > 0 ? (size_t)n : 0;
	for (i = 0; values[i] != NULL && used < buflen; i++) {
		n = snprintf(buf + used, buflen - used, "%s %s", i ? "," : "",
		    values[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static enum sd_status
validate_enum(const json_t *v, const struct field *f, const char *path,
    struct sd_error *err)
{
	char what[SD_ERR_DETAIL / 2];

	if (json_is_string(v) &&
	    validate_enum_index(f->values, json_string_value(v)) >= 0)
		return SD_OK;
	validate_enum_message(f->values, what, sizeof(what));
	return bad(err, path, f->name, what);
}

/* An array of at most f->max items (0: any number). */
static enum sd_status
validate_array(const json_t *v, const struct field *f, const char *path,
    struct sd_error *err)
{
	char what[96];

	if (!json_is_array(v))
		return bad(err, path, f->name, "must be an array");
	if (f->max > 0 && json_array_size(v) > f->max) {
		snprintf(
		    what, sizeof(what), "must have at most %zu items", f->max);
		return bad(err, path, f->name, what);
	}
	return SD_OK;
}

static enum sd_status
validate_strings(const json_t *v, const struct field *f, const char *path,
    struct sd_error *err)
{
	size_t i;

	if (validate_array(v, f, path, err) != SD_OK)
		return SD_BAD_REQUEST;
	for (i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));

		if (s == NULL || (f->check != NULL && !f->check(s)))
			return bad(err, path, f->name,
			    f->message ? f->message : "must hold strings");
	}
	return SD_OK;
}

static enum sd_status
validate_ints(const json_t *v, const struct field *f, const char *path,
    struct sd_error *err)
{
	char what[96];
	size_t i;
	const json_t *item;

	if (validate_array(v, f, path, err) != SD_OK)
		return SD_BAD_REQUEST;
	json_array_foreach ((json_t *)v, i, item)
		if (!json_is_integer(item) ||
		    json_integer_value(item) < f->min_int ||
		    json_integer_value(item) > f->max_int) {
			snprintf(what, sizeof(what),
			    "must hold integers from %lld to %lld", f->min_int,
			    f->max_int);
			return bad(err, path, f->name, what);
		}
	return SD_OK;
}

static enum sd_status
validate_value(const json_t *v, const struct field *f, enum validate_mode mode,
    const char *path, struct sd_error *err)
{
	char sub[SD_ERR_DETAIL / 2], what[96];
	size_t i;
	enum sd_status st;

	switch (f->type) {
	case FT_READONLY: return bad(err, path, f->name, "is read-only");
	case FT_STRING: return validate_string(v, f, path, err);
	case FT_BOOL:
		return json_is_boolean(v)
		    ? SD_OK
		    : bad(err, path, f->name, "must be true or false");
	case FT_INT:
		if (!json_is_integer(v) || json_integer_value(v) < f->min_int ||
		    json_integer_value(v) > f->max_int) {
			snprintf(what, sizeof(what),
			    "must be an integer from %lld to %lld", f->min_int,
			    f->max_int);
			return bad(
			    err, path, f->name, f->message ? f->message : what);
		}
		return SD_OK;
	case FT_ENUM: return validate_enum(v, f, path, err);
	case FT_UUID: return validate_uuid_value(v, f, path, err);
	case FT_OBJECT:
		snprintf(sub, sizeof(sub), "%s.%s", path, f->name);
		return validate_object(v, f->children, mode, sub, err);
	case FT_OBJECT_ARRAY:
		if (validate_array(v, f, path, err) != SD_OK)
			return SD_BAD_REQUEST;
		for (i = 0; i < json_array_size(v); i++) {
			snprintf(
			    sub, sizeof(sub), "%s.%s[%zu]", path, f->name, i);
			/* Array items are whole values: always "create". */
			st = validate_object(json_array_get(v, i), f->children,
			    VALIDATE_CREATE, sub, err);
			if (st != SD_OK)
				return st;
		}
		return SD_OK;
	case FT_STRING_ARRAY: return validate_strings(v, f, path, err);
	case FT_INT_ARRAY: return validate_ints(v, f, path, err);
	case FT_TIME: /* query parameters only */
	case FT_CURSOR:
	case FT_TYPE__MAX: break;
	}
	return bad(err, path, f->name, "is not accepted");
}

enum sd_status
validate_object(const json_t *obj, const struct field *table,
    enum validate_mode mode, const char *path, struct sd_error *err)
{
	const struct field *f;
	const char *key;
	json_t *v;
	enum sd_status st;

	/* A missing envelope ("page") says more than its unknown
	 * neighbours. */
	for (f = table; f->name != NULL; f++)
		if ((f->flags & F_REQUIRED) && f->type == FT_OBJECT &&
		    !json_is_object(json_object_get(obj, f->name)))
			return bad(err, path, f->name,
			    "is required and must be an object");
	if (!json_is_object(obj))
		return sd_fail(err, SD_BAD_REQUEST, "invalid request body",
		    "%s: must be an object", path);
	json_object_foreach ((json_t *)obj, key, v) {
		f = find_field(table, key);
		if (f == NULL)
			return bad(err, path, key, "unknown field");
		if ((f->flags & F_PRECONDITION) && mode == VALIDATE_CREATE)
			return bad(err, path, key, "is read-only");
		if (json_is_null(v) && f->type != FT_READONLY &&
		    !(f->flags & F_PRECONDITION)) {
			if ((f->flags & (F_REQUIRED | F_NOT_NULL)) != 0)
				return bad(err, path, key, "must not be null");
			continue; /* null clears an optional field */
		}
		st = validate_value(v, f, mode, path, err);
		if (st != SD_OK)
			return st;
	}
	for (f = table; f->name != NULL; f++) {
		if (!(f->flags & F_REQUIRED) ||
		    json_object_get(obj, f->name) != NULL)
			continue;
		if (mode == VALIDATE_CREATE)
			return bad(err, path, f->name, "is required");
	}
	return SD_OK;
}

/* Names that would shadow our own or common infrastructure hosts. */
static const char *const reserved_labels[] = {
	"www",
	"api",
	"admin",
	"app",
	"apps",
	"mail",
	"email",
	"smtp",
	"ftp",
	"status",
	"statuspage",
	"support",
	"help",
	"docs",
	"blog",
	"root",
	"localhost",
	"dashboard",
	"static",
	"assets",
	"cdn",
	"auth",
	"login",
	"signup",
	"account",
	"accounts",
	"billing",
	"internal",
	"system",
	NULL,
};

int
validate_not_reserved(const char *s)
{
	return validate_enum_index(reserved_labels, s) < 0;
}

int
validate_dns_label(const char *s)
{
	size_t i, n = strlen(s);

	if (n < 3 || n > 63 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		        (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return validate_not_reserved(s);
}

int
validate_hostname(const char *s)
{
	size_t n = strlen(s), label = 0, labels = 0, i;

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			labels++;
			label = 0;
			continue;
		}
		if (!(isalnum((unsigned char)s[i]) ||
		        (s[i] == '-' && label > 0)))
			return 0;
		if (++label > 63)
			return 0;
	}
	return labels >= 2;
}

int
validate_http_url(const char *s)
{
	size_t i, n = strlen(s), scheme;

	if (strncmp(s, "https://", 8) == 0)
		scheme = 8;
	else if (strncmp(s, "http://", 7) == 0)
		scheme = 7;
	else
		return 0;
	if (n == scheme || n > 2048)
		return 0;
	for (i = scheme; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || s[i] == '"' ||
		    s[i] == '<' || s[i] == '>' || s[i] == '\\')
			return 0;
	return 1;
}

int
validate_css_colour(const char *s)
{
	size_t i, n = strlen(s);

	if (s[0] != '#' || !(n == 4 || n == 5 || n == 7 || n == 9))
		return 0;
	for (i = 1; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
validate_timezone(const char *s)
{
	char path[128];
	struct stat st;
	size_t i, n = strlen(s);

	/* IANA names: Area/Location, or UTC; never a path escape. */
	if (n == 0 || n > 64 || s[0] == '/' || s[n - 1] == '/' ||
	    strstr(s, "..") != NULL || strstr(s, "//") != NULL)
		return 0;
	for (i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '/' ||
		        s[i] == '_' || s[i] == '-' || s[i] == '+'))
			return 0;
	/* With the time zone database installed (tzdata), the name must be
	 * one of its zones. */
	if (access(ZONEINFO, F_OK) != 0)
		return 1;
	snprintf(path, sizeof(path), "%s/%s", ZONEINFO, s);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode); /* not Europe/ */
}

int
validate_not_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return 1;
	return 0;
}

int
validate_uuid(const char *s)
{
	return crypto_uuid_valid(s);
}

int
validate_token_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if (!(isalnum((unsigned char)*s) || *s == '-' || *s == '_' ||
		        *s == '.'))
			return 0;
	return 1;
}
