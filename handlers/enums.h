/* The API's enumerations that more than one table uses, defined once
 * (NULL-terminated, for struct field.values). */
#ifndef STATUSD_ENUMS_H
#define STATUSD_ENUMS_H

/* OPERATIONAL ... UNDER_MAINTENANCE: a component's status. */
extern const char *const component_statuses[];
/* INVESTIGATING, IDENTIFIED, MONITORING, RESOLVED. */
extern const char *const incident_statuses[];
/* PAGE_SUBSCRIBER, INCIDENT_SUBSCRIBER, COMPONENT_SUBSCRIBER. */
extern const char *const subscriber_item_types[];
/* PAGE, INCIDENT, COMPONENT: their short spellings, in the same order. */
extern const char *const subscriber_item_short_types[];

#endif
