/* Incident templates: list and get as documented; create, update and
 * delete as our extension, so templates can be managed at all. */
#ifndef STATUSD_HANDLERS_INCIDENT_TEMPLATES_H
#define STATUSD_HANDLERS_INCIDENT_TEMPLATES_H

#include "http.h"
#include "validate.h"

enum sd_status incident_templates_list(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incident_template_get(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incident_template_create(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incident_template_update(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incident_template_delete(
    struct request *req, const struct principal *who, struct response *res);

/* The request bodies' field tables, {"incidentTemplate": ...} (exported
 * for tests and fuzzing). */
extern const struct field template_create_envelope[];
extern const struct field template_update_envelope[];

#endif
