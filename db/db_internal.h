/* For the query files of db/ only: statement registry and execution. */
#ifndef STATUSD_DB_INTERNAL_H
#define STATUSD_DB_INTERNAL_H

#include <libpq-fe.h>

#include "db.h"

struct db_stmt {
	const char *name;
	const char *sql;
};

/* Each query file exports a NULL-terminated table; db.c prepares them all
 * when a connection opens. */
extern const struct db_stmt db_token_stmts[];
extern const struct db_stmt db_page_stmts[];
extern const struct db_stmt db_page_summary_stmts[];
extern const struct db_stmt db_component_stmts[];
extern const struct db_stmt db_idempotency_stmts[];
extern const struct db_stmt db_incident_stmts[];
extern const struct db_stmt db_template_stmts[];

/* Runs a prepared statement. The result belongs to arena a (cleared with
 * it). NULL on error, with err set: constraint violations map to
 * SD_CONFLICT or SD_BAD_REQUEST, a lost server to SD_UNAVAILABLE. */
PGresult *db_exec(struct arena *a, const char *stmt, int nparams,
    const char *const *params, struct sd_error *err);

/* Runs a statement that returns one row: its first column goes to *out
 * (unless out is NULL); no row is SD_NOT_FOUND with the message missing. */
enum sd_status db_one_value(struct arena *a, const char *stmt, int nparams,
    const char *const *params, const char **out, const char *missing,
    struct sd_error *err);

/* Text of row r, column c, or NULL for SQL NULL. Borrowed from res. */
const char *db_value(const PGresult *res, int r, int c);

#endif
