/* Incident template queries. Templates hang off a page; those of a
 * permanently deleted (archived) page answer nowhere. Returned documents
 * are rendered by PostgreSQL and borrowed from the arena. */
#ifndef STATUSD_DB_TEMPLATES_H
#define STATUSD_DB_TEMPLATES_H

#include "arena.h"
#include "status.h"

/* fields: the validated template object as JSON text; absent keys take
 * their defaults (create) or stay (update), null clears. Documents are
 * {"incidentTemplate": {...}}. */
enum sd_status db_template_insert(struct arena *a, const char *cloud_id,
    const char *id, const char *page_id, const char *fields, const char **doc,
    struct sd_error *err);
enum sd_status db_template_update(struct arena *a, const char *cloud_id,
    const char *id, const char *fields, const char **doc, struct sd_error *err);
enum sd_status db_template_delete(struct arena *a, const char *cloud_id,
    const char *id, struct sd_error *err);
enum sd_status db_template_get(struct arena *a, const char *cloud_id,
    const char *id, const char **doc, struct sd_error *err);
/* {"incidentTemplates": [...]}, ordered by name: the
 * cloud's (page_id NULL) or one page's (SD_NOT_FOUND when no such page). */
enum sd_status db_templates_list(struct arena *a, const char *cloud_id,
    const char *page_id, const char **doc, struct sd_error *err);

#endif
