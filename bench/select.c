/*
 * bench/select.c: the "bare prepared select" baseline of `make bench`. The
 * responder of bench/bare.c, but each request runs the statement statusd runs
 * for GET /pages/{id}:
 *
 *   SELECT doc FROM pages WHERE cloud_id = $1 AND id = $2::uuid
 *
 * with the cloud id and page id taken from the last two segments of the path
 * (/bench/select/{cloud}/{id}), and returns the document, or 404. One
 * connection per worker, opened after fork and prepared once. No
 * authentication, routing, logging or error mapping: what statusd adds on
 * top of this is what `make bench` measures.
 *
 *   bench-select -s /path/to/select.sock [-w 4] [-d DATABASE_URL]
 */
#include <libpq-fe.h>

#include "prefork.h"

#define STMT "page_get"

static const char not_found[] = "{\"error\":\"page not found\"}";
static const char bad_request[] = "{\"error\":\"bad request\"}";
static const char unavailable[] = "{\"error\":\"database unavailable\"}";

static PGconn *
db_open(const char *url)
{
	PGconn *c = PQconnectdb(url);
	PGresult *r;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench-select: connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	r = PQprepare(c, STMT,
	    "SELECT doc FROM pages WHERE cloud_id = $1 AND id = $2::uuid", 2,
	    NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "bench-select: prepare: %s",
		    PQresultErrorMessage(r));
		PQclear(r);
		PQfinish(c);
		return NULL;
	}
	PQclear(r);
	return c;
}

/* Splits ".../{cloud}/{id}[?query]" into buf; 0 on success. */
static int
parse_path(
    const char *uri, char *buf, size_t len, const char **cloud, const char **id)
{
	size_t n = uri ? strcspn(uri, "?") : 0;
	char *slash;

	if (n == 0 || n >= len)
		return -1;
	memcpy(buf, uri, n);
	buf[n] = '\0';
	slash = strrchr(buf, '/');
	if (slash == NULL || slash[1] == '\0' || slash == buf)
		return -1;
	*slash = '\0';
	*id = slash + 1;
	slash = strrchr(buf, '/');
	if (slash == NULL || slash[1] == '\0')
		return -1;
	*cloud = slash + 1;
	return 0;
}

static void
handle(FCGX_Request *r, PGconn **conn, const char *url)
{
	char path[512];
	const char *params[2];
	PGresult *res;

	if (parse_path(FCGX_GetParam("REQUEST_URI", r->envp), path,
	        sizeof(path), &params[0], &params[1]) != 0) {
		bench_respond(r, 400, "Bad Request", bad_request,
		    sizeof(bad_request) - 1);
		return;
	}
	if (*conn == NULL || PQstatus(*conn) != CONNECTION_OK) {
		PQfinish(*conn);
		*conn = db_open(url);
		if (*conn == NULL) {
			bench_respond(r, 503, "Service Unavailable",
			    unavailable, sizeof(unavailable) - 1);
			return;
		}
	}
	res = PQexecPrepared(*conn, STMT, 2, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		bench_respond(r, 503, "Service Unavailable", unavailable,
		    sizeof(unavailable) - 1);
	else if (PQntuples(res) == 0)
		bench_respond(
		    r, 404, "Not Found", not_found, sizeof(not_found) - 1);
	else
		bench_respond(r, 200, "OK", PQgetvalue(res, 0, 0),
		    (size_t)PQgetlength(res, 0, 0));
	PQclear(res);
}

static int
serve(int listen_fd, const struct bench_opts *o)
{
	FCGX_Request r;
	PGconn *conn = db_open(o->database_url);

	if (conn == NULL)
		return 1;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, listen_fd, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		handle(&r, &conn, o->database_url);
		FCGX_Finish_r(&r);
	}
	PQfinish(conn);
	return 0;
}

int
main(int argc, char **argv)
{
	return bench_main(argc, argv, 1, serve);
}
