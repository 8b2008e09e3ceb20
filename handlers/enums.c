#include "enums.h"

#include <stddef.h>

const char *const component_statuses[] = { "OPERATIONAL",
	"DEGRADED_PERFORMANCE", "PARTIAL_OUTAGE", "MAJOR_OUTAGE",
	"UNDER_MAINTENANCE", NULL };

const char *const incident_statuses[] = { "INVESTIGATING", "IDENTIFIED",
	"MONITORING", "RESOLVED", NULL };
