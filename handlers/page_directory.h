/* Looking across a cloud's pages: summaries, name and subdomain checks. */
#ifndef STATUSD_HANDLERS_PAGE_DIRECTORY_H
#define STATUSD_HANDLERS_PAGE_DIRECTORY_H

#include <stddef.h>

#include "handler.h"

HANDLER(pages_summary);
HANDLER(pages_summary_v2);
HANDLER(page_summary_details);
HANDLER(page_validate_name);
HANDLER(page_validate_subdomain);
HANDLER(page_suggest_subdomain);

/* Derives a DNS label from a page name into out (at most outlen - 1 chars,
 * outlen <= 64): lower case, Latin letters transliterated, other non-ASCII
 * dropped, punctuation collapsed to single hyphens. Exported for tests. */
void subdomain_slug(const char *name, char *out, size_t outlen);

#endif
