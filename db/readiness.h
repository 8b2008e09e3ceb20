/* Readiness as a load balancer asks for it (GET /readyz). */
#ifndef STATUSD_DB_READINESS_H
#define STATUSD_DB_READINESS_H

#include "status.h"

/* SD_OK when PostgreSQL answers this worker within timeout_ms and its
 * schema is at least the version this binary needs (*version receives it);
 * else SD_UNAVAILABLE with the reason in err->detail ("database
 * unreachable", "database too slow", "schema at version 3, this statusd
 * needs 7"). Never quotes libpq's text. */
enum sd_status db_check_ready(
    int timeout_ms, int *version, struct sd_error *err);

#endif
