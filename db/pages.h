/* Page queries. Documents come back rendered by PostgreSQL (see the
 * pages_render_doc trigger), so reads hand them to the client as they are. */
#ifndef STATUSD_DB_PAGES_H
#define STATUSD_DB_PAGES_H

#include "arena.h"
#include "status.h"

/* A create or a partial update. NULL fields are left as they are. */
struct page_write {
	const char *cloud_id;
	const char *id;
	const char *name;
	const char *subdomain;
	const char *page_type;
	const char *page_status; /* create only */
	const char *attrs; /* JSON object text: other writable fields */
	const char *created_by; /* create only */
	const char *expected_version; /* update only; NULL = unconditional */
};

/* *doc is the rendered {"page": {...}} document, borrowed from a. */
enum sd_status db_page_get(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);
enum sd_status db_page_get_by_name(struct arena *a, const char *cloud_id,
    const char *name, const char **doc, struct sd_error *err);
/* SD_CONFLICT when the name or subdomain is taken. */
enum sd_status db_page_insert(struct arena *a, const struct page_write *w,
    const char **doc, struct sd_error *err);
/* SD_NOT_FOUND, or SD_CONFLICT for a taken name or a stale version. */
enum sd_status db_page_update(struct arena *a, const struct page_write *w,
    const char **doc, struct sd_error *err);

#endif
