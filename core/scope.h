/*
 * The twelve OAuth scopes of the Status Page API, exactly as the document
 * spells them, and the principal a request acts as.
 */
#ifndef STATUSD_SCOPE_H
#define STATUSD_SCOPE_H

#include <stddef.h>

enum scope {
	SCOPE_READ_PAGE,
	SCOPE_WRITE_PAGE,
	SCOPE_DELETE_PAGE,
	SCOPE_READ_COMPONENT,
	SCOPE_WRITE_COMPONENT,
	SCOPE_DELETE_COMPONENT,
	SCOPE_READ_INCIDENT,
	SCOPE_WRITE_INCIDENT,
	SCOPE_DELETE_INCIDENT,
	SCOPE_READ_SUBSCRIBER,
	SCOPE_WRITE_SUBSCRIBER,
	SCOPE_DELETE_SUBSCRIBER,
	SCOPE__MAX
};

#define SCOPE_BIT(s) (1u << (s))
#define SCOPE_ALL ((1u << SCOPE__MAX) - 1)

/* The full name, e.g. "read:stakeholder-comms.page:jira-service-management". */
const char *scope_name(enum scope s);
/* Parses a space-separated list. Unknown names are ignored when lenient
 * (JWTs carry other APIs' scopes too) and an error (-1) when strict. */
int scope_parse_list(const char *list, int strict, unsigned *mask);
/* Writes the space-separated names of mask into buf; returns buf. */
char *scope_format_list(unsigned mask, char *buf, size_t buflen);

enum principal_kind { PRINCIPAL_API_TOKEN, PRINCIPAL_JWT };

struct principal {
	enum principal_kind kind;
	char subject[256]; /* owner email or JWT subject, for logs and audit */
	char cloud_id[128]; /* the cloud this request acts for */
	unsigned scopes;
	char token_id[37]; /* API token id (not the secret), for logs */
	int trusted; /* may skip captchas and confirmations (subscribers) */
};

#endif
