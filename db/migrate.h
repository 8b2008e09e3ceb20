/* Numbered SQL migrations, embedded in the binary at build time. */
#ifndef STATUSD_MIGRATE_H
#define STATUSD_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

struct migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct migration migrations[];
extern const size_t nmigrations;

/* Applies every migration not yet recorded, in order, each in its own
 * transaction, under an advisory lock so several hosts starting at once do
 * not race. Returns the number of migrations applied in all, or -1
 * (message in err). */
int migrate_apply(PGconn *conn, char *err, size_t errlen);
/* Number of migrations recorded in the database, 0 for none, -1 on
 * error. A worker serves only when it is at least nmigrations. */
int migrate_current(PGconn *conn);

#endif
