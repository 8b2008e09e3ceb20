/*
 * Every route statusd serves: method, path, the scope endpoints.md gives
 * it, its handler, and what it takes (handlers/input.h), which the
 * dispatcher checks before the handler runs. Query parameters are named by
 * their key in query_keys[] (handlers/input.c); a keyset list says how it
 * pages and what its cursors are bound to; a body names its field table.
 * A route that is not here does not exist: tests/api/test_openapi.py checks
 * this table against docs/openapi.yaml.
 */
#include "router.h"

#include "handlers/components.h"
#include "handlers/incident_templates.h"
#include "handlers/incidents.h"
#include "handlers/page_directory.h"
#include "handlers/page_lifecycle.h"
#include "handlers/pages.h"
#include "handlers/subscribers.h"
#include "handlers/uptime.h"

#define GET(p, s, h)                                                           \
	.method = HTTP_GET, .pattern = p, .scope = SCOPE_##s, .handler = h
#define POST(p, s, h)                                                          \
	.method = HTTP_POST, .pattern = p, .scope = SCOPE_##s, .handler = h,   \
	.flags = ROUTE_BODY
#define PUT(p, s, h)                                                           \
	.method = HTTP_PUT, .pattern = p, .scope = SCOPE_##s, .handler = h,    \
	.flags = ROUTE_BODY
#define DELETE(p, s, h)                                                        \
	.method = HTTP_DELETE, .pattern = p, .scope = SCOPE_##s, .handler = h

/* What a path id that is not a UUID answers (404). */
#define PAGE_404 "page not found"
#define COMPONENT_404 "component not found"
#define TEMPLATE_404 "incident template not found"

#define RANGE(from, to) .input.query = QUERY(from, to)

const struct route statusd_routes[] = {
	/* Pages: the live version. */
	{ POST("/pages", WRITE_PAGE, page_create),
	    .input.body = CREATE_BODY(page_envelope) },
	{ GET("/pages/{pageId}", READ_PAGE, page_get),
	    .input.unknown_id = PAGE_404 },
	{ PUT("/pages/{pageId}", WRITE_PAGE, page_update),
	    .input.body = UPDATE_BODY(page_envelope),
	    .input.unknown_id = PAGE_404 },
	{ GET("/pages/by_name/{name}", READ_PAGE, page_get_by_name) },
	/* Drafts. */
	{ POST("/pages/draft", WRITE_PAGE, page_draft_create),
	    .input.body = CREATE_BODY(page_envelope) },
	{ GET("/pages/draft/{pageId}", READ_PAGE, page_draft_get),
	    .input.unknown_id = PAGE_404 },
	{ PUT("/pages/draft/{draftPageId}", WRITE_PAGE, page_draft_update),
	    .input.body = UPDATE_BODY(page_envelope),
	    .input.unknown_id = PAGE_404 },
	{ GET(
	    "/pages/draft/by_name/{name}", READ_PAGE, page_draft_get_by_name) },
	{ POST("/pages/draft/{draftPageId}/publish", WRITE_PAGE, page_publish),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/draft/{draftPageId}/delete", DELETE_PAGE,
	      page_discard_draft),
	    .input.unknown_id = PAGE_404 },
	/* Lifecycle. */
	{ POST("/pages/{pageId}/unpublish", WRITE_PAGE, page_unpublish),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/{pageId}/soft_delete", DELETE_PAGE, page_soft_delete),
	    .input.body = OPTIONAL_BODY(deleted_by_fields),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/{pageId}/delete", DELETE_PAGE, page_soft_delete),
	    .input.body = OPTIONAL_BODY(deleted_by_fields),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/{pageId}/recover", WRITE_PAGE, page_recover),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/{pageId}/permanent_delete", DELETE_PAGE,
	      page_permanent_delete),
	    .input.body = OPTIONAL_BODY(deleted_by_fields),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/{pageId}/delete_permanently", DELETE_PAGE,
	      page_permanent_delete),
	    .input.body = OPTIONAL_BODY(deleted_by_fields),
	    .input.unknown_id = PAGE_404 },
	{ POST("/pages/{pageId}/recover_deleted", WRITE_PAGE,
	      page_recover_deleted),
	    .input.unknown_id = PAGE_404 },
	/* Directory: summaries, names, subdomains. */
	{ GET("/pages/summary", READ_PAGE, pages_summary),
	    .input.query = QUERY(QK_FILTER) },
	{ GET("/pages/summary/v2", READ_PAGE, pages_summary_v2),
	    .input.query = QUERY(QK_FILTER),
	    .input.list = { .paging = PAGING_FORWARD,
	        .name = "pages-summary",
	        .scope = { QK_FILTER } } },
	{ GET("/pages/{pageId}/summary", READ_PAGE, page_summary_details),
	    .input.unknown_id = PAGE_404 },
	{ GET("/pages/validate/name/{name}", READ_PAGE, page_validate_name) },
	{ GET("/pages/subdomain/validate/{subdomain}", READ_PAGE,
	    page_validate_subdomain) },
	{ GET("/pages/subdomain/suggest/{pageName}", READ_PAGE,
	    page_suggest_subdomain) },
	{ GET("/pages/{pageId}/uptime_percentage", READ_PAGE,
	      page_uptime_percentage),
	    RANGE(QK_FROM, QK_TO), .input.unknown_id = PAGE_404 },
	/* Components and their uptime. */
	{ POST("/components/batch_process", WRITE_COMPONENT,
	      components_batch_process),
	    .input.body = CREATE_BODY(component_batch_fields) },
	{ GET("/pages/{pageId}/components/draft", READ_COMPONENT,
	      components_draft_list),
	    .input.unknown_id = PAGE_404 },
	{ GET("/pages/{pageId}/components/draft/v2", READ_COMPONENT,
	      components_draft_list_v2),
	    .input.list = { .paging = PAGING_BOTH,
	        .name = "components-draft",
	        .numeric_keys = 1 },
	    .input.unknown_id = PAGE_404 },
	{ GET("/pages/{pageId}/components/uptime", READ_COMPONENT,
	      page_components_uptime),
	    RANGE(QK_START_DATE, QK_END_DATE), .input.unknown_id = PAGE_404 },
	{ GET("/pages/{pageId}/components/uptime/v2", READ_COMPONENT,
	      page_components_uptime_v2),
	    .input.query = QUERY(
	        QK_START_DATE, QK_END_DATE, QK_STATUS_FILTER, QK_SEARCH_TERM),
	    .input.list = { .paging = PAGING_BOTH,
	        .name = "components-uptime",
	        .numeric_keys = 1 },
	    .input.unknown_id = PAGE_404 },
	{ GET("/components/{componentId}/uptime", READ_COMPONENT,
	      component_uptime),
	    RANGE(QK_START_DATE, QK_END_DATE),
	    .input.unknown_id = COMPONENT_404 },
	{ GET("/components/{componentId}/uptime_percentage", READ_COMPONENT,
	      component_uptime_percentage),
	    RANGE(QK_FROM, QK_TO), .input.unknown_id = COMPONENT_404 },
	/* Incidents and their templates (templates: create, update and delete
	 * are our extension). */
	{ POST("/incidents", WRITE_INCIDENT, incident_create),
	    .input.body = CREATE_BODY(incident_create_envelope) },
	{ PUT("/incidents", WRITE_INCIDENT, incident_update),
	    .input.body = CREATE_BODY(incident_update_envelope) },
	{ GET("/incidents/get", READ_INCIDENT, incident_get),
	    .input.query = QUERY(QK_INCIDENT_ID, QK_INCIDENT_CODE,
	        QK_EXTERNAL_INCIDENT_ID, QK_PAGE_ID) },
	{ GET("/incidents/list", READ_INCIDENT, incidents_list),
	    .input.list = { .paging = PAGING_LIMIT, .name = "incidents" } },
	{ GET("/incidents/list/v2", READ_INCIDENT, incidents_list_v2),
	    .input.query = QUERY(QK_PAGE_ID, QK_SHOW_ACTIVE),
	    .input.list = { .paging = PAGING_BOTH,
	        .name = "incidents-v2",
	        .scope = { QK_PAGE_ID, QK_SHOW_ACTIVE } } },
	{ GET("/incidents/templates/list", READ_INCIDENT,
	      incident_templates_list),
	    .input.query = QUERY(QK_PAGE_ID) },
	{ GET("/incidents/templates/{incidentTemplateId}", READ_INCIDENT,
	      incident_template_get),
	    .input.unknown_id = TEMPLATE_404 },
	{ POST(
	      "/incidents/templates", WRITE_INCIDENT, incident_template_create),
	    .input.body = CREATE_BODY(template_create_envelope) },
	{ PUT("/incidents/templates/{incidentTemplateId}", WRITE_INCIDENT,
	      incident_template_update),
	    .input.body = UPDATE_BODY(template_update_envelope),
	    .input.unknown_id = TEMPLATE_404 },
	{ DELETE("/incidents/templates/{incidentTemplateId}", DELETE_INCIDENT,
	      incident_template_delete),
	    .input.unknown_id = TEMPLATE_404 },
	/* Subscribers (the captcha challenge is our extension). Their bodies
	 * are still read by handlers/subscribers.c itself. */
	{ POST("/subscribers", WRITE_SUBSCRIBER, subscriber_create) },
	{ GET("/subscribers/captcha/challenge", WRITE_SUBSCRIBER,
	      subscriber_captcha_challenge),
	    .input.query = QUERY(QK_REQUIRED_PAGE_ID) },
	{ POST("/subscribers/validate_token", READ_SUBSCRIBER,
	    subscriber_validate_token) },
	{ POST("/subscribers/unsubscribe", DELETE_SUBSCRIBER,
	    subscriber_unsubscribe) },
	{ GET("/subscribers/list", READ_SUBSCRIBER, subscribers_list),
	    .input.query = QUERY(QK_ITEM_TYPE, QK_ITEM_ID),
	    .input.list = { .paging = PAGING_LIMIT_BOTH,
	        .name = "subscribers-item",
	        .scope = { QK_ITEM_TYPE, QK_ITEM_ID } } },
	{ GET("/subscribers/list/connection", READ_SUBSCRIBER,
	      subscribers_list_connection),
	    .input.query = QUERY(QK_PAGE_ID),
	    .input.list = { .paging = PAGING_LIMIT_BOTH,
	        .name = "subscribers",
	        .scope = { QK_PAGE_ID } } },
	{ GET("/subscribers/stats", READ_SUBSCRIBER, subscribers_stats),
	    .input.query = QUERY(QK_ITEM_ID, QK_TYPE) },
	{ GET("/subscribers/total_in_cloud", READ_SUBSCRIBER,
	    subscribers_total_in_cloud) },
	{ POST("/subscribers/delete", DELETE_SUBSCRIBER, subscribers_delete) },
};

const size_t statusd_nroutes =
    sizeof(statusd_routes) / sizeof(statusd_routes[0]);
