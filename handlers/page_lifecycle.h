/* Page lifecycle actions (DESIGN.md section 7), one transaction each. */
#ifndef STATUSD_HANDLERS_PAGE_LIFECYCLE_H
#define STATUSD_HANDLERS_PAGE_LIFECYCLE_H

#include "db/pages.h"
#include "http.h"
#include "page_state.h"
#include "validate.h"

enum sd_status page_publish(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_unpublish(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_recover(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_discard_draft(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_soft_delete(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_permanent_delete(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_recover_deleted(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_draft_update(
    struct request *req, const struct principal *who, struct response *res);

/* The optional body of the delete actions: {"deletedBy": "..."}. */
extern const struct field deleted_by_fields[];

enum sd_status page_update(
    struct request *req, const struct principal *who, struct response *res);

/* SD_OK when core/page_state.c lets action happen to a page in status,
 * else its 409 with the table's message. */
enum sd_status page_allows(
    struct response *res, enum page_action action, enum page_status status);
/* The names of the statuses page_allows lets action happen in, for a
 * statement that checks the page itself; their number. */
size_t page_statuses_allowing(
    enum page_action action, const char *names[PS__MAX]);
/* In the caller's transaction: locks the page id, reads its state into
 * *ps and what action does to it into *t; 404, or page_allows's 409. */
enum sd_status page_lock_for(struct request *req, struct response *res,
    const char *id, enum page_action action, struct page_state *ps,
    const struct page_transition **t);
/* 409 when w carries a version (or If-Match) other than the page's. */
enum sd_status page_version_check(struct response *res,
    const struct page_write *w, const struct page_state *ps);

#endif
