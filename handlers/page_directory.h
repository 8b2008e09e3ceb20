/* Looking across a cloud's pages: summaries, name and subdomain checks. */
#ifndef STATUSD_HANDLERS_PAGE_DIRECTORY_H
#define STATUSD_HANDLERS_PAGE_DIRECTORY_H

#include <stddef.h>

#include "http.h"

enum sd_status pages_summary(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status pages_summary_v2(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_summary_details(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_validate_name(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_validate_subdomain(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_suggest_subdomain(
    struct request *req, const struct principal *who, struct response *res);

/* Derives a DNS label from a page name into out (at most outlen - 1 chars,
 * outlen <= 64): lower case, Latin letters transliterated, other non-ASCII
 * dropped, punctuation collapsed to single hyphens. Exported for tests. */
void subdomain_slug(const char *name, char *out, size_t outlen);

#endif
