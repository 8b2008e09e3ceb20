#include "enums.h"

#include <stddef.h>

const char *const component_statuses[] = { "OPERATIONAL",
	"DEGRADED_PERFORMANCE", "PARTIAL_OUTAGE", "MAJOR_OUTAGE",
	"UNDER_MAINTENANCE", NULL };

const char *const incident_statuses[] = { "INVESTIGATING", "IDENTIFIED",
	"MONITORING", "RESOLVED", NULL };

const char *const subscriber_item_types[] = { "PAGE_SUBSCRIBER",
	"INCIDENT_SUBSCRIBER", "COMPONENT_SUBSCRIBER", NULL };

const char *const subscriber_item_short_types[] = { "PAGE", "INCIDENT",
	"COMPONENT", NULL };
