"""Every 2xx body against the official schema of its response type.

client.Ctx.request() hands each 2xx JSON answer to check_response(), so all
API suites are covered: a body that does not validate fails the test that
received it. The schemas are Atlassian's, from
../shared/spec/atlassian-openapi-excerpt.json, used as they are: nulls are
kept (an unset optional string must be absent, not null), $refs resolve
within the excerpt, date-time and int32 formats are checked.

RESPONSE_SCHEMAS maps each route (method + pattern, as `statusd --routes`
prints it) to the schema of its response type (endpoints.json names it):
  - the official schema itself, when the excerpt holds that type;
  - else the document's envelope around official schemas (e.g.
    StakeholderCommsPageDraftComponentResponse is {components:
    [StakeholderCommsNestedComponent], error: string} in the document's
    example), built from the excerpt's parts.
NO_OFFICIAL_SCHEMA lists, with the reason, every route whose response type
has no official schema at all (its body must still hold no null: the
decision in README applies to every body). A route in neither is an error,
so a new route cannot go unchecked. Both also hold the documented routes
not served yet (the subscribers'), so they are checked once they are.

Debian's python3-jsonschema (4.10) and newer releases both work.
"""

import datetime
import json
import os
import re
import subprocess

try:
    import jsonschema
except ImportError:
    # A python3 of its own on PATH (pyenv, venv) does not see Debian's
    # python3-jsonschema, which deploy/setup-packages.sh installs.
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
    try:
        import jsonschema
    except ImportError:
        raise SystemExit("tests/api: python3-jsonschema is missing "
                         "(deploy/setup-packages.sh installs it)")

HERE = os.path.dirname(os.path.abspath(__file__))
SPEC_CANDIDATES = [
    os.environ.get("STATUSD_SPEC_DIR", ""),
    os.path.join(HERE, "..", "..", "..", "shared", "spec"),
    "/work/shared/spec",
]
EXCERPT = "atlassian-openapi-excerpt.json"


def spec_path(name):
    for d in SPEC_CANDIDATES:
        p = os.path.join(d, name) if d else ""
        if p and os.path.exists(p):
            return os.path.abspath(p)
    raise AssertionError("spec file %s not found (set STATUSD_SPEC_DIR)" % name)


def ref(name):
    return {"$ref": "#/components/schemas/" + name}


def array_of(schema):
    return {"type": "array", "items": schema}


def envelope(**props):
    """The document's response wrapper: the given members plus its
    optional error string."""
    p = dict(props)
    p.setdefault("error", {"type": "string"})
    return {"type": "object", "properties": p}


def connection(item):
    """A connection as the document shows the component ones: items under
    components, the official PageInfo, totalCount."""
    return envelope(components=array_of(item), pageInfo=ref("StakeholderCommsPageInfo"),
                    totalCount={"type": "integer", "format": "int32"})


PAGE = ref("StakeholderCommsPageResponse")
INCIDENT = ref("StakeholderCommsIncidentResponse")
INCIDENTS = ref("StakeholderCommsIncidentWithUpdatesConnection")
TEMPLATE = envelope(incidentTemplate=ref("StakeholderCommsIncidentTemplate"))

# route -> (response type named by endpoints.json or by us, schema)
RESPONSE_SCHEMAS = {
    "POST /pages": ("StakeholderCommsPageResponse", PAGE),
    "GET /pages/{pageId}": ("StakeholderCommsPageResponse", PAGE),
    "PUT /pages/{pageId}": ("StakeholderCommsPageResponse", PAGE),
    "GET /pages/by_name/{name}": ("StakeholderCommsPageResponse", PAGE),
    "POST /pages/draft": ("StakeholderCommsPageResponse", PAGE),
    "GET /pages/draft/{pageId}": ("StakeholderCommsPageResponse", PAGE),
    "PUT /pages/draft/{draftPageId}": ("StakeholderCommsPageResponse", PAGE),
    "GET /pages/draft/by_name/{name}": ("StakeholderCommsPageResponse", PAGE),
    "POST /pages/draft/{draftPageId}/publish": ("StakeholderCommsPageResponse", PAGE),
    "POST /pages/{pageId}/unpublish": ("StakeholderCommsPageResponse", PAGE),
    "POST /pages/{pageId}/recover": ("StakeholderCommsPageResponse", PAGE),
    "GET /pages/summary": ("StakeholderCommsPagesSummaryByCloudIdResponse",
                           ref("StakeholderCommsPagesSummaryByCloudIdResponse")),
    "GET /pages/summary/v2": ("StakeholderCommsPagesSummaryByCloudIdResponse",
                              ref("StakeholderCommsPagesSummaryByCloudIdResponse")),
    "GET /pages/{pageId}/summary": (
        "StakeholderCommsPageSummaryDetailsResponse",
        envelope(pageSummaryDetails=ref("StakeholderCommsPageSummaryDetails"))),
    "POST /components/batch_process": (
        "array<StakeholderCommsNestedComponent>",
        array_of(ref("StakeholderCommsNestedComponent"))),
    "GET /pages/{pageId}/components/draft": (
        "StakeholderCommsPageDraftComponentResponse",
        envelope(components=array_of(ref("StakeholderCommsNestedComponent")))),
    "GET /pages/{pageId}/components/draft/v2": (
        "StakeholderCommsNestedComponentConnection",
        connection(ref("StakeholderCommsNestedComponent"))),
    "GET /pages/{pageId}/components/uptime": (
        "StakeholderCommsPageComponentsWithUptimeResponse",
        envelope(pageComponentsUptime=array_of(
            ref("StakeholderCommsNestedComponentWithUptime")))),
    "GET /pages/{pageId}/components/uptime/v2": (
        "StakeholderCommsNestedComponentWithUptimeConnection",
        connection(ref("StakeholderCommsNestedComponentWithUptime"))),
    "GET /components/{componentId}/uptime": (
        "StakeholderCommsNestedComponentWithUptime",
        ref("StakeholderCommsNestedComponentWithUptime")),
    "POST /incidents": ("StakeholderCommsIncidentResponse", INCIDENT),
    "PUT /incidents": ("StakeholderCommsIncidentResponse", INCIDENT),
    "GET /incidents/get": ("StakeholderCommsIncidentResponse", INCIDENT),
    "GET /incidents/list": ("StakeholderCommsIncidentWithUpdatesConnection", INCIDENTS),
    "GET /incidents/list/v2": ("StakeholderCommsIncidentWithUpdatesConnection", INCIDENTS),
    "GET /incidents/templates/list": (
        "StakeholderCommsListIncidentTemplateResponse",
        envelope(incidentTemplates=array_of(ref("StakeholderCommsIncidentTemplate")))),
    "GET /incidents/templates/{incidentTemplateId}": (
        "StakeholderCommsIncidentTemplateResponse", TEMPLATE),
    # Our extension answers as the documented GET does.
    "POST /incidents/templates": ("StakeholderCommsIncidentTemplateResponse", TEMPLATE),
    "PUT /incidents/templates/{incidentTemplateId}": (
        "StakeholderCommsIncidentTemplateResponse", TEMPLATE),
    # Subscribers: checked as soon as their routes exist.
    "GET /subscribers/list": ("StakeholderCommsSubscriberConnectionResponse",
                              ref("StakeholderCommsSubscriberConnectionResponse")),
    "POST /subscribers": ("StakeholderCommsSubscriber", ref("StakeholderCommsSubscriber")),
    "POST /subscribers/validate_token": (
        "StakeholderCommsSubscriberValidateTokenResponse",
        ref("StakeholderCommsSubscriberValidateTokenResponse")),
    "GET /subscribers/list/connection": ("StakeholderCommsSubscriberConnection",
                                         ref("StakeholderCommsSubscriberConnection")),
}

_MUTATION = "StakeholderCommsStakeholderGroupMutationResponse: not in the official excerpt"
NO_OFFICIAL_SCHEMA = {
    "POST /pages/{pageId}/soft_delete": _MUTATION,
    "POST /pages/{pageId}/delete": _MUTATION,
    "POST /pages/{pageId}/permanent_delete": _MUTATION,
    "POST /pages/{pageId}/delete_permanently": _MUTATION,
    "POST /pages/{pageId}/recover_deleted": _MUTATION,
    "POST /pages/draft/{draftPageId}/delete": _MUTATION,
    "GET /pages/validate/name/{name}":
        "StakeholderCommsValidationResponse: not in the official excerpt",
    "GET /pages/subdomain/validate/{subdomain}":
        "StakeholderCommsValidationResponse: not in the official excerpt",
    "GET /pages/subdomain/suggest/{pageName}":
        "StakeholderCommsSubdomainSuggestionResponse: not in the official excerpt",
    "GET /pages/{pageId}/uptime_percentage":
        "StakeholderCommsPageUptimePercentageResponse: not in the official excerpt",
    "GET /components/{componentId}/uptime_percentage":
        "StakeholderCommsNestedComponentWithUptimePercentageResponse: "
        "not in the official excerpt",
    "DELETE /incidents/templates/{incidentTemplateId}":
        "our extension: 204, no body",
    "POST /subscribers/unsubscribe": _MUTATION,
    "POST /subscribers/delete": _MUTATION,
    "GET /subscribers/stats":
        "StakeholderCommsSubscriptionStatsResponse: not in the official excerpt",
    "GET /subscribers/total_in_cloud":
        "StakeholderCommsSubscriberTotalInCloudResponse: not in the official excerpt",
    "GET /subscribers/captcha/challenge":
        "our extension: an ALTCHA v1 challenge",
}

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value):
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_int32(value):
    if not isinstance(value, int) or isinstance(value, bool):
        return True
    return -2 ** 31 <= value < 2 ** 31


def format_checker():
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    checker.checks("int32")(_is_int32)
    return checker


class Contract:
    """The validators, the route table, and a count of what was checked."""

    def __init__(self, routes):
        with open(spec_path(EXCERPT), encoding="utf-8") as f:
            self.doc = json.load(f)
        self.routes = routes  # list of "METHOD pattern"
        self.checker = format_checker()
        self.validators = {}
        self.checked = {}  # route -> bodies validated
        self._segments = [(r, r.split(" ", 1)[0], r.split(" ", 1)[1].strip("/").split("/"))
                          for r in routes]

    def validator(self, route):
        v = self.validators.get(route)
        if v is None:
            # The excerpt's components sit beside the schema, so every
            # "#/components/schemas/X" resolves inside this one document.
            root = {"allOf": [RESPONSE_SCHEMAS[route][1]],
                    "components": self.doc["components"]}
            v = jsonschema.Draft7Validator(root, format_checker=self.checker)
            self.validators[route] = v
        return v

    def route_of(self, method, path):
        """The routing table's pattern for a request path without its
        prefix; literal segments beat parameters, as in the router."""
        segs = path.split("?", 1)[0].strip("/").split("/")
        best, best_score = None, -1
        for route, m, pat in self._segments:
            if m != method or len(pat) != len(segs):
                continue
            score = 0
            for p, s in zip(pat, segs):
                if p.startswith("{"):
                    continue
                if p != s:
                    break
                score += 1
            else:
                if score > best_score:
                    best, best_score = route, score
        return best

    def check(self, method, path, status, body):
        """Raises AssertionError when a 2xx body does not validate."""
        route = self.route_of(method, path)
        if route is None:
            return None
        self.checked[route] = self.checked.get(route, 0) + 1
        if route in NO_OFFICIAL_SCHEMA:
            if body:
                where = find_null(json.loads(body))
                assert where is None, "%s %s -> %d: null at %s (no official schema; " \
                    "unset fields are left out)" % (method, path, status, where)
            return route
        assert route in RESPONSE_SCHEMAS, \
            "route %s has no response schema: add it to tests/api/schemas.py" % route
        name = RESPONSE_SCHEMAS[route][0]
        assert body, "%s %s -> %d: empty body, expected %s" % (method, path, status, name)
        errors = sorted(self.validator(route).iter_errors(json.loads(body)),
                        key=lambda e: list(e.absolute_path))
        assert not errors, "%s %s -> %d does not validate against %s: %s" % (
            method, path, status, name, "; ".join(
                "at %s: %s" % ("/".join(str(p) for p in e.absolute_path) or "(root)",
                               e.message[:200]) for e in errors[:5]))
        return route


def find_null(value, where="(root)"):
    """The path of the first null in a JSON value, or None."""
    if value is None:
        return where
    if isinstance(value, dict):
        for k, v in value.items():
            w = find_null(v, "%s/%s" % (where, k) if where != "(root)" else k)
            if w is not None:
                return w
    elif isinstance(value, list):
        for i, v in enumerate(value):
            w = find_null(v, "%s/%d" % (where, i))
            if w is not None:
                return w
    return None


def routes_of(statusd):
    """Every "METHOD pattern" of `statusd --routes`."""
    out = subprocess.run([statusd, "--routes"], stdout=subprocess.PIPE,
                         universal_newlines=True, timeout=30, check=True).stdout
    return [" ".join(line.split()[:2]) for line in out.splitlines() if line.strip()]


API_PREFIXES = (re.compile(r"^/jsm/ops/api/[^/]+(/.*)$"),
                re.compile(r"^/stakeholder-comms/cloudId/[^/]+/api(/.*)$"))


def strip_prefix(full_path):
    for rx in API_PREFIXES:
        m = rx.match(full_path)
        if m:
            return m.group(1)
    return None


# Fields of the document's example responses that a body leaves out while
# they are unset (README: no nulls). The shape tests accept their absence,
# and only theirs: any other example field must be present.
LEFT_OUT_WHEN_UNSET = {
    # page
    "domain", "description", "privacyPolicyUrl", "helpCenterUrl", "deletedAt",
    "unpublishedAt", "googleAnalyticsTrackingId", "customCss", "customHeaderHtml",
    "customFooterHtml", "title", "keywords", "footerLogoId", "footerText",
    "copyrightText", "coverImageId", "headerLogoId", "faviconIconId", "headerText",
    "certificateExpiresAt", "currentValue", "message", "customDomain",
    # component
    "serviceId",
    # incident, update, template
    "monitoringAt", "scheduledFor", "scheduledUntil", "lastRemindedAt", "templateId",
    "externalIncidentId", "externalIncidentSource", "updateNeededAt", "scheduledAt",
    "oldStatus", "body", "groupId", "resolvedAt",
    # subscriber: fields statusd has no data for, contacts of other
    # subscription types, and the code only pending subscribers have
    "email", "phoneNumber", "phoneCountry", "webhookEndpoint", "pageAccessUserId",
    "phoneNumberDisplay", "deactivatedAt", "orphanedAt", "quarantinedAt", "confirmedAt",
    "confirmationCode", "shortCodeSubscriptionId", "slackChannelId", "slackUserId",
    "insertedAt", "updatedAt",
    # every envelope: error is set only on failure
    "error",
    # connections without items
    "endCursor", "startCursor",
}
