/* Incident queries: the incident, its update timeline, the components it
 * affects, and the outbox rows its updates write. Documents come back
 * rendered by PostgreSQL (incident_node in 005_incidents.sql); returned
 * strings are borrowed from the arena. */
#ifndef STATUSD_DB_INCIDENTS_H
#define STATUSD_DB_INCIDENTS_H

#include "arena.h"
#include "page_state.h"
#include "status.h"

/* A new incident row. */
struct incident_new {
	const char *cloud_id;
	const char *id;
	const char *page_id;
	const char *code; /* lower-case short code */
	const char *name;
	const char *status;
	const char *impact;
	const char *external_id; /* NULL = none */
};

/* A change of an existing incident; NULL fields are kept. */
struct incident_change {
	const char *cloud_id;
	const char *id;
	const char *name;
	const char *impact;
	const char *status;
};

/* One timeline entry and what it does to components: the i-th of
 * component_ids gets the i-th of component_statuses. */
struct incident_entry {
	const char *cloud_id;
	const char *incident_id;
	const char *old_status; /* NULL for the first update */
	const char *status;
	const char *body; /* NULL = no message */
	int notify;
	const char *const *component_ids;
	const char *const *component_statuses;
	size_t ncomponents;
	const char *kind; /* outbox event: incident.created, ... */
};

/* The incident an update is about, read under its row lock. */
struct incident_state {
	char id[37];
	char status[16];
	enum page_status page_status;
};

/* The statements below run inside a transaction the caller opened. */
/* The page's status (FOR KEY SHARE, so it stays while the incident is
 * written); SD_NOT_FOUND when the cloud has no such page. */
enum sd_status db_incident_page_status(struct arena *a, const char *cloud_id,
    const char *page_id, enum page_status *status, struct sd_error *err);
/* Inserts the incident. *inserted is 0 when its code is taken (the caller
 * retries with another); SD_CONFLICT when the page already has an incident
 * with this external id. */
enum sd_status db_incident_insert(struct arena *a, const struct incident_new *n,
    int *inserted, struct sd_error *err);
/* Locks the incident (FOR UPDATE) of page_id found by id (when not NULL,
 * and then also matching external_id when that is not NULL) or by
 * external_id. SD_NOT_FOUND when none. */
enum sd_status db_incident_lock(struct arena *a, const char *cloud_id,
    const char *page_id, const char *id, const char *external_id,
    struct incident_state *out, struct sd_error *err);
/* Name, impact, status; monitoringAt and resolvedAt follow the status. */
enum sd_status db_incident_change(
    struct arena *a, const struct incident_change *c, struct sd_error *err);
/* Appends the entry (see incident_append_update). *bad_item is -1, or the
 * 0-based index of the first id that is not a live component of the
 * incident's page (nothing must be committed then). */
enum sd_status db_incident_append(struct arena *a,
    const struct incident_entry *e, int *bad_item, struct sd_error *err);

/* {"page": ..., "incidentWithUpdates": ...}: no "error" member on success. */
enum sd_status db_incident_render(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);

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
