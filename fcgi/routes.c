/*
 * Every route statusd serves, with the scope endpoints.md gives it. A route
 * that is not here does not exist: tests/api/test_openapi.py checks this
 * table against docs/openapi.yaml.
 */
#include "router.h"

#include "handlers/components.h"
#include "handlers/page_directory.h"
#include "handlers/page_lifecycle.h"
#include "handlers/incident_templates.h"
#include "handlers/incidents.h"
#include "handlers/pages.h"
#include "handlers/subscribers.h"
#include "handlers/uptime.h"

#define R(method, pattern, scope, handler, flags)                              \
	{                                                                      \
		HTTP_##method, pattern, SCOPE_##scope, handler, flags          \
	}

const struct route statusd_routes[] = {
	/* Pages: the live version. */
	R(POST, "/pages", WRITE_PAGE, page_create, ROUTE_BODY),
	R(GET, "/pages/{pageId}", READ_PAGE, page_get, 0),
	R(PUT, "/pages/{pageId}", WRITE_PAGE, page_update, ROUTE_BODY),
	R(GET, "/pages/by_name/{name}", READ_PAGE, page_get_by_name, 0),
	/* Drafts. */
	R(POST, "/pages/draft", WRITE_PAGE, page_draft_create, ROUTE_BODY),
	R(GET, "/pages/draft/{pageId}", READ_PAGE, page_draft_get, 0),
	R(PUT, "/pages/draft/{draftPageId}", WRITE_PAGE, page_draft_update,
	    ROUTE_BODY),
	R(GET, "/pages/draft/by_name/{name}", READ_PAGE, page_draft_get_by_name,
	    0),
	R(POST, "/pages/draft/{draftPageId}/publish", WRITE_PAGE, page_publish,
	    ROUTE_BODY),
	R(POST, "/pages/draft/{draftPageId}/delete", DELETE_PAGE,
	    page_discard_draft, ROUTE_BODY),
	/* Lifecycle. */
	R(POST, "/pages/{pageId}/unpublish", WRITE_PAGE, page_unpublish,
	    ROUTE_BODY),
	R(POST, "/pages/{pageId}/soft_delete", DELETE_PAGE, page_soft_delete,
	    ROUTE_BODY),
	R(POST, "/pages/{pageId}/delete", DELETE_PAGE, page_soft_delete,
	    ROUTE_BODY),
	R(POST, "/pages/{pageId}/recover", WRITE_PAGE, page_recover,
	    ROUTE_BODY),
	R(POST, "/pages/{pageId}/permanent_delete", DELETE_PAGE,
	    page_permanent_delete, ROUTE_BODY),
	R(POST, "/pages/{pageId}/delete_permanently", DELETE_PAGE,
	    page_permanent_delete, ROUTE_BODY),
	R(POST, "/pages/{pageId}/recover_deleted", WRITE_PAGE,
	    page_recover_deleted, ROUTE_BODY),
	/* Directory: summaries, names, subdomains. */
	R(GET, "/pages/summary", READ_PAGE, pages_summary, 0),
	R(GET, "/pages/summary/v2", READ_PAGE, pages_summary_v2, 0),
	R(GET, "/pages/{pageId}/summary", READ_PAGE, page_summary_details, 0),
	R(GET, "/pages/validate/name/{name}", READ_PAGE, page_validate_name, 0),
	R(GET, "/pages/subdomain/validate/{subdomain}", READ_PAGE,
	    page_validate_subdomain, 0),
	R(GET, "/pages/subdomain/suggest/{pageName}", READ_PAGE,
	    page_suggest_subdomain, 0),
	R(GET, "/pages/{pageId}/uptime_percentage", READ_PAGE,
	    page_uptime_percentage, 0),
	/* Components and their uptime. */
	R(POST, "/components/batch_process", WRITE_COMPONENT,
	    components_batch_process, ROUTE_BODY),
	R(GET, "/pages/{pageId}/components/draft", READ_COMPONENT,
	    components_draft_list, 0),
	R(GET, "/pages/{pageId}/components/draft/v2", READ_COMPONENT,
	    components_draft_list_v2, 0),
	R(GET, "/pages/{pageId}/components/uptime", READ_COMPONENT,
	    page_components_uptime, 0),
	R(GET, "/pages/{pageId}/components/uptime/v2", READ_COMPONENT,
	    page_components_uptime_v2, 0),
	R(GET, "/components/{componentId}/uptime", READ_COMPONENT,
	    component_uptime, 0),
	R(GET, "/components/{componentId}/uptime_percentage", READ_COMPONENT,
	    component_uptime_percentage, 0),
	/* Incidents and their templates (templates: create, update and delete
	 * are our extension). */
	R(POST, "/incidents", WRITE_INCIDENT, incident_create, ROUTE_BODY),
	R(PUT, "/incidents", WRITE_INCIDENT, incident_update, ROUTE_BODY),
	R(GET, "/incidents/get", READ_INCIDENT, incident_get, 0),
	R(GET, "/incidents/list", READ_INCIDENT, incidents_list, 0),
	R(GET, "/incidents/list/v2", READ_INCIDENT, incidents_list_v2, 0),
	R(GET, "/incidents/templates/list", READ_INCIDENT,
	    incident_templates_list, 0),
	R(GET, "/incidents/templates/{incidentTemplateId}", READ_INCIDENT,
	    incident_template_get, 0),
	R(POST, "/incidents/templates", WRITE_INCIDENT,
	    incident_template_create, ROUTE_BODY),
	R(PUT, "/incidents/templates/{incidentTemplateId}", WRITE_INCIDENT,
	    incident_template_update, ROUTE_BODY),
	R(DELETE, "/incidents/templates/{incidentTemplateId}", DELETE_INCIDENT,
	    incident_template_delete, 0),
	/* Subscribers (the captcha challenge is our extension). */
	R(POST, "/subscribers", WRITE_SUBSCRIBER, subscriber_create,
	    ROUTE_BODY),
	R(GET, "/subscribers/captcha/challenge", WRITE_SUBSCRIBER,
	    subscriber_captcha_challenge, 0),
	R(POST, "/subscribers/validate_token", READ_SUBSCRIBER,
	    subscriber_validate_token, ROUTE_BODY),
	R(POST, "/subscribers/unsubscribe", DELETE_SUBSCRIBER,
	    subscriber_unsubscribe, ROUTE_BODY),
	R(GET, "/subscribers/list", READ_SUBSCRIBER, subscribers_list, 0),
	R(GET, "/subscribers/list/connection", READ_SUBSCRIBER,
	    subscribers_list_connection, 0),
	R(GET, "/subscribers/stats", READ_SUBSCRIBER, subscribers_stats, 0),
	R(GET, "/subscribers/total_in_cloud", READ_SUBSCRIBER,
	    subscribers_total_in_cloud, 0),
	R(POST, "/subscribers/delete", DELETE_SUBSCRIBER, subscribers_delete,
	    ROUTE_BODY),
};

const size_t statusd_nroutes =
    sizeof(statusd_routes) / sizeof(statusd_routes[0]);
