#include "scope.h"

#include <stdio.h>
#include <string.h>

static const char *const scope_names[SCOPE__MAX] = {
#define JSM(verb, res)                                                         \
#verb ":stakeholder-comms." #res ":jira-service-management"
	[SCOPE_READ_PAGE] = JSM(read, page),
	[SCOPE_WRITE_PAGE] = JSM(write, page),
	[SCOPE_DELETE_PAGE] = JSM(delete, page),
	[SCOPE_READ_COMPONENT] = JSM(read, component),
	[SCOPE_WRITE_COMPONENT] = JSM(write, component),
	[SCOPE_DELETE_COMPONENT] = JSM(delete, component),
	[SCOPE_READ_INCIDENT] = JSM(read, incident),
	[SCOPE_WRITE_INCIDENT] = JSM(write, incident),
	[SCOPE_DELETE_INCIDENT] = JSM(delete, incident),
	[SCOPE_READ_SUBSCRIBER] = JSM(read, subscriber),
	[SCOPE_WRITE_SUBSCRIBER] = JSM(write, subscriber),
	[SCOPE_DELETE_SUBSCRIBER] = JSM(delete, subscriber),
#undef JSM
};

const char *
scope_name(enum scope s)
{
	return s < SCOPE__MAX ? scope_names[s] : "";
}

static int
scope_lookup(const char *name, size_t len)
{
	int i;

	for (i = 0; i < SCOPE__MAX; i++)
		if (strlen(scope_names[i]) == len &&
		    memcmp(scope_names[i], name, len) == 0)
			return i;
	return -1;
}

int
scope_parse_list(const char *list, int strict, unsigned *mask)
{
	const char *p = list, *start;
	int s;

	*mask = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		start = p;
		while (*p != '\0' && *p != ' ' && *p != ',')
			p++;
		if (p == start)
			break;
		s = scope_lookup(start, (size_t)(p - start));
		if (s >= 0)
			*mask |= SCOPE_BIT(s);
		else if (strict)
			return -1;
	}
	return 0;
}

char *
scope_format_list(unsigned mask, char *buf, size_t buflen)
{
	size_t used = 0;
	int i, n;

	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < SCOPE__MAX; i++) {
		if (!(mask & SCOPE_BIT(i)))
			continue;
		n = snprintf(buf + used, buflen - used, "%s%s", used ? " " : "",
		    scope_names[i]);
		if (n < 0 || (size_t)n >= buflen - used) {
			buf[used] = '\0'; /* whole names only */
			break;
		}
		used += (size_t)n;
	}
	return buf;
}
