/*
 * Every route statusd serves, with the scope endpoints.md gives it. A route
 * that is not here does not exist: tests/api/test_openapi.py checks this
 * table against docs/openapi.yaml.
 */
#include "router.h"

#include "handlers/pages.h"

const struct route statusd_routes[] = {
	{ HTTP_POST, "/pages", SCOPE_WRITE_PAGE, page_create, ROUTE_BODY,
	    "Create a new status page" },
	{ HTTP_GET, "/pages/{pageId}", SCOPE_READ_PAGE, page_get, 0,
	    "Get a status page by its id" },
	{ HTTP_PUT, "/pages/{pageId}", SCOPE_WRITE_PAGE, page_update,
	    ROUTE_BODY, "Update the status page" },
	{ HTTP_GET, "/pages/by_name/{name}", SCOPE_READ_PAGE, page_get_by_name,
	    0, "Get a status page by its name" },
};

const size_t statusd_nroutes =
    sizeof(statusd_routes) / sizeof(statusd_routes[0]);
