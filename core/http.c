#include "http.h"

#include <string.h>

static const char *const method_names[HTTP_METHOD__MAX] = {
	[HTTP_GET] = "GET",
	[HTTP_HEAD] = "HEAD",
	[HTTP_POST] = "POST",
	[HTTP_PUT] = "PUT",
	[HTTP_DELETE] = "DELETE",
	[HTTP_PATCH] = "PATCH",
	[HTTP_OPTIONS] = "OPTIONS",
};

const char *
http_method_name(enum http_method m)
{
	return m < HTTP_METHOD__MAX ? method_names[m] : "?";
}

enum http_method
http_method_parse(const char *s)
{
	int i;

	if (s == NULL)
		return HTTP_METHOD__MAX;
	for (i = 0; i < HTTP_METHOD__MAX; i++)
		if (strcmp(s, method_names[i]) == 0)
			return (enum http_method)i;
	return HTTP_METHOD__MAX;
}

const char *
request_query(const struct request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			return req->query[i].value;
	return NULL;
}

size_t
request_query_count(const struct request *req, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < req->nquery; i++)
		if (strcmp(req->query[i].name, name) == 0)
			n++;
	return n;
}
