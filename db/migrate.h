/*
 * The schema, in two halves embedded in the binary at build time (see
 * db/README.md): numbered migrations (tables and data, applied once each)
 * and the current definitions of functions and triggers (db/sql, applied
 * with CREATE OR REPLACE after the migrations, every time).
 */
#ifndef STATUSD_MIGRATE_H
#define STATUSD_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct sql_file {
	int number; /* NNN of NNN_name.sql */
	const char *name;
	const char *sql;
};

extern const struct sql_file migrations[];
extern const size_t nmigrations;
extern const struct sql_file definitions[];
extern const size_t ndefinitions;

/*
 * Under an advisory lock (several hosts starting at once do not race):
 * applies every migration not yet recorded, in order, each in its own
 * transaction; then, in one transaction, every definition, and renders
 * every stored page document again when what they were rendered with
 * changed (the definitions, the migrations, or the session's
 * statusd.public_domain, which the caller sets). Returns the number of
 * migrations recorded in all, or -1 (message in err); *rerendered is the
 * number of documents rendered again (0 when nothing changed).
 */
int migrate_apply(PGconn *conn, long *rerendered, char *err, size_t errlen);
/* Number of migrations recorded in the database, 0 for none, -1 on
 * error. A worker serves only when it is at least nmigrations. */
int migrate_current(PGconn *conn);

#endif
