/* Status pages: the page object of the document, its versions. */
#ifndef STATUSD_HANDLERS_PAGES_H
#define STATUSD_HANDLERS_PAGES_H

#include "db/pages.h"
#include "http.h"
#include "validate.h"

enum sd_status page_create(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_get(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_get_by_name(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_draft_create(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_draft_get(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_draft_get_by_name(
    struct request *req, const struct principal *who, struct response *res);

/* The writable page fields (exported for the fuzz harness and tests). */
extern const struct field page_fields[];
/* {"page": {...}}: the body of creates and updates. */
extern const struct field page_envelope[];
/* Validates a create or update body ({"page": {...}}); on SD_OK *page is
 * the inner object, borrowed from body. */
enum sd_status page_validate_body(const json_t *body, enum validate_mode mode,
    const json_t **page, struct sd_error *err);
/* Reads the checked update body ({"page": {...}}, optional version or
 * If-Match) into *w for the page named by the path. */
enum sd_status page_write_from_body(
    struct request *req, struct response *res, struct page_write *w);

/* 404 as for any missing page (an id that is not a UUID cannot exist:
 * answered without asking the database). */
enum sd_status page_not_found(struct response *res);

/* SD_OK when the page exists in the caller's cloud (soft-deleted
 * included), else 404 as for any missing page. */
enum sd_status page_exists(
    struct request *req, struct response *res, const char *id);

#endif
