/* Incident queries: the incident, its update timeline, the components it
 * affects, and the outbox rows its updates write. Documents come back
 * rendered by PostgreSQL (incident_node in 005_incidents.sql); returned
 * strings are borrowed from the arena. */
#ifndef STATUSD_DB_INCIDENTS_H
#define STATUSD_DB_INCIDENTS_H

#include "arena.h"
#include "page_state.h"
#include "status.h"

/*
 * An incident write, one statement each (incident_create and
 * incident_update in db/sql/50_incidents.sql): nothing to open or commit
 * around it. The i-th of component_ids gets the i-th of
 * component_statuses.
 */
struct incident_write {
	const char *cloud_id;
	const char *page_id;
	/* Page statuses that allow the write (page_state.h's rule). */
	const char *const *allowed;
	size_t nallowed;
	const char *id; /* create: the new id; update: NULL = by external_id */
	const char *code; /* create: a lower-case short code */
	const char *external_id; /* jiraIncidentId; NULL = none */
	const char *name; /* update: NULL keeps it, and the next two */
	const char *status;
	const char *impact;
	const char *body; /* the update's message; NULL = none */
	int notify;
	const char *const *component_ids;
	const char *const *component_statuses;
	size_t ncomponents;
	const char *reminders; /* array literal; NULL = none / keep */
};

/* What came of it. Anything but INCIDENT_WRITTEN wrote nothing. */
enum incident_outcome {
	INCIDENT_WRITTEN, /* doc: {"page": ..., "incidentWithUpdates": ...} */
	INCIDENT_PAGE_REFUSED, /* page_status does not allow it */
	INCIDENT_BAD_COMPONENT, /* bad_item: 0-based, not of this page */
	INCIDENT_CODE_TAKEN, /* create: retry with another code */
};

struct incident_result {
	enum incident_outcome outcome;
	const char *doc;
	enum page_status page_status;
	int bad_item;
};

/* SD_NOT_FOUND when the cloud has no such page; SD_CONFLICT when the page
 * already has an incident with this external id. */
enum sd_status db_incident_create(struct arena *a,
    const struct incident_write *w, struct incident_result *out,
    struct sd_error *err);
/* The incident of page_id found by id (when not NULL, and then also
 * matching external_id when that is not NULL) or by external_id, under
 * its row lock. SD_NOT_FOUND when none. */
enum sd_status db_incident_update(struct arena *a,
    const struct incident_write *w, struct incident_result *out,
    struct sd_error *err);

enum incident_key { INCIDENT_BY_ID, INCIDENT_BY_CODE, INCIDENT_BY_EXTERNAL };
/* The same document, found by one key. page_id (may be NULL) narrows
 * INCIDENT_BY_EXTERNAL; SD_CONFLICT when that still matches several. */
enum sd_status db_incident_find(struct arena *a, const char *cloud_id,
    enum incident_key key, const char *value, const char *page_id,
    const char **doc, struct sd_error *err);

/* One page of a keyset list, newest first (created_at, id). */
struct incident_list_query {
	const char *cloud_id;
	const char *page_id; /* NULL = every page of the cloud */
	int active_only; /* not RESOLVED */
	int backward; /* the rows just before the cursor */
	const char *key, *id; /* cursor position; NULL = from the edge */
	int limit;
};
struct incident_rows {
	int count; /* up to limit + 1: the extra one says there is more */
	const char **nodes; /* incident_node JSON, list order */
	const char **keys;
	const char **ids;
	long total; /* every incident of the list */
	int beyond_cursor; /* rows exist on the cursor's other side */
};
enum sd_status db_incidents_list(struct arena *a,
    const struct incident_list_query *q, struct incident_rows *out,
    struct sd_error *err);

#endif
