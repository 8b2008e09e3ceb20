/*
 * The worker's one PostgreSQL connection: opened lazily after fork, statements
 * prepared once per connection, reconnected with back-off. While the server
 * is away every call fails fast with SD_UNAVAILABLE (503), never a hang.
 */
#ifndef STATUSD_DB_H
#define STATUSD_DB_H

#include "arena.h"
#include "status.h"

struct db_settings {
	const char *url; /* libpq URI or key=value string */
	const char *public_domain; /* used when pages render their url */
	int statement_timeout_ms;
};

/* Remembers the settings (borrowed; must outlive the worker). No I/O. */
void db_configure(const struct db_settings *s);
/* In the master, before forking worker i: the worker's sessions add to
 * counter slot i % DB_COUNTER_SLOTS (incident and page counts,
 * db/sql/70_counters.sql), so concurrent workers never queue on one
 * counter row. Other processes' sessions use slots DB_COUNTER_SLOTS and
 * up, by their backend's pid. No I/O. */
#define DB_COUNTER_SLOTS 8
void db_use_counter_slot(int i);
/* Connects and prepares if needed. SD_OK or SD_UNAVAILABLE. */
enum sd_status db_ready(struct sd_error *err);
void db_disconnect(void);

/* One transaction around several statements. db_commit reports a failed
 * COMMIT as an error (SD_OUTCOME_UNKNOWN when the connection was lost
 * during it): a 2xx is only sent after it returned SD_OK. Calls
 * nest: inside an open transaction db_begin and db_commit only count, so a
 * caller can wrap a handler's transaction in its own (idempotency keys);
 * db_rollback always rolls the whole transaction back. */
enum sd_status db_begin(struct sd_error *err);
enum sd_status db_commit(struct sd_error *err);
void db_rollback(void);

/* The one way to bring a database up to date, for statusd at start and
 * statusctl migrate: connects with s (its own connection, closed again),
 * applies pending migrations and the definitions of db/sql, and renders
 * the stored page documents again when what they depend on changed (among
 * it s->public_domain). Returns the number of migrations recorded, or -1
 * with a message in err (never libpq's connection text); *rerendered is
 * the number of documents rendered again. */
int db_migrate(
    const struct db_settings *s, long *rerendered, char *err, size_t errlen);

/* Seconds a client should wait after SD_UNAVAILABLE. */
int db_retry_after(void);

/* The schema version this binary needs (its highest migration number). */
int db_schema_version(void);

#endif
