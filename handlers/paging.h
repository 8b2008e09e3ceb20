/* Keyset pagination (DESIGN.md section 7): the page asked for (read by
 * handlers/input.c) and the connection JSON answered. */
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

/* A keyset page as JSON: {"<list>": [items], "pageInfo": {...},
 * "totalCount": N}. pageInfo has hasNextPage and endCursor, plus
 * hasPreviousPage and startCursor when both_ways. */
struct connection {
	const char *list; /* "components", "pages", ... */
	const char **items; /* JSON texts */
	int count;
	const char *start_cursor; /* NULL when empty */
	const char *end_cursor;
	int has_next, has_previous, both_ways;
	long total;
};
/* "[a,b,c]" from JSON texts; new arena string, NULL on OOM. */
char *paging_join_texts(struct arena *a, const char **items, int n);
/* The same between prefix and suffix: prefix[a,b,c]suffix. */
char *paging_join_texts_within(struct arena *a, const char *prefix,
    const char **items, int n, const char *suffix);
/* New arena string, NULL on OOM. */
char *paging_connection_json(struct arena *a, const struct connection *c);

/* Fills c from rows[0..n) of a page fetched with limit + 1: at most limit
 * items, cursors from the first and last row's keys under scope. */
int paging_connection_from_rows(struct arena *a, struct connection *c,
    const struct paging *pg, const char *scope, const char **items,
    const char **keys, const char **ids, int n);

/* Answers with one keyset page of rows fetched with limit + 1 (see
 * paging_connection_from_rows); both_ways adds hasPreviousPage/startCursor. */
enum sd_status paging_respond(struct request *req, struct response *res,
    const char *list, int both_ways, const struct paging *pg, const char *scope,
    const char **items, const char **keys, const char **ids, int n, long total);

#endif
