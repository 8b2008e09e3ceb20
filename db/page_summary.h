/* Read-only views over a cloud's pages: summaries and name checks. */
#ifndef STATUSD_DB_PAGE_SUMMARY_H
#define STATUSD_DB_PAGE_SUMMARY_H

#include "arena.h"
#include "status.h"

/* Summary items: JSON objects, each a page's stored item with its
 * stakeholderCount. */
struct summary_page {
	int count; /* rows returned */
	const char **items;
	const char **keys; /* sort keys (keyset pages only) */
	const char **ids; /* (keyset pages only) */
	long total; /* all matching pages (keyset pages only) */
};

/* The items of the max_pages newest non-deleted pages matching filter
 * (ALL, DRAFT, PUBLISHED), newest first, and of one more page when there
 * are more (count = max_pages + 1): one query whatever the number. */
enum sd_status db_pages_summary(struct arena *a, const char *cloud_id,
    const char *filter, int max_pages, struct summary_page *out,
    struct sd_error *err);

/* One page of the name-ordered summary: items after (after_key, after_id)
 * (both NULL for the start), at most limit + 1 so the caller sees whether
 * there is more. */
enum sd_status db_pages_summary_keyset(struct arena *a, const char *cloud_id,
    const char *filter, const char *after_key, const char *after_id, int limit,
    struct summary_page *out, struct sd_error *err);

/* {"pageSummaryDetails": {...}} of one page. */
enum sd_status db_page_summary_details(struct arena *a, const char *cloud_id,
    const char *id, const char **json, struct sd_error *err);

/* 1 when a page of the cloud (soft-deleted included) has this name. */
enum sd_status db_page_name_taken(struct arena *a, const char *cloud_id,
    const char *name, int *taken, struct sd_error *err);
/* 1 when any cloud's page has this subdomain. */
enum sd_status db_subdomain_taken(
    struct arena *a, const char *subdomain, int *taken, struct sd_error *err);
/* Taken subdomains equal to base or of the form base-N (any cloud);
 * calls fn for each. */
enum sd_status db_subdomains_like(struct arena *a, const char *base,
    void (*fn)(const char *subdomain, void *ctx), void *ctx,
    struct sd_error *err);

#endif
