#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "crypto.h"
#include "db/db.h"
#include "db/pages.h"
#include "input.h"

static const char *const page_types[] = { "PUBLIC", "PRIVATE", NULL };
static const char *const page_themes[] = { "BLANK", "ALL_SYSTEMS_GLOW",
	"CLEAR_SKIES", "UP_AND_RUNNING", NULL };
static const char *const theme_modes[] = { "LIGHT", "DARK", NULL };
static const char *const uptime_styles[] = { "DETAIL_CARD", "ONLY_STATUS",
	NULL };
static const char *const component_styles[] = { "CARD", "TABLE", NULL };

#define STR(n, len)                                                            \
	{                                                                      \
		.name = n, .type = FT_STRING, .max = len                       \
	}
#define STR_CHECK(n, len, fn, msg)                                             \
	{                                                                      \
		.name = n, .type = FT_STRING, .max = len, .check = fn,         \
		.message = msg                                                 \
	}
#define BOOL(n)                                                                \
	{                                                                      \
		.name = n, .type = FT_BOOL                                     \
	}
#define INT(n, lo, hi)                                                         \
	{                                                                      \
		.name = n, .type = FT_INT, .min_int = lo, .max_int = hi        \
	}
#define ENUM(n, v)                                                             \
	{                                                                      \
		.name = n, .type = FT_ENUM, .values = v                        \
	}
#define OBJECT(n, t)                                                           \
	{                                                                      \
		.name = n, .type = FT_OBJECT, .children = t                    \
	}
#define OBJECTS(n, len, t)                                                     \
	{                                                                      \
		.name = n, .type = FT_OBJECT_ARRAY, .max = len, .children = t  \
	}

static const char url_message[] = "must be an http or https URL";

/* StakeholderCommsLink requires nothing: the document's drafts send
 * "links": [{}]. The bounds here are ours (README: bounds), each wider
 * than any value the document's examples use. */
static const struct field link_fields[] = {
	STR("label", 255),
	STR_CHECK("url", 2048, validate_http_url, url_message),
	INT("position", 0, 1000),
	FIELDS_END,
};

static const struct field seo_fields[] = {
	BOOL("enabled"),
	STR("title", 255),
	STR("description", 1000),
	STR("keywords", 1000),
	FIELDS_END,
};

static const struct field body_config_fields[] = {
	ENUM("uptimeStyle", uptime_styles),
	BOOL("overallUptimeDisplay"),
	INT("overallUptimeRange", 1, 365),
	BOOL("enableSearchAndFilter"),
	ENUM("componentStyle", component_styles),
	/* The official schema gives no bound; the document's examples send
	 * 34. */
	INT("numberOfCardsPerRow", 1, 100),
	BOOL("componentUptimeDisplay"),
	INT("componentUptimeRange", 1, 365),
	FIELDS_END,
};

static const struct field footer_fields[] = {
	STR("footerLogoId", 255),
	STR("footerText", 1000),
	STR("copyrightText", 255),
	OBJECTS("links", 20, link_fields),
	FIELDS_END,
};

static const struct field header_fields[] = {
	STR("coverImageId", 255),
	STR("headerLogoId", 255),
	STR("faviconIconId", 255),
	STR("headerText", 1000),
	BOOL("coverImageImmersive"),
	OBJECTS("links", 20, link_fields),
	FIELDS_END,
};

static const char colour_message[] = "must be a CSS hex colour like #12ab34";
#define COLOUR(n) STR_CHECK(n, 9, validate_css_colour, colour_message)

static const struct field colour_fields[] = {
	COLOUR("cssBodyBackgroundColor"),
	COLOUR("cssFontColor"),
	COLOUR("cssLightFontColor"),
	COLOUR("cssGreenColor"),
	COLOUR("cssYellowColor"),
	COLOUR("cssOrangeColor"),
	COLOUR("cssRedColor"),
	COLOUR("cssBorderColor"),
	COLOUR("cssGraphColor"),
	COLOUR("cssLinkColor"),
	COLOUR("cssBlueColor"),
	COLOUR("cssNoDataColor"),
	FIELDS_END,
};

#define CUSTOM_CODE_MAX 65536

const struct field page_fields[] = {
	{ .name = "name",
	    .type = FT_STRING,
	    .flags = F_REQUIRED,
	    .max = 255,
	    .check = validate_not_blank,
	    .message = "must not be blank" },
	{ .name = "subdomain",
	    .type = FT_STRING,
	    .flags = F_REQUIRED,
	    .max = 63,
	    .check = validate_dns_label,
	    .message = "must be a lower-case DNS label of 3 to 63 letters, "
	               "digits and inner hyphens, and not a reserved name" },
	{ .name = "pageType",
	    .type = FT_ENUM,
	    .flags = F_REQUIRED,
	    .values = page_types },
	STR_CHECK("domain", 253, validate_hostname, "must be a host name"),
	STR("description", 10000),
	STR_CHECK("timezone", 64, validate_timezone,
	    "must be an IANA time zone name such as Europe/Paris"),
	ENUM("pageTheme", page_themes),
	ENUM("pageThemeMode", theme_modes),
	BOOL("googleAnalyticsEnabled"),
	BOOL("statusEmbedEnabled"),
	BOOL("allowPageSubscribers"),
	BOOL("hiddenFromSearch"),
	STR_CHECK("googleAnalyticsTrackingId", 64, validate_token_chars,
	    "must contain only letters, digits, '-', '_' and '.'"),
	BOOL("allowRssAtomFields"),
	STR_CHECK("privacyPolicyUrl", 2048, validate_http_url, url_message),
	STR_CHECK("helpCenterUrl", 2048, validate_http_url, url_message),
	STR("customCss", CUSTOM_CODE_MAX),
	STR("customHeaderHtml", CUSTOM_CODE_MAX),
	STR("customFooterHtml", CUSTOM_CODE_MAX),
	OBJECT("seoConfig", seo_fields),
	OBJECT("bodyConfig", body_config_fields),
	OBJECT("footerData", footer_fields),
	OBJECT("headerData", header_fields),
	OBJECT("colours", colour_fields),
	/* A precondition of an update (409 when stale), read-only on create. */
	{ .name = "version",
	    .type = FT_INT,
	    .flags = F_PRECONDITION,
	    .min_int = 1,
	    .max_int = 2147483647,
	    .message = "must be a positive integer" },
	READONLY("id"),
	READONLY("url"),
	READONLY("cloudId"),
	READONLY("deletedAt"),
	READONLY("unpublishedAt"),
	READONLY("components"),
	READONLY("activityScore"),
	READONLY("blackHole"),
	READONLY("createdBy"),
	READONLY("externalAccounts"),
	READONLY("pageStatus"),
	READONLY("customDomainConfig"),
	READONLY("createdAt"),
	READONLY("updatedAt"),
	FIELDS_END,
};

const struct field page_envelope[] = {
	{ .name = "page",
	    .type = FT_OBJECT,
	    .flags = F_REQUIRED,
	    .children = page_fields },
	FIELDS_END,
};

enum sd_status
page_validate_body(const json_t *body, enum validate_mode mode,
    const json_t **page, struct sd_error *err)
{
	enum sd_status st;

	st = validate_object(body, page_envelope, mode, "body", err);
	if (st == SD_OK)
		*page = json_object_get(body, "page");
	return st;
}

/* Fields kept in their own columns; the rest go to attrs. */
static const char *const column_fields[] = { "name", "subdomain", "pageType",
	"version", NULL };

static const char *
string_field(const json_t *page, const char *name)
{
	return json_string_value(json_object_get(page, name));
}

/* The attrs JSON text: the page object without its column fields. */
static const char *
attrs_text(struct request *req, const json_t *page)
{
	json_t *attrs = json_object();
	const char *key;
	json_t *v;
	char *text, *copy = NULL;

	if (attrs == NULL)
		return NULL;
	/* A field that could not be copied (out of memory) must not be
	 * left out silently: that would write part of the request. */
	json_object_foreach ((json_t *)page, key, v) {
		if (validate_enum_index(column_fields, key) < 0 &&
		    json_object_set(attrs, key, v) != 0) {
			json_decref(attrs);
			return NULL;
		}
	}
	text = json_dumps(attrs, JSON_COMPACT);
	json_decref(attrs);
	if (text != NULL) {
		copy = arena_strdup(req->arena, text);
		free(text);
	}
	return copy;
}

/* The If-Match header's version, digits only, optionally quoted or weak. */
static const char *
if_match_version(struct request *req)
{
	const char *h = req->if_match;
	size_t n;

	if (h == NULL)
		return NULL;
	if (strncmp(h, "W/", 2) == 0)
		h += 2;
	if (*h == '"')
		h++;
	n = strspn(h, "0123456789");
	if (n == 0 || n > 9 ||
	    (h[n] != '\0' && !(h[n] == '"' && h[n + 1] == 0)))
		return "";
	return arena_strndup(req->arena, h, n);
}

/* Creates a page in the given status: PUBLISHED, or DRAFT for a page
 * that is not shown until its first publish. */
static enum sd_status
create_page(struct request *req, const struct principal *who,
    struct response *res, enum page_status status)
{
	struct page_write w = { 0 };
	const json_t *page = json_object_get(req->input->body, "page");
	const char *doc;
	char id[37];
	enum sd_status st;

	if (crypto_uuid_v7(id) != 0)
		return sd_fail(
		    &res->err, SD_INTERNAL, "random source failed", NULL);
	w.cloud_id = req->cloud_id;
	w.id = id;
	w.name = string_field(page, "name");
	w.subdomain = string_field(page, "subdomain");
	w.page_type = string_field(page, "pageType");
	w.page_status = status;
	w.attrs = attrs_text(req, page);
	w.created_by = who->subject;
	if (w.attrs == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	st = db_page_insert(req->arena, &w, &doc, &res->err);
	if (st != SD_OK)
		return st;
	return handler_respond_text(res, SD_CREATED, doc);
}

enum sd_status
page_create(
    struct request *req, const struct principal *who, struct response *res)
{
	return create_page(req, who, res, PS_PUBLISHED);
}

enum sd_status
page_draft_create(
    struct request *req, const struct principal *who, struct response *res)
{
	return create_page(req, who, res, PS_DRAFT);
}

enum sd_status
page_not_found(struct response *res)
{
	return sd_fail(&res->err, SD_NOT_FOUND, "page not found", NULL);
}

enum sd_status
page_write_from_body(
    struct request *req, struct response *res, struct page_write *w)
{
	const json_t *page = json_object_get(req->input->body, "page");
	const json_t *version;
	const char *header_version;

	memset(w, 0, sizeof(*w));
	header_version = if_match_version(req);
	if (header_version != NULL && header_version[0] == '\0')
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid If-Match header",
		    "expected the page version, e.g. If-Match: \"3\"");
	version = json_object_get(page, "version");
	w->cloud_id = req->cloud_id;
	w->id = req->params[0];
	w->name = string_field(page, "name");
	w->subdomain = string_field(page, "subdomain");
	w->page_type = string_field(page, "pageType");
	w->attrs = attrs_text(req, page);
	w->expected_version = version
	    ? arena_printf(
	          req->arena, "%lld", (long long)json_integer_value(version))
	    : header_version;
	if (w->attrs == NULL ||
	    (version != NULL && w->expected_version == NULL))
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	return SD_OK;
}

static enum sd_status
get_doc(struct request *req, struct response *res,
    enum sd_status (*fetch)(struct arena *, const char *, const char *,
        const char **, struct sd_error *))
{
	const char *doc;
	enum sd_status st;

	st = fetch(req->arena, req->cloud_id, req->params[0], &doc, &res->err);
	if (st != SD_OK)
		return st;
	return handler_respond_text(res, SD_OK, doc);
}

enum sd_status
page_draft_get(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return get_doc(req, res, db_page_draft_get);
}

enum sd_status
page_draft_get_by_name(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return get_doc(req, res, db_page_draft_get_by_name);
}

enum sd_status
page_get(struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return get_doc(req, res, db_page_get);
}

enum sd_status
page_get_by_name(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return get_doc(req, res, db_page_get_by_name);
}

enum sd_status
page_exists(struct request *req, struct response *res, const char *id)
{
	const char *doc;

	if (!crypto_uuid_valid(id))
		return page_not_found(res);
	return db_page_get(req->arena, req->cloud_id, id, &doc, &res->err);
}
