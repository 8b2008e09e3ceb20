/* Component trees and their uptime. */
#ifndef STATUSD_DB_COMPONENTS_H
#define STATUSD_DB_COMPONENTS_H

#include "arena.h"
#include "status.h"

/* A batch, flattened by the handler: every item with its id (new ids made
 * by the caller), parent and the fields it sets (NULL = keep). */
struct component_row {
	const char *id;
	const char *parent_id; /* NULL = top level */
	const char *type;
	const char *name;
	const char *description;
	const char *service_id;
	const char *status;
	long position; /* -1 = keep */
	int is_new;
};

#define COMPONENTS_PER_PAGE_MAX 1100

/* Inside the caller's transaction, with the page locked: checks that the
 * existing ids are this page's (SD_BAD_REQUEST naming one otherwise),
 * deletes, upserts, then checks the resulting tree (one level of groups,
 * at most COMPONENTS_PER_PAGE_MAX). */
enum sd_status db_components_apply(struct arena *a, const char *cloud_id,
    const char *page_id, const struct component_row *rows, size_t nrows,
    const char *const *deletes, size_t ndeletes, struct sd_error *err);
/* The draft tree as a JSON array text. */
enum sd_status db_components_draft_tree(struct arena *a, const char *cloud_id,
    const char *page_id, const char **json, struct sd_error *err);

/* One keyset page of top-level draft components (groups carry their
 * children), ordered by (position, id). after_pos/after_id: the row to
 * continue from (NULL = the start); backward walks the other way. Fetches
 * limit + 1 rows to tell whether there are more. */
struct component_page {
	int count;
	const char **items;
	const char **positions;
	const char **ids;
	long total;
};
enum sd_status db_components_draft_keyset(struct arena *a, const char *cloud_id,
    const char *page_id, const char *after_pos, const char *after_id,
    int backward, int limit, struct component_page *out, struct sd_error *err);

/* Live components of a page with uptime over [from, to] (timestamps as
 * RFC 3339 text), optionally filtered by a name substring and a list of
 * statuses, keyset-paged like the above (limit 0 = all). */
struct uptime_query {
	const char *cloud_id;
	const char *page_id;
	const char *from;
	const char *to;
	const char *search; /* NULL = all */
	const char *const *statuses; /* nstatuses names; none = all */
	size_t nstatuses;
	const char *after_pos;
	const char *after_id;
	int backward;
	int limit;
};
enum sd_status db_components_uptime(struct arena *a,
    const struct uptime_query *q, struct component_page *out,
    struct sd_error *err);
/* The same, every component unfiltered, as the whole v1 answer
 * ({"pageComponentsUptime": [...]}, by position). */
enum sd_status db_components_uptime_document(struct arena *a,
    const struct uptime_query *q, const char **json, struct sd_error *err);
/* One live component: {id, name, status, componentUptimePercentage}. */
enum sd_status db_component_uptime(struct arena *a, const char *cloud_id,
    const char *component_id, const char *from, const char *to,
    const char **json, const char **uptime, struct sd_error *err);
/* The page's uptime (mean of its live components; 100 without any). */
enum sd_status db_page_uptime(struct arena *a, const char *cloud_id,
    const char *page_id, const char *from, const char *to, const char **uptime,
    struct sd_error *err);

#endif
