/* Status pages: the page object of the document, its live version. */
#ifndef STATUSD_HANDLERS_PAGES_H
#define STATUSD_HANDLERS_PAGES_H

#include "http.h"
#include "validate.h"

enum sd_status page_create(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_get(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_get_by_name(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_update(
    struct request *req, const struct principal *who, struct response *res);

/* The writable page fields (exported for the fuzz harness and tests). */
extern const struct field page_fields[];
/* Validates a create or update body ({"page": {...}}); on SD_OK *page is
 * the inner object, borrowed from body. */
enum sd_status page_validate_body(const json_t *body, enum validate_mode mode,
    const json_t **page, struct sd_error *err);

#endif
