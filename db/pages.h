/* Page queries. Documents come back rendered by PostgreSQL (see the
 * pages_render_doc trigger), so reads hand them to the client as they are.
 * Returned documents are borrowed from the arena. */
#ifndef STATUSD_DB_PAGES_H
#define STATUSD_DB_PAGES_H

#include "arena.h"
#include "page_state.h"
#include "status.h"

/* A create or a partial update. NULL fields are left as they are. */
struct page_write {
	const char *cloud_id;
	const char *id;
	const char *name;
	const char *subdomain;
	const char *page_type;
	enum page_status page_status; /* create only */
	const char *attrs; /* JSON object text: other fields */
	const char *created_by; /* create only */
	const char *expected_version; /* update only; NULL = unconditional */
};

/* What the lifecycle decides on, read under a row lock. */
struct page_state {
	enum page_status status;
	int version;
};

enum sd_status db_page_get(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);
enum sd_status db_page_get_by_name(struct arena *a, const char *cloud_id,
    const char *name, const char **doc, struct sd_error *err);
/* The draft version, or the live one when there is no draft. */
enum sd_status db_page_draft_get(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);
enum sd_status db_page_draft_get_by_name(struct arena *a, const char *cloud_id,
    const char *name, const char **doc, struct sd_error *err);

/* SD_CONFLICT when the name or subdomain is taken. */
enum sd_status db_page_insert(struct arena *a, const struct page_write *w,
    const char **doc, struct sd_error *err);
/* Changes the live version (and a pending draft the same way, so the
 * next publish keeps the change), in one statement: it needs no
 * transaction or lock of the caller's. SD_NOT_FOUND also for an archived
 * or soft-deleted page and a stale w->expected_version (db_page_lock then
 * tells which), SD_CONFLICT for a taken name. */
enum sd_status db_page_update(struct arena *a, const struct page_write *w,
    const char **doc, struct sd_error *err);

/* The statements below run inside a transaction the caller opened. */
/* Locks the page row (FOR UPDATE) and reads its state; SD_INTERNAL for a
 * status page_state.h does not know. */
enum sd_status db_page_lock(struct arena *a, const char *cloud_id,
    const char *id, struct page_state *out, struct sd_error *err);
/* Creates or changes the draft version (w->name etc. NULL = keep). */
enum sd_status db_page_draft_write(
    struct arena *a, const struct page_write *w, struct sd_error *err);
/* Sets pageStatus (and unpublishedAt accordingly); version + 1. */
enum sd_status db_page_set_status(struct arena *a, const char *cloud_id,
    const char *id, enum page_status status, const char **doc,
    struct sd_error *err);
/* The draft version (page fields and component tree) becomes the live
 * one; pageStatus PUBLISHED; version + 1. */
enum sd_status db_page_publish(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);
/* The draft version goes: page fields and component tree as live. */
enum sd_status db_page_discard_draft(struct arena *a, const char *cloud_id,
    const char *id, struct sd_error *err);
/* Removes a never-published page entirely. */
enum sd_status db_page_delete(struct arena *a, const char *cloud_id,
    const char *id, struct sd_error *err);
enum sd_status db_page_soft_delete(struct arena *a, const char *cloud_id,
    const char *id, const char *by, struct sd_error *err);
enum sd_status db_page_recover(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);
/* Permanent delete: out of every endpoint, name and subdomain freed. */
enum sd_status db_page_archive(struct arena *a, const char *cloud_id,
    const char *id, const char *by, struct sd_error *err);
/* Undoes db_page_archive within the window: SD_NOT_FOUND when not in the
 * archive (or past the window), SD_CONFLICT when the name or subdomain was
 * taken meanwhile. */
enum sd_status db_page_restore(struct arena *a, const char *cloud_id,
    const char *id, int retention_days, struct sd_error *err);
/* Erases archived pages older than the window (every cloud). */
enum sd_status db_page_purge(
    struct arena *a, int retention_days, long *purged, struct sd_error *err);

#endif
