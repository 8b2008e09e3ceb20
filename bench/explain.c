/*
 * bench-explain: EXPLAIN (ANALYZE, BUFFERS) of statusd's own prepared
 * statements, for bench/RESULTS.md. The SQL is the statement tables'
 * (db/<file>.c), so the plans shown are those of the code that runs, not
 * of a copy. Each line of stdin names a statement and its parameters,
 * tab-separated (\N for NULL):
 *
 *	INCIDENTS_PAGE_AFTER	<cloud>	false	\N	\N	26	<page id>
 *
 * and gets its plan on stdout, as the workers run it once the plan is
 * cached: the session has the workers' planner settings
 * (DB_PLANNER_SETTINGS: generic plans, so a plan that depends on the
 * parameters' values or fresh statistics shows here; no JIT), and says
 * so on its first line.
 *
 *	bench-explain <conninfo> < requests
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/db_internal.h"

static const struct db_stmt_table *const tables[] = {
	&db_page_stmts,
	&db_page_summary_stmts,
	&db_component_stmts,
	&db_incident_stmts,
	&db_subscriber_stmts,
};

static const struct db_stmt *
find_stmt(const char *name)
{
	size_t t, i;

	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (i = 0; i < tables[t]->n; i++)
			if (tables[t]->stmts[i].name != NULL &&
			    strcmp(tables[t]->stmts[i].name, name) == 0)
				return &tables[t]->stmts[i];
	return NULL;
}

static int
run(PGconn *c, const char *sql)
{
	PGresult *r = PQexec(c, sql);
	int i,
	    ok = PQresultStatus(r) == PGRES_TUPLES_OK ||
	    PQresultStatus(r) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "bench-explain: %s", PQerrorMessage(c));
	for (i = 0; ok && i < PQntuples(r); i++)
		printf("    %s\n", PQgetvalue(r, i, 0));
	PQclear(r);
	return ok ? 0 : -1;
}

/* "EXPLAIN ... EXECUTE name('v1', NULL, ...)" from the tab-separated
 * parameters in line. */
static char *
explain_sql(PGconn *c, const char *name, char *params)
{
	size_t cap = strlen(name) + 128 + 3 * strlen(params), len;
	char *sql = malloc(cap), *p, *save = NULL, *lit;
	int first = 1;

	if (sql == NULL)
		return NULL;
	len = (size_t)snprintf(sql, cap,
	    "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, TIMING OFF) EXECUTE %s(",
	    name);
	for (p = strtok_r(params, "\t", &save); p != NULL;
	     p = strtok_r(NULL, "\t", &save)) {
		lit = strcmp(p, "\\N") == 0 ? NULL
		                            : PQescapeLiteral(c, p, strlen(p));
		len += (size_t)snprintf(sql + len, cap - len, "%s%s",
		    first ? "" : ", ", lit ? lit : "NULL");
		PQfreemem(lit);
		first = 0;
	}
	snprintf(sql + len, cap - len, ")");
	return sql;
}

static int
explain_line(PGconn *c, char *line)
{
	char *tab = strchr(line, '\t'), *sql, *prep;
	const struct db_stmt *s;
	int rc;

	if (tab != NULL)
		*tab++ = '\0';
	s = find_stmt(line);
	if (s == NULL) {
		fprintf(stderr, "bench-explain: no statement %s\n", line);
		return -1;
	}
	prep = malloc(strlen(s->sql) + strlen(s->name) + 32);
	sql = explain_sql(c, s->name, tab ? tab : (char[]){ "" });
	if (prep == NULL || sql == NULL)
		return -1;
	sprintf(prep, "PREPARE %s AS %s", s->name, s->sql);
	printf("%s\n", s->name);
	rc = run(c, "DEALLOCATE ALL") || run(c, prep) || run(c, sql) ? -1 : 0;
	free(prep);
	free(sql);
	return rc;
}

int
main(int argc, char **argv)
{
	char line[4096];
	PGconn *c;
	int rc = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench-explain conninfo < requests\n");
		return 2;
	}
	c = PQconnectdb(argv[1]);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "bench-explain: %s", PQerrorMessage(c));
		return 1;
	}
	if (run(c,
	        "SELECT 'session: plan_cache_mode = ' || "
	        "current_setting('plan_cache_mode') || ', jit = ' || "
	        "current_setting('jit') FROM (SELECT " DB_PLANNER_SETTINGS
	        ") s") != 0)
		return 1;
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] != '\0' && line[0] != '#' &&
		    explain_line(c, line) != 0)
			rc = 1;
	}
	PQfinish(c);
	return rc;
}
