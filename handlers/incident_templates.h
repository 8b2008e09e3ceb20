/* Incident templates: list and get as documented; create, update and
 * delete as our extension, so templates can be managed at all. */
#ifndef STATUSD_HANDLERS_INCIDENT_TEMPLATES_H
#define STATUSD_HANDLERS_INCIDENT_TEMPLATES_H

#include "handler.h"
#include "validate.h"

HANDLER(incident_templates_list);
HANDLER(incident_template_get);
HANDLER(incident_template_create);
HANDLER(incident_template_update);
HANDLER(incident_template_delete);

/* The request bodies' field tables, {"incidentTemplate": ...} (exported
 * for tests and fuzzing). */
extern const struct field template_create_envelope[];
extern const struct field template_update_envelope[];

#endif
