#include "page_directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "crypto.h"
#include "db/page_summary.h"
#include "input.h"
#include "paging.h"
#include "settings.h"
#include "text.h"
#include "validate.h"

/* {"pages": [...]}, newest first, with "truncated": true when the
 * cloud has more than summary_v1_max_pages pages to show. */
enum sd_status
pages_summary(
    struct request *req, const struct principal *who, struct response *res)
{
	int max = handlers_settings()->summary_v1_max_pages;
	struct summary_page sp;
	enum sd_status st;

	(void)who;
	st = db_pages_summary(req->arena, req->cloud_id,
	    req->input->query[QK_FILTER].text, max, &sp, &res->err);
	if (st != SD_OK)
		return st;
	return handler_respond_text(res, SD_OK,
	    paging_join_texts_within(req->arena, "{\"pages\":", sp.items,
	        sp.count > max ? max : sp.count,
	        sp.count > max ? ",\"truncated\":true}" : "}"));
}

/* Sorted by name; cursors are bound to the cloud and the filter. */
enum sd_status
pages_summary_v2(
    struct request *req, const struct principal *who, struct response *res)
{
	const struct input *in = req->input;
	struct summary_page sp;
	enum sd_status st;

	(void)who;
	st = db_pages_summary_keyset(req->arena, req->cloud_id,
	    in->query[QK_FILTER].text, in->cursor_key, in->cursor_id,
	    in->paging.limit, &sp, &res->err);
	if (st != SD_OK)
		return st;
	return paging_respond(req, res, "pages", 0, &in->paging,
	    in->cursor_scope, sp.items, sp.keys, sp.ids, sp.count, sp.total);
}

enum sd_status
page_summary_details(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *json;
	enum sd_status st;

	(void)who;
	st = db_page_summary_details(
	    req->arena, req->cloud_id, req->params[0], &json, &res->err);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, json);
}

static enum sd_status
validation_answer(
    struct request *req, struct response *res, int valid, const char *message)
{
	return handler_respond_json_new(req, res, SD_OK,
	    json_pack("{s:b,s:s}", "valid", valid, "message", message));
}

enum sd_status
page_validate_name(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *name = req->params[0];
	int taken;
	enum sd_status st;

	(void)who;
	if (!validate_not_blank(name) || utf8_length(name, strlen(name)) > 255)
		return validation_answer(req, res, 0,
		    "name must be 1 to 255 characters and not blank");
	st = db_page_name_taken(
	    req->arena, req->cloud_id, name, &taken, &res->err);
	if (st != SD_OK)
		return st;
	return validation_answer(req, res, !taken,
	    taken ? "a page with this name already exists"
	          : "name is available");
}

/* Why a subdomain cannot be used, or NULL when it can (taken aside). */
static const char *
subdomain_problem(const char *s)
{
	if (!validate_not_reserved(s))
		return "subdomain is reserved";
	if (!validate_dns_label(s))
		return "subdomain must be 3 to 63 lower-case letters, digits "
		       "and inner hyphens";
	return NULL;
}

enum sd_status
page_validate_subdomain(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *problem = subdomain_problem(req->params[0]);
	int taken;
	enum sd_status st;

	(void)who;
	if (problem != NULL)
		return validation_answer(req, res, 0, problem);
	st = db_subdomain_taken(req->arena, req->params[0], &taken, &res->err);
	if (st != SD_OK)
		return st;
	return validation_answer(req, res, !taken,
	    taken ? "this subdomain is already taken"
	          : "subdomain is available");
}

/* ASCII spellings of U+00C0..U+00FF; NULL drops the character. */
static const char *const latin1[64] = { "a", "a", "a", "a", "a", "a", "ae", "c",
	"e", "e", "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o",
	"o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss", "a", "a", "a", "a",
	"a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", "d", "n",
	"o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th",
	"y" };

/* Base letters of U+0100..U+017F (Latin Extended-A), one per code point. */
static const char latin_ext_a[129] =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiiiijjkkkllllllllll"
    "nnnnnnnnnoooooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";

/* Decodes one UTF-8 code point (input already valid); returns its length. */
static size_t
next_code_point(const unsigned char *s, unsigned *cp)
{
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*cp = (unsigned)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0) {
		*cp = (unsigned)(s[0] & 0x0f) << 12 |
		    (unsigned)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
		return 3;
	}
	*cp = (unsigned)(s[0] & 0x07) << 18 | (unsigned)(s[1] & 0x3f) << 12 |
	    (unsigned)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
	return 4;
}

static const char *
ascii_of(unsigned cp, char buf[2])
{
	buf[1] = '\0';
	if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
		buf[0] = (char)cp;
		return buf;
	}
	if (cp >= 'A' && cp <= 'Z') {
		buf[0] = (char)(cp - 'A' + 'a');
		return buf;
	}
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1[cp - 0xc0];
	if (cp >= 0x100 && cp <= 0x17f) {
		buf[0] = latin_ext_a[cp - 0x100];
		return buf;
	}
	if (cp < 0x80)
		return "-"; /* punctuation and spaces separate words */
	return NULL; /* other scripts: dropped */
}

void
subdomain_slug(const char *name, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)name;
	const char *piece;
	char buf[2];
	size_t o = 0, i, k;
	unsigned cp;

	for (i = 0; s[i] != '\0' && o + 1 < outlen; i += k) {
		k = next_code_point(s + i, &cp);
		piece = ascii_of(cp, buf);
		for (; piece != NULL && *piece != '\0' && o + 1 < outlen;
		     piece++) {
			if (*piece == '-' && (o == 0 || out[o - 1] == '-'))
				continue;
			out[o++] = *piece;
		}
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

struct suffixes {
	const char *base;
	size_t base_len;
	int exact; /* base itself is taken */
	unsigned char used[1000]; /* base-N taken, N < 1000 */
};

static void
note_taken(const char *subdomain, void *ctx)
{
	struct suffixes *sx = ctx;
	char *end;
	long n;

	if (strcmp(subdomain, sx->base) == 0) {
		sx->exact = 1;
		return;
	}
	n = strtol(subdomain + sx->base_len + 1, &end, 10);
	if (*end == '\0' && n > 0 && n < 1000)
		sx->used[n] = 1;
}

/* A base that validate_dns_label accepts: long enough, not reserved, with
 * room for a "-NNN" suffix. */
static void
suggestion_base(const char *name, char *base, size_t len)
{
	size_t n;

	subdomain_slug(name, base, len - 4);
	n = strlen(base);
	if (n == 0)
		snprintf(base, len, "page");
	else if (n < 3 || !validate_not_reserved(base))
		snprintf(base + n, len - n, "-page");
}

enum sd_status
page_suggest_subdomain(
    struct request *req, const struct principal *who, struct response *res)
{
	struct suffixes *sx;
	char base[64], suggestion[64];
	int n;
	enum sd_status st;

	(void)who;
	suggestion_base(req->params[0], base, sizeof(base));
	sx = arena_zalloc(req->arena, sizeof(*sx));
	if (sx == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	sx->base = base;
	sx->base_len = strlen(base);
	st = db_subdomains_like(req->arena, base, note_taken, sx, &res->err);
	if (st != SD_OK)
		return st;
	snprintf(suggestion, sizeof(suggestion), "%s", base);
	for (n = 2; sx->exact && n < 1000 && sx->used[n]; n++)
		;
	if (sx->exact && n == 1000)
		return sd_fail(&res->err, SD_CONFLICT,
		    "no free subdomain near this name", NULL);
	if (sx->exact)
		snprintf(suggestion, sizeof(suggestion), "%s-%d", base, n);
	return handler_respond_json_new(
	    req, res, SD_OK, json_pack("{s:s}", "suggestion", suggestion));
}
