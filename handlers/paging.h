/* Query parameters of keyset pagination (DESIGN.md section 7). */
#ifndef STATUSD_PAGING_H
#define STATUSD_PAGING_H

#include "http.h"

#define PAGE_SIZE_DEFAULT 25
#define PAGE_SIZE_MAX 100

struct paging {
	int limit; /* 1..PAGE_SIZE_MAX */
	int backward; /* last/before instead of first/after */
	const char *cursor; /* after or before; NULL = from the edge */
};

/* Reads first/after (and, when allow_backward, last/before). Mixing the
 * directions, numbers outside 1..100, or repeated parameters are 400. */
enum sd_status paging_parse(const struct request *req, int allow_backward,
    struct paging *out, struct sd_error *err);

/* Parses a decimal integer parameter in [min, max]; def when absent. */
enum sd_status query_int(const struct request *req, const char *name, long min,
    long max, long def, long *out, struct sd_error *err);

#endif
