#include "sublink.h"

#include <stdio.h>
#include <string.h>

const char *
sublink_path(enum subtoken_purpose purpose)
{
	switch (purpose) {
	case SUBTOKEN_CONFIRM: return SUBLINK_CONFIRM_PATH;
	case SUBTOKEN_UNSUBSCRIBE:
	case SUBTOKEN_MANAGE: return SUBLINK_UNSUBSCRIBE_PATH;
	default: return NULL;
	}
}

static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* Appends s percent-encoded at out[*used]; -1 when it does not fit. */
static int
append_encoded(const char *s, char *out, size_t cap, size_t *used)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*used + (unreserved(*p) ? 1 : 3) >= cap)
			return -1;
		if (unreserved(*p)) {
			out[(*used)++] = (char)*p;
			continue;
		}
		out[(*used)++] = '%';
		out[(*used)++] = hex[*p >> 4];
		out[(*used)++] = hex[*p & 15];
	}
	out[*used] = '\0';
	return 0;
}

int
sublink_build(const char *public_domain, const char *subdomain,
    enum subtoken_purpose purpose, const char *token, char *out, size_t cap)
{
	const char *path = sublink_path(purpose);
	size_t used;
	int n;

	if (path == NULL || public_domain == NULL || subdomain == NULL ||
	    token == NULL || !*public_domain || !*subdomain || !*token ||
	    cap == 0)
		return -1;
	n = snprintf(
	    out, cap, "https://%s.%s%s?token=", subdomain, public_domain, path);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	used = (size_t)n;
	return append_encoded(token, out, cap, &used);
}
