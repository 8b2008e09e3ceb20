/*
 * handlers/validate.c through page_validate_body (handlers/pages.c): the
 * page field table for create and update, and the string rules directly.
 */
#include <check.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers/pages.h"
#include "handlers/validate.h"
#include "suites.h"
#include "text.h"

static struct sd_error err;
static const json_t *page_out;

#define MIN_FIELDS                                                             \
	"\"name\":\"Acme\",\"subdomain\":\"acme\",\"pageType\":\"PUBLIC\""

/* Validates the JSON text (printf format) in mode; the body is parsed as
 * handler_body_object parses it. */
static enum sd_status
check_body(enum validate_mode mode, const char *fmt, ...)
{
	char *text;
	va_list ap;
	json_t *body;
	json_error_t jerr;
	enum sd_status st;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&text, fmt, ap);
	va_end(ap);
	ck_assert_int_ge(n, 0);
	body = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	ck_assert_msg(
	    body != NULL, "test JSON does not parse: %s: %s", jerr.text, text);
	free(text);
	sd_error_clear(&err);
	page_out = NULL;
	st = page_validate_body(body, mode, &page_out, &err);
	if (st == SD_OK)
		ck_assert_ptr_eq(page_out, json_object_get(body, "page"));
	else
		ck_assert_ptr_null(page_out);
	json_decref(body);
	return st;
}

/* Valid page fields (create) plus extra, e.g. ",\"x\":1". */
#define CREATE(...) check_body(VALIDATE_CREATE, __VA_ARGS__)
#define UPDATE(...) check_body(VALIDATE_UPDATE, __VA_ARGS__)

#define OK(call)                                                               \
	do {                                                                   \
		enum sd_status st_ = (call);                                   \
		ck_assert_msg(                                                 \
		    st_ == SD_OK, "%s: refused: %s", #call, err.detail);       \
	} while (0)

/* Refused with 400 and a detail containing want. */
#define BAD(call, want)                                                        \
	do {                                                                   \
		enum sd_status st_ = (call);                                   \
		ck_assert_msg(                                                 \
		    st_ == SD_BAD_REQUEST, "%s: accepted (%d)", #call, st_);   \
		ck_assert_int_eq(err.status, SD_BAD_REQUEST);                  \
		ck_assert_str_eq(err.message, "invalid request body");         \
		ck_assert_msg(strstr(err.detail, want) != NULL,                \
		    "%s: detail '%s' lacks '%s'", #call, err.detail, want);    \
	} while (0)

/* A page with one extra field. */
#define WITH(extra) "{\"page\":{" MIN_FIELDS "," extra "}}"

START_TEST(test_minimal_create)
{
	OK(CREATE("{\"page\":{" MIN_FIELDS "}}"));
	OK(CREATE("{\"page\":{\"pageType\":\"PRIVATE\",\"subdomain\":\"a-1\","
	          "\"name\":\"x\"}}"));
}
END_TEST

START_TEST(test_full_create)
{
	OK(CREATE(
	    "{\"page\":{" MIN_FIELDS ","
	    "\"domain\":\"status.example.com\","
	    "\"description\":\"Our services\","
	    "\"timezone\":\"Europe/Paris\","
	    "\"pageTheme\":\"CLEAR_SKIES\",\"pageThemeMode\":\"DARK\","
	    "\"googleAnalyticsEnabled\":true,\"statusEmbedEnabled\":false,"
	    "\"allowPageSubscribers\":true,\"hiddenFromSearch\":false,"
	    "\"googleAnalyticsTrackingId\":\"G-AB12CD34\","
	    "\"allowRssAtomFields\":true,"
	    "\"privacyPolicyUrl\":\"https://example.com/privacy\","
	    "\"helpCenterUrl\":\"http://help.example.com/?q=a&b=c\","
	    "\"customCss\":\"body{color:red}\","
	    "\"customHeaderHtml\":\"<b>hi</b>\",\"customFooterHtml\":\"\","
	    "\"seoConfig\":{\"enabled\":true,\"title\":\"T\","
	    "\"description\":\"D\",\"keywords\":\"a,b\"},"
	    "\"bodyConfig\":{\"uptimeStyle\":\"DETAIL_CARD\","
	    "\"overallUptimeDisplay\":true,\"overallUptimeRange\":90,"
	    "\"enableSearchAndFilter\":false,\"componentStyle\":\"TABLE\","
	    "\"numberOfCardsPerRow\":3,\"componentUptimeDisplay\":true,"
	    "\"componentUptimeRange\":365},"
	    "\"headerData\":{\"coverImageId\":\"c\",\"headerLogoId\":\"h\","
	    "\"faviconIconId\":\"f\",\"headerText\":\"Welcome\","
	    "\"coverImageImmersive\":true,\"links\":[{\"label\":\"Home\","
	    "\"url\":\"https://example.com\",\"position\":0}]},"
	    "\"footerData\":{\"footerLogoId\":\"l\",\"footerText\":\"t\","
	    "\"copyrightText\":\"(c) Acme\",\"links\":[]},"
	    "\"colours\":{\"cssBodyBackgroundColor\":\"#ffffff\","
	    "\"cssFontColor\":\"#333\",\"cssLinkColor\":\"#0052CCff\"}"
	    "}}"));
}
END_TEST

START_TEST(test_required_fields)
{
	BAD(CREATE(
	        "{\"page\":{\"subdomain\":\"acme\",\"pageType\":\"PUBLIC\"}}"),
	    "body.page.name: is required");
	BAD(CREATE("{\"page\":{\"name\":\"A\",\"pageType\":\"PUBLIC\"}}"),
	    "body.page.subdomain: is required");
	BAD(CREATE("{\"page\":{\"name\":\"A\",\"subdomain\":\"acme\"}}"),
	    "body.page.pageType: is required");
	BAD(CREATE("{\"page\":{}}"), "is required");
	/* Present but null is not present. */
	BAD(CREATE("{\"page\":{\"name\":null,\"subdomain\":\"acme\","
	           "\"pageType\":\"PUBLIC\"}}"),
	    "body.page.name: must not be null");
	/* No page at all, or not an object. */
	BAD(CREATE("{}"), "body.page: is required and must be an object");
	BAD(CREATE("{\"page\":null}"), "body.page: is required");
	BAD(CREATE("{\"page\":[]}"), "body.page: is required");
	BAD(CREATE("{\"page\":\"acme\"}"), "body.page: is required");
	BAD(CREATE("{\"Page\":{" MIN_FIELDS "}}"), "body.page: is required");
	BAD(CREATE("[{\"page\":{" MIN_FIELDS "}}]"), "body.page: is required");
	BAD(UPDATE("{}"), "body.page: is required");
	BAD(UPDATE("{\"page\":1}"), "body.page: is required");
}
END_TEST

START_TEST(test_update_partial)
{
	/* No field is required on update; an empty change is valid. */
	OK(UPDATE("{\"page\":{}}"));
	OK(UPDATE("{\"page\":{\"description\":\"new\"}}"));
	OK(UPDATE("{\"page\":{\"bodyConfig\":{\"numberOfCardsPerRow\":2}}}"));
	/* The document's examples send 34; our bound is 1..100. */
	OK(UPDATE("{\"page\":{\"bodyConfig\":{\"numberOfCardsPerRow\":34}}}"));
	OK(UPDATE("{\"page\":{\"bodyConfig\":{\"numberOfCardsPerRow\":100}}}"));
	BAD(UPDATE("{\"page\":{\"bodyConfig\":{\"numberOfCardsPerRow\":101}}}"),
	    "body.page.bodyConfig.numberOfCardsPerRow: must be an integer from "
	    "1 "
	    "to 100");
	/* null clears an optional field, nested too... */
	OK(UPDATE("{\"page\":{\"description\":null,\"domain\":null,"
	          "\"seoConfig\":null,\"colours\":{\"cssFontColor\":null}}}"));
	/* ...but never a required one. */
	BAD(UPDATE("{\"page\":{\"name\":null}}"),
	    "body.page.name: must not be null");
	BAD(UPDATE("{\"page\":{\"subdomain\":null}}"), "must not be null");
	BAD(UPDATE("{\"page\":{\"pageType\":null}}"), "must not be null");
	/* Values are checked as on create. */
	BAD(UPDATE("{\"page\":{\"subdomain\":\"WWW\"}}"),
	    "body.page.subdomain: must be a lower-case DNS label");
	/* Link items are whole values, checked as on create; the official
	 * StakeholderCommsLink requires none of its fields. */
	BAD(UPDATE("{\"page\":{\"headerData\":{\"links\":[{\"label\":\"x\","
	           "\"url\":\"ftp://x.example\"}]}}}"),
	    "body.page.headerData.links[0].url: must be an http or https URL");
	OK(UPDATE("{\"page\":{\"headerData\":{\"links\":[{}]}}}"));
	OK(UPDATE(
	    "{\"page\":{\"footerData\":{\"links\":[{\"label\":\"x\"}]}}}"));
}
END_TEST

START_TEST(test_unknown_fields)
{
	BAD(CREATE(WITH("\"bogus\":1")), "body.page.bogus: unknown field");
	BAD(CREATE(WITH("\"Name\":\"x\"")), "body.page.Name: unknown field");
	BAD(CREATE(WITH("\"cloud_id\":\"x\"")), "unknown field");
	BAD(CREATE("{\"page\":{" MIN_FIELDS "},\"extra\":true}"),
	    "body.extra: unknown field");
	BAD(CREATE(WITH("\"seoConfig\":{\"robots\":\"noindex\"}")),
	    "body.page.seoConfig.robots: unknown field");
	BAD(CREATE(
	        WITH("\"footerData\":{\"links\":[{\"label\":\"a\","
	             "\"url\":\"https://a.example\"},{\"label\":\"b\","
	             "\"url\":\"https://b.example\",\"target\":\"_blank\"}]}")),
	    "body.page.footerData.links[1].target: unknown field");
	BAD(UPDATE("{\"page\":{\"bogus\":null}}"),
	    "body.page.bogus: unknown field");
	BAD(UPDATE("{\"page\":{},\"version\":3}"),
	    "body.version: unknown field");
}
END_TEST

START_TEST(test_read_only_fields)
{
	static const char *const ro[] = { "id", "url", "cloudId", "deletedAt",
		"unpublishedAt", "components", "activityScore", "blackHole",
		"createdBy", "externalAccounts", "pageStatus",
		"customDomainConfig", "createdAt", "updatedAt", NULL };
	static const char *const values[] = { "\"x\"", "null", "1", "[]", "{}",
		NULL };
	char want[64];
	int i, j;

	for (i = 0; ro[i] != NULL; i++) {
		snprintf(
		    want, sizeof(want), "body.page.%s: is read-only", ro[i]);
		for (j = 0; values[j] != NULL; j++) {
			BAD(CREATE("{\"page\":{" MIN_FIELDS ",\"%s\":%s}}",
			        ro[i], values[j]),
			    want);
			BAD(UPDATE("{\"page\":{\"%s\":%s}}", ro[i], values[j]),
			    want);
			BAD(UPDATE("{\"page\":{\"version\":2,\"%s\":%s}}",
			        ro[i], values[j]),
			    want);
		}
	}
}
END_TEST

START_TEST(test_version)
{
	/* Never on create. */
	BAD(CREATE(WITH("\"version\":1")), "body.page.version: is read-only");
	BAD(CREATE(WITH("\"version\":null")),
	    "body.page.version: is read-only");
	/* A positive 32-bit integer on update. */
	OK(UPDATE("{\"page\":{\"version\":1}}"));
	OK(UPDATE("{\"page\":{\"version\":2147483647,\"name\":\"n\"}}"));
	BAD(UPDATE("{\"page\":{\"version\":0}}"),
	    "body.page.version: must be a positive integer");
	BAD(UPDATE("{\"page\":{\"version\":-1}}"),
	    "must be a positive integer");
	BAD(UPDATE("{\"page\":{\"version\":2147483648}}"),
	    "must be a positive integer");
	BAD(UPDATE("{\"page\":{\"version\":\"3\"}}"),
	    "must be a positive integer");
	BAD(UPDATE("{\"page\":{\"version\":3.0}}"),
	    "must be a positive integer");
	BAD(UPDATE("{\"page\":{\"version\":null}}"),
	    "must be a positive integer");
	BAD(UPDATE("{\"page\":{\"version\":true}}"),
	    "must be a positive integer");
	/* With version, the rest is still validated. */
	BAD(UPDATE("{\"page\":{\"version\":4,\"pageType\":\"SECRET\"}}"),
	    "body.page.pageType: must be one of");
	BAD(UPDATE("{\"page\":{\"version\":4},\"x\":1}"),
	    "body.x: unknown field");
}
END_TEST

START_TEST(test_version_left_in_page)
{
	json_t *body =
	    json_pack("{s:{s:i,s:s}}", "page", "version", 7, "name", "n");

	ck_assert_int_eq(
	    page_validate_body(body, VALIDATE_UPDATE, &page_out, &err), SD_OK);
	/* The caller still sees version (the precondition), and the body
	 * it passed was not modified. */
	ck_assert_int_eq(
	    json_integer_value(json_object_get(page_out, "version")), 7);
	ck_assert_uint_eq(json_object_size(json_object_get(body, "page")), 2);
	json_decref(body);
}
END_TEST

START_TEST(test_type_errors)
{
	BAD(CREATE("{\"page\":{\"name\":5,\"subdomain\":\"acme\","
	           "\"pageType\":\"PUBLIC\"}}"),
	    "body.page.name: must be a string");
	BAD(CREATE(WITH("\"description\":[\"x\"]")),
	    "body.page.description: must be a string");
	BAD(CREATE(WITH("\"domain\":{}")),
	    "body.page.domain: must be a string");
	BAD(CREATE(WITH("\"googleAnalyticsEnabled\":\"true\"")),
	    "body.page.googleAnalyticsEnabled: must be true or false");
	BAD(CREATE(WITH("\"hiddenFromSearch\":1")), "must be true or false");
	BAD(CREATE(WITH("\"bodyConfig\":{\"numberOfCardsPerRow\":\"3\"}")),
	    "body.page.bodyConfig.numberOfCardsPerRow: must be an integer "
	    "from 1 to 100");
	BAD(CREATE(WITH("\"bodyConfig\":{\"numberOfCardsPerRow\":3.0}")),
	    "must be an integer from 1 to 100");
	BAD(CREATE(WITH("\"bodyConfig\":{\"numberOfCardsPerRow\":0}")),
	    "must be an integer from 1 to 100");
	BAD(CREATE(WITH("\"bodyConfig\":{\"numberOfCardsPerRow\":101}")),
	    "must be an integer from 1 to 100");
	OK(CREATE(WITH("\"bodyConfig\":{\"numberOfCardsPerRow\":34}")));
	BAD(CREATE(WITH("\"bodyConfig\":{\"overallUptimeRange\":366}")),
	    "must be an integer from 1 to 365");
	BAD(CREATE(WITH("\"bodyConfig\":{\"overallUptimeRange\":"
	                "-9223372036854775808}")),
	    "must be an integer from 1 to 365");
	BAD(CREATE(WITH("\"bodyConfig\":{\"overallUptimeRange\":true}")),
	    "must be an integer");
	BAD(CREATE(WITH("\"seoConfig\":\"on\"")),
	    "body.page.seoConfig: must be an object");
	BAD(CREATE(WITH("\"seoConfig\":[]")),
	    "body.page.seoConfig: must be an object");
	BAD(CREATE(WITH("\"headerData\":{\"links\":{}}")),
	    "body.page.headerData.links: must be an array");
	BAD(CREATE(WITH("\"headerData\":{\"links\":\"x\"}")),
	    "must be an array");
	BAD(CREATE(WITH("\"headerData\":{\"links\":[1]}")),
	    "body.page.headerData.links[0]: must be an object");
	BAD(CREATE(WITH("\"headerData\":{\"links\":[null]}")),
	    "body.page.headerData.links[0]: must be an object");
	BAD(UPDATE("{\"page\":{\"pageType\":7}}"),
	    "body.page.pageType: must be one of");
}
END_TEST

START_TEST(test_enums)
{
	static const char *const themes[] = { "BLANK", "ALL_SYSTEMS_GLOW",
		"CLEAR_SKIES", "UP_AND_RUNNING", NULL };
	int i;

	for (i = 0; themes[i] != NULL; i++)
		OK(UPDATE("{\"page\":{\"pageTheme\":\"%s\"}}", themes[i]));
	OK(UPDATE("{\"page\":{\"pageThemeMode\":\"LIGHT\"}}"));
	OK(UPDATE("{\"page\":{\"bodyConfig\":{\"uptimeStyle\":\"ONLY_STATUS\","
	          "\"componentStyle\":\"CARD\"}}}"));
	BAD(UPDATE("{\"page\":{\"pageType\":\"public\"}}"),
	    "body.page.pageType: must be one of PUBLIC, PRIVATE");
	BAD(UPDATE("{\"page\":{\"pageType\":\"\"}}"), "must be one of");
	BAD(UPDATE("{\"page\":{\"pageType\":\"PUBLIC \"}}"), "must be one of");
	BAD(UPDATE("{\"page\":{\"pageType\":[\"PUBLIC\"]}}"), "must be one of");
	BAD(UPDATE("{\"page\":{\"pageTheme\":\"DARK\"}}"),
	    "body.page.pageTheme: must be one of BLANK, ALL_SYSTEMS_GLOW, "
	    "CLEAR_SKIES, UP_AND_RUNNING");
	BAD(UPDATE("{\"page\":{\"pageThemeMode\":\"dark\"}}"),
	    "must be one of LIGHT, DARK");
	BAD(UPDATE("{\"page\":{\"bodyConfig\":{\"uptimeStyle\":\"CARD\"}}}"),
	    "body.page.bodyConfig.uptimeStyle: must be one of DETAIL_CARD, "
	    "ONLY_STATUS");
	BAD(UPDATE("{\"page\":{\"bodyConfig\":{\"componentStyle\":\"GRID\"}}}"),
	    "must be one of CARD, TABLE");
}
END_TEST

START_TEST(test_links)
{
	char *links;
	size_t i, used = 0, cap = 4096;

	OK(CREATE(WITH("\"headerData\":{\"links\":[{\"label\":\"a\","
	               "\"url\":\"https://a.example\"},{\"label\":\"b\","
	               "\"url\":\"http://b.example/x\",\"position\":1000}]}")));
	/* StakeholderCommsLink requires nothing; null leaves a field out. */
	OK(CREATE(
	    WITH("\"headerData\":{\"links\":[{\"url\":\"https://a\"}]}")));
	OK(CREATE(WITH("\"footerData\":{\"links\":[{\"label\":null,"
	               "\"url\":\"https://a\"}]}")));
	OK(CREATE(WITH("\"footerData\":{\"links\":[{}]}")));
	BAD(CREATE(WITH("\"footerData\":{\"links\":[{\"label\":\"a\","
	                "\"url\":\"https://a\",\"position\":1001}]}")),
	    "links[0].position: must be an integer from 0 to 1000");
	BAD(CREATE(WITH("\"footerData\":{\"links\":[{\"label\":\"a\","
	                "\"url\":\"https://a\",\"position\":-1}]}")),
	    "must be an integer from 0 to 1000");
	BAD(CREATE(WITH("\"footerData\":{\"links\":[{\"label\":\"a\","
	                "\"url\":\"javascript:alert(1)\"}]}")),
	    "body.page.footerData.links[0].url: must be an http or https URL");
	/* 20 links are fine, 21 are not. */
	links = malloc(cap);
	for (i = 0; i < 21; i++)
		used += (size_t)snprintf(links + used, cap - used,
		    "%s{\"label\":\"l%zu\",\"url\":\"https://x.example/%zu\"}",
		    i ? "," : "", i, i);
	OK(CREATE(WITH("\"footerData\":{\"links\":[%.*s]}"),
	    (int)(strrchr(links, '{') - links - 1), links));
	BAD(CREATE(WITH("\"footerData\":{\"links\":[%s]}"), links),
	    "body.page.footerData.links: must have at most 20 items");
	free(links);
}
END_TEST

START_TEST(test_colours)
{
	static const char *const good[] = { "#abc", "#ABC", "#a1b2c3",
		"#A1B2C3", "#a1b2c3d4", "#000000ff", "#abcd", NULL };
	static const char *const bad[] = { "", "#", "red", "abc", "#ab",
		"#abcde", "#1234567", "#ggg", "#12345g", "# abc", "#abc ",
		"rgb(0,0)", "#\xc3\xa9\xc3\xa9\xc3\xa9", "##abc", NULL };
	int i;

	for (i = 0; good[i] != NULL; i++)
		OK(UPDATE("{\"page\":{\"colours\":{\"cssRedColor\":\"%s\"}}}",
		    good[i]));
	for (i = 0; bad[i] != NULL; i++)
		BAD(UPDATE("{\"page\":{\"colours\":{\"cssRedColor\":\"%s\"}}}",
		        bad[i]),
		    "body.page.colours.cssRedColor: must be a CSS hex colour");
	/* Longer than 9 characters: the length rule speaks first. */
	BAD(UPDATE("{\"page\":{\"colours\":{\"cssNoDataColor\":\"#0123456789\"}"
	           "}}"),
	    "body.page.colours.cssNoDataColor: must be at most 9 characters");
	BAD(UPDATE("{\"page\":{\"colours\":{\"cssBlue\":\"#abc\"}}}"),
	    "body.page.colours.cssBlue: unknown field");
	BAD(UPDATE("{\"page\":{\"colours\":{\"cssBlueColor\":255}}}"),
	    "must be a string");
}
END_TEST

START_TEST(test_urls)
{
	static const char *const good[] = { "https://example.com",
		"http://example.com/a/b?c=d#e", "https://x",
		"https://exa.mple/caf\xc3\xa9", NULL };
	static const char *const bad[] = { "", "example.com", "//example.com",
		"ftp://example.com", "javascript:alert(1)", "data:text/html,x",
		"https://", "http://", "https:/example.com",
		"https://exa mple.com", "https://a\\\"b", "https://a<b",
		"https://a>b", "https://a\\\\b", "https://a\\tb",
		"https://a\\nb", " https://example.com", "https://example.com ",
		NULL };
	char *long_url;
	int i;

	for (i = 0; good[i] != NULL; i++)
		OK(UPDATE("{\"page\":{\"privacyPolicyUrl\":\"%s\"}}", good[i]));
	for (i = 0; bad[i] != NULL; i++)
		BAD(UPDATE("{\"page\":{\"helpCenterUrl\":\"%s\"}}", bad[i]),
		    "body.page.helpCenterUrl: must be an http or https URL");
	/* 2048 characters in all is the limit. */
	long_url = malloc(2100);
	memcpy(long_url, "https://", 8);
	memset(long_url + 8, 'a', 2040);
	long_url[2048] = '\0';
	OK(UPDATE("{\"page\":{\"helpCenterUrl\":\"%s\"}}", long_url));
	long_url[2048] = 'a';
	long_url[2049] = '\0';
	BAD(UPDATE("{\"page\":{\"helpCenterUrl\":\"%s\"}}", long_url),
	    "body.page.helpCenterUrl: must be at most 2048 characters");
	free(long_url);
}
END_TEST

START_TEST(test_subdomains)
{
	static const char *const good[] = { "abc", "acme", "acme-status", "a1b",
		"123", "a-b-c", "wwww", "apis", "my-admin", NULL };
	static const char *const bad[] = { "", "ab", "a", "-abc", "abc-", "-",
		"---", "Acme", "ACME", "ac_me", "ac me", "a.b.c", "acme.",
		"caf\xc3\xa9", "www", "api", "admin", "status", "mail",
		"localhost", "internal", "login", NULL };
	char label[70];
	int i;

	for (i = 0; good[i] != NULL; i++)
		OK(CREATE("{\"page\":{\"name\":\"n\",\"pageType\":\"PUBLIC\","
		          "\"subdomain\":\"%s\"}}",
		    good[i]));
	for (i = 0; bad[i] != NULL; i++)
		BAD(CREATE("{\"page\":{\"name\":\"n\",\"pageType\":\"PUBLIC\","
		           "\"subdomain\":\"%s\"}}",
		        bad[i]),
		    "body.page.subdomain: must be a lower-case DNS label");
	/* 63 characters is the longest label. */
	memset(label, 'a', 63);
	label[63] = '\0';
	OK(UPDATE("{\"page\":{\"subdomain\":\"%s\"}}", label));
	label[63] = 'a';
	label[64] = '\0';
	BAD(UPDATE("{\"page\":{\"subdomain\":\"%s\"}}", label),
	    "body.page.subdomain: must be at most 63 characters");
	/* The rule functions directly. */
	ck_assert(validate_dns_label("abc"));
	ck_assert(!validate_dns_label("www"));
	ck_assert(!validate_not_reserved("api"));
	ck_assert(validate_not_reserved("apis"));
}
END_TEST

START_TEST(test_other_strings)
{
	char host[300];
	int i;

	/* Domains. */
	OK(UPDATE("{\"page\":{\"domain\":\"status.example.com\"}}"));
	OK(UPDATE("{\"page\":{\"domain\":\"xn--bcher-kva.example\"}}"));
	OK(UPDATE("{\"page\":{\"domain\":\"a-b.c-d.example\"}}"));
	BAD(UPDATE("{\"page\":{\"domain\":\"localhost\"}}"),
	    "body.page.domain: must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"-a.example\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"a-.example\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"a..example\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\".example.com\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"example.com.\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"ex ample.com\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"ex_ample.com\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"https://example.com\"}}"),
	    "must be a host name");
	BAD(UPDATE("{\"page\":{\"domain\":\"\"}}"), "must be a host name");
	/* Labels of at most 63, names of at most 253 characters. */
	memset(host, 'a', sizeof(host));
	memcpy(host + 63, ".com", 5);
	ck_assert(validate_hostname(host));
	memset(host, 'a', sizeof(host));
	memcpy(host + 64, ".com", 5);
	ck_assert(!validate_hostname(host));
	for (i = 0; i < 4; i++) /* 4 x 63 + 3 dots = 255 */
		memset(host + 64 * i, i == 0 ? 'b' : 'a', 63),
		    host[64 * i + 63] = '.';
	host[64 * 3 + 63] = '\0';
	ck_assert_uint_eq(strlen(host), 255);
	ck_assert(!validate_hostname(host));
	host[64 * 3 + 61] = '\0'; /* 253 */
	ck_assert(validate_hostname(host));
	/* Time zones. */
	OK(UPDATE("{\"page\":{\"timezone\":\"UTC\"}}"));
	OK(UPDATE(
	    "{\"page\":{\"timezone\":\"America/Argentina/Buenos_Aires\"}}"));
	OK(UPDATE("{\"page\":{\"timezone\":\"Etc/GMT+5\"}}"));
	BAD(UPDATE("{\"page\":{\"timezone\":\"../../etc/passwd\"}}"),
	    "body.page.timezone: must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"/etc/localtime\"}}"),
	    "must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"Europe/Paris\\n\"}}"),
	    "must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"Europe Paris\"}}"),
	    "must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"\"}}"),
	    "must be an IANA time zone name");
	/* Zone names only, not areas or spellings of them (with tzdata, which
	 * Debian always has). */
	BAD(UPDATE("{\"page\":{\"timezone\":\"Europe\"}}"),
	    "must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"Europe/\"}}"),
	    "must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"Europe//Paris\"}}"),
	    "must be an IANA time zone name");
	BAD(UPDATE("{\"page\":{\"timezone\":\"Mars/Olympus_Mons\"}}"),
	    "must be an IANA time zone name");
	/* Tracking ids. */
	OK(UPDATE("{\"page\":{\"googleAnalyticsTrackingId\":\"UA-1234-5\"}}"));
	BAD(UPDATE("{\"page\":{\"googleAnalyticsTrackingId\":\"UA 1\"}}"),
	    "body.page.googleAnalyticsTrackingId: must contain only letters");
	BAD(UPDATE("{\"page\":{\"googleAnalyticsTrackingId\":\"<x>\"}}"),
	    "must contain only letters");
	/* Blank names. */
	BAD(UPDATE("{\"page\":{\"name\":\"\"}}"),
	    "body.page.name: must not be blank");
	BAD(UPDATE("{\"page\":{\"name\":\" \\t\\n \"}}"), "must not be blank");
	OK(UPDATE("{\"page\":{\"name\":\" x \"}}"));
}
END_TEST

/* A JSON string of n copies of the UTF-8 text unit. */
static char *
rep(const char *unit, size_t n)
{
	size_t len = strlen(unit), i;
	char *s = malloc(len * n + 1);

	for (i = 0; i < n; i++)
		memcpy(s + i * len, unit, len);
	s[len * n] = '\0';
	return s;
}

START_TEST(test_lengths_in_code_points)
{
	char *s;

	/* 255 two-byte characters: 510 bytes, 255 characters. */
	s = rep("\xc3\xa9", 255);
	OK(UPDATE("{\"page\":{\"name\":\"%s\"}}", s));
	free(s);
	s = rep("\xc3\xa9", 256);
	BAD(UPDATE("{\"page\":{\"name\":\"%s\"}}", s),
	    "body.page.name: must be at most 255 characters");
	free(s);
	/* Four-byte characters, written raw and as JSON surrogate pairs. */
	s = rep("\xf0\x9f\x98\x80", 255);
	OK(UPDATE("{\"page\":{\"name\":\"%s\"}}", s));
	free(s);
	s = rep("\\ud83d\\ude00", 255);
	OK(UPDATE("{\"page\":{\"name\":\"%s\"}}", s));
	free(s);
	s = rep("\\ud83d\\ude00", 256);
	BAD(UPDATE("{\"page\":{\"name\":\"%s\"}}", s),
	    "at most 255 characters");
	free(s);
	/* Mixed, exactly at the limit of a nested field. */
	s = rep("a\xe2\x82\xac", 500);
	OK(UPDATE("{\"page\":{\"seoConfig\":{\"description\":\"%s\"}}}", s));
	free(s);
	s = rep("a\xe2\x82\xac", 501);
	BAD(UPDATE("{\"page\":{\"seoConfig\":{\"description\":\"%s\"}}}", s),
	    "body.page.seoConfig.description: must be at most 1000 characters");
	free(s);
	/* ASCII at the limit of the big fields. */
	s = rep("x", 65536);
	OK(UPDATE("{\"page\":{\"customCss\":\"%s\"}}", s));
	free(s);
	s = rep("x", 65537);
	BAD(UPDATE("{\"page\":{\"customCss\":\"%s\"}}", s),
	    "must be at most 65536 characters");
	free(s);
}
END_TEST

START_TEST(test_nul_in_string)
{
	/* JSON text with \u0000 does not parse without JSON_ALLOW_NUL, but
	 * a value built in C (or parsed with it) must still be refused. */
	json_t *body = json_pack("{s:{s:s,s:s,s:s%}}", "page", "name", "n",
	    "pageType", "PUBLIC", "subdomain", "ac\0me", (size_t)5);

	ck_assert_ptr_nonnull(body);
	ck_assert_int_eq(
	    page_validate_body(body, VALIDATE_CREATE, &page_out, &err),
	    SD_BAD_REQUEST);
	ck_assert_str_eq(
	    err.detail, "body.page.subdomain: must not contain NUL");
	json_decref(body);
}
END_TEST

START_TEST(test_body_not_object)
{
	json_t *v[] = { json_array(), json_string("page"), json_integer(1),
		json_null(), json_true() };
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_int_eq(
		    page_validate_body(v[i], VALIDATE_CREATE, &page_out, &err),
		    SD_BAD_REQUEST);
		ck_assert_int_eq(
		    page_validate_body(v[i], VALIDATE_UPDATE, &page_out, &err),
		    SD_BAD_REQUEST);
		json_decref(v[i]);
	}
	ck_assert_int_eq(
	    page_validate_body(NULL, VALIDATE_CREATE, &page_out, &err),
	    SD_BAD_REQUEST);
}
END_TEST

START_TEST(test_enum_index)
{
	static const char *const v[] = { "A", "BB", NULL };

	ck_assert_int_eq(validate_enum_index(v, "A"), 0);
	ck_assert_int_eq(validate_enum_index(v, "BB"), 1);
	ck_assert_int_eq(validate_enum_index(v, "B"), -1);
	ck_assert_int_eq(validate_enum_index(v, ""), -1);
}
END_TEST

START_TEST(test_detail_valid_utf8)
{
	/* A long unknown field name of two-byte characters: the detail that
	 * names it is cut to fit err.detail, and must still be UTF-8 (it is
	 * sent to the client as a JSON string). */
	char *key = rep("\xc3\xa9", 200);

	BAD(UPDATE("{\"page\":{\"%s\":1}}", key), "body.page.");
	free(key);
	ck_assert_msg(utf8_valid(err.detail, strlen(err.detail)),
	    "detail cut inside a character (%zu bytes)", strlen(err.detail));
}
END_TEST

/* FT_INT_ARRAY (incident reminderIntervals): an array of integers, each
 * within min_int..max_int, at most max of them. */
static const struct field int_array_table[] = {
	{ .name = "n",
	    .type = FT_INT_ARRAY,
	    .max = 3,
	    .min_int = 1,
	    .max_int = 10 },
	FIELDS_END,
};

static enum sd_status
check_ints(const char *text)
{
	json_t *v = json_loads(text, 0, NULL);
	enum sd_status st;

	ck_assert_ptr_nonnull(v);
	sd_error_clear(&err);
	st = validate_object(v, int_array_table, VALIDATE_CREATE, "body", &err);
	json_decref(v);
	return st;
}

START_TEST(test_int_array)
{
	OK(check_ints("{\"n\":[]}"));
	OK(check_ints("{\"n\":[1,10,5]}"));
	OK(check_ints("{\"n\":null}"));
	BAD(check_ints("{\"n\":[1,2,3,4]}"),
	    "body.n: must have at most 3 items");
	BAD(check_ints("{\"n\":[0]}"),
	    "body.n: must hold integers from 1 to 10");
	BAD(check_ints("{\"n\":[11]}"), "from 1 to 10");
	BAD(check_ints("{\"n\":[1.0]}"), "from 1 to 10");
	BAD(check_ints("{\"n\":[\"1\"]}"), "from 1 to 10");
	BAD(check_ints("{\"n\":[true]}"), "from 1 to 10");
	BAD(check_ints("{\"n\":5}"), "body.n: must be an array");
}
END_TEST

Suite *
validate_suite(void)
{
	Suite *s = suite_create("validate");
	TCase *tc;

	tc = tcase_create("page_body");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_minimal_create);
	tcase_add_test(tc, test_full_create);
	tcase_add_test(tc, test_required_fields);
	tcase_add_test(tc, test_update_partial);
	tcase_add_test(tc, test_unknown_fields);
	tcase_add_test(tc, test_read_only_fields);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_version_left_in_page);
	tcase_add_test(tc, test_type_errors);
	tcase_add_test(tc, test_enums);
	tcase_add_test(tc, test_links);
	tcase_add_test(tc, test_colours);
	tcase_add_test(tc, test_urls);
	tcase_add_test(tc, test_subdomains);
	tcase_add_test(tc, test_other_strings);
	tcase_add_test(tc, test_lengths_in_code_points);
	tcase_add_test(tc, test_nul_in_string);
	tcase_add_test(tc, test_body_not_object);
	tcase_add_test(tc, test_enum_index);
	tcase_add_test(tc, test_int_array);
	suite_add_tcase(s, tc);

	tc = tcase_create("validate_regressions");
	tcase_add_test(tc, test_detail_valid_utf8);
	suite_add_tcase(s, tc);
	return s;
}
