/* Incidents: create, update (timeline entries), look-ups and keyset
 * lists (endpoints 32-34, 37, 38). */
#ifndef STATUSD_HANDLERS_INCIDENTS_H
#define STATUSD_HANDLERS_INCIDENTS_H

#include "http.h"
#include "validate.h"

enum sd_status incident_create(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incident_update(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incident_get(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incidents_list(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status incidents_list_v2(
    struct request *req, const struct principal *who, struct response *res);

/* Longest update message, in characters. */
#define INCIDENT_MESSAGE_MAX 65536
/* Most components one request may name (a page holds at most 1,100). */
#define INCIDENT_COMPONENTS_MAX 1100

/* The request bodies' field tables (exported for tests and fuzzing). */
extern const struct field incident_create_fields[];
extern const struct field incident_update_fields[];
/* {"incidentCreateRequest": ...} and {"incidentUpdateRequest": ...}. */
extern const struct field incident_create_envelope[];
extern const struct field incident_update_envelope[];

#endif
