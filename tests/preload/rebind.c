/* Test-only DNS for names under .rebind.test, loaded with LD_PRELOAD by
 * tests/api (notifyrig.Rebind), never linked into a product binary: a DNS
 * rebinding without touching /etc/hosts or the resolver.
 *
 * REBIND_MAP names a file of lines "name addr [addr...]": the nth lookup
 * of name (counted from 0 over every process sharing REBIND_LOG) answers
 * its nth address, or its last one. The file is read at every lookup, so
 * a test rewrites it to flip a name. REBIND_LOG names a file that gets one
 * line per lookup of such a name, which tests count. Every other name goes
 * to the real getaddrinfo. */
#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>

#define SUFFIX ".rebind.test"

typedef int (*getaddrinfo_fn)(
    const char *, const char *, const struct addrinfo *, struct addrinfo **);

static getaddrinfo_fn real_getaddrinfo;

/* Looked up before any thread can race for it. */
__attribute__((constructor)) static void
find_real(void)
{
	real_getaddrinfo = (getaddrinfo_fn)dlsym(RTLD_NEXT, "getaddrinfo");
}

static int
test_name(const char *node)
{
	size_t n, s = strlen(SUFFIX);

	if (node == NULL)
		return 0;
	n = strlen(node);
	return n > s && strcasecmp(node + n - s, SUFFIX) == 0;
}

/* How many lookups of node the log holds; then records this one. -1 when
 * there is no log. The lock makes count and record one step. */
static long
count_and_record(const char *node)
{
	const char *path = getenv("REBIND_LOG");
	char line[300];
	long n = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "a+")) == NULL)
		return -1;
	flock(fileno(f), LOCK_EX);
	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		n += strcasecmp(line, node) == 0;
	}
	fprintf(f, "%s\n", node);
	fclose(f);
	return n;
}

/* The address the nth lookup of node answers, into addr; 0 if none. */
static int
mapped(const char *node, long nth, char *addr, size_t len)
{
	const char *path = getenv("REBIND_MAP");
	char line[512], *save, *name, *a;
	int found = 0;
	long i = 0;
	FILE *f;

	if (path == NULL || (f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		name = strtok_r(line, " \t\n", &save);
		if (name == NULL || strcasecmp(name, node) != 0)
			continue;
		while ((a = strtok_r(NULL, " \t\n", &save)) != NULL) {
			snprintf(addr, len, "%s", a);
			found = 1;
			if (i++ == nth)
				break;
		}
	}
	fclose(f);
	return found;
}

int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	struct addrinfo numeric = { 0 };
	char addr[64];
	long nth;

	if (!test_name(node))
		return real_getaddrinfo(node, service, hints, res);
	nth = count_and_record(node);
	if (nth < 0 || !mapped(node, nth, addr, sizeof(addr)))
		return EAI_NONAME;
	/* The real getaddrinfo builds the answer, so the caller's
	 * freeaddrinfo frees what it expects. */
	if (hints != NULL)
		numeric = *hints;
	numeric.ai_flags |= AI_NUMERICHOST;
	return real_getaddrinfo(addr, service, &numeric, res);
}
