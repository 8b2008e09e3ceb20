/* Uptime of live components and pages, computed in SQL from the status
 * history (DESIGN.md section 7). */
#ifndef STATUSD_HANDLERS_UPTIME_H
#define STATUSD_HANDLERS_UPTIME_H

#include "http.h"
#include "input.h"

enum sd_status component_uptime(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status component_uptime_percentage(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_components_uptime(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_components_uptime_v2(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status page_uptime_percentage(
    struct request *req, const struct principal *who, struct response *res);

/* The range of an uptime request from the checked query parameters
 * from_key and to_key (a date as "to" means the end of that day), by
 * default the 90 days up to now. Exported for tests. */
struct time_range {
	long long from, to;
	char from_text[32], to_text[32];
};
enum sd_status uptime_range(const struct input *in, enum query_key from_key,
    enum query_key to_key, long long now, struct time_range *r,
    struct sd_error *err);

#endif
