#include "jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "idempotency.h"
#include "pages.h"
#include "subscribers.h"

/* The first key of every job's advisory lock ("sjob"); the second is the
 * job's number. The two-key form never meets the one-key locks of
 * migrations and idempotency keys. */
#define JOB_LOCK_CLASS "1936355170"

enum job_stmt {
	JOB_LOCK,
	JOB_UNLOCK,
	JOB_START,
	JOB_DUE_IN,
	JOB_FINISH,
	JOB_REMINDERS,
	JOB_CONTACTS,
	JOB_PRUNE_OUTBOX,
	JOB_PRUNE_ATTEMPTS,
	JOB_STMT__MAX
};

static const struct db_stmt stmts[JOB_STMT__MAX] = {
	DB_STMT(JOB_LOCK,
	    "SELECT pg_try_advisory_lock(" JOB_LOCK_CLASS ", $1::integer)"),
	DB_STMT(JOB_UNLOCK,
	    "SELECT pg_advisory_unlock(" JOB_LOCK_CLASS ", $1::integer)"),
	/* A row only when the job is due: its start is then recorded. */
	DB_STMT(JOB_START,
	    "INSERT INTO job_runs AS r (name, started_at, notifier)"
	    " VALUES ($1, now(), $3)"
	    " ON CONFLICT (name) DO UPDATE SET started_at = now(),"
	    " finished_at = NULL, runs = r.runs + 1, notifier = $3"
	    " WHERE r.started_at <= now() - make_interval(secs => $2::integer)"
	    " RETURNING 1"),
	DB_STMT(JOB_DUE_IN,
	    "SELECT greatest(0, ceil(extract(epoch FROM started_at"
	    " + make_interval(secs => $2::integer) - now()) * 1000))::bigint"
	    " FROM job_runs WHERE name = $1"),
	DB_STMT(JOB_FINISH,
	    "UPDATE job_runs SET finished_at = now(), result = $2"
	    " WHERE name = $1"),
	/* Parameters: $1 the batch size, $2 the days (where used). */
	DB_STMT(JOB_REMINDERS, "SELECT jobs_send_reminders($1::integer)"),
	DB_STMT(JOB_CONTACTS,
	    "SELECT jobs_delete_contacts($2::integer, $1::integer)"),
	DB_STMT(JOB_PRUNE_OUTBOX,
	    "SELECT jobs_prune_outbox($2::integer, $1::integer)"),
	DB_STMT(JOB_PRUNE_ATTEMPTS,
	    "SELECT jobs_prune_attempts($2::integer, $1::integer)"),
};

const struct db_stmt_table db_job_stmts = DB_STMT_TABLE(stmts);

static const enum job_stmt batch_stmt[JOB_BATCH__MAX] = {
	[JOB_BATCH_REMINDERS] = JOB_REMINDERS,
	[JOB_BATCH_CONTACTS] = JOB_CONTACTS,
	[JOB_BATCH_PRUNE_OUTBOX] = JOB_PRUNE_OUTBOX,
	[JOB_BATCH_PRUNE_ATTEMPTS] = JOB_PRUNE_ATTEMPTS,
};

/* Runs a statement of the lock and job_runs bookkeeping; *v (may be NULL)
 * gets its one value, NULL when it returned no row. */
static enum sd_status
run(struct arena *a, enum job_stmt s, int n, const char *const *p,
    const char **v, struct sd_error *err)
{
	PGresult *r = db_exec(a, &stmts[s], n, p, err);

	if (r == NULL)
		return err->status;
	if (v != NULL)
		*v = PQntuples(r) > 0 ? db_value(r, 0, 0) : NULL;
	return SD_OK;
}

static void
unlock(struct arena *a, const char *number)
{
	const char *p[1] = { number };
	struct sd_error ignored;

	/* A failure here means the connection is gone, and the lock with
	 * it. */
	run(a, JOB_UNLOCK, 1, p, NULL, &ignored);
}

enum sd_status
db_job_claim(struct arena *a, int number, const char *name, int interval_s,
    const char *notifier, enum job_claim *out, long long *due_in_ms,
    struct sd_error *err)
{
	char num[16], secs[16];
	const char *lock_p[1] = { num }, *start_p[3] = { name, secs, notifier };
	const char *v = NULL;
	enum sd_status st;

	snprintf(num, sizeof(num), "%d", number);
	snprintf(secs, sizeof(secs), "%d", interval_s);
	*due_in_ms = 0;
	if ((st = run(a, JOB_LOCK, 1, lock_p, &v, err)) != SD_OK)
		return st;
	if (v == NULL || strcmp(v, "t") != 0) {
		*out = JOB_BUSY;
		return SD_OK;
	}
	st = run(a, JOB_START, 3, start_p, &v, err);
	if (st == SD_OK && v != NULL) {
		*out = JOB_CLAIMED;
		return SD_OK;
	}
	if (st == SD_OK)
		st = run(a, JOB_DUE_IN, 2, start_p, &v, err);
	unlock(a, num);
	if (st != SD_OK)
		return st;
	*out = JOB_NOT_DUE;
	*due_in_ms = v != NULL ? atoll(v) : 0;
	return SD_OK;
}

enum sd_status
db_job_finish(struct arena *a, int number, const char *name, const char *result,
    struct sd_error *err)
{
	char num[16];
	const char *p[2] = { name, result };
	enum sd_status st;

	snprintf(num, sizeof(num), "%d", number);
	st = run(a, JOB_FINISH, 2, p, NULL, err);
	unlock(a, num);
	return st;
}

enum sd_status
db_job_batches(struct arena *a, enum job_batch which, int days, int limit,
    long *n, struct sd_error *err)
{
	char d[16], l[16];
	const char *p[2] = { l, d }, *v;
	long got;
	enum sd_status st;

	snprintf(d, sizeof(d), "%d", days);
	snprintf(l, sizeof(l), "%d", limit);
	*n = 0;
	do {
		/* One statement outside a transaction block: a batch
		 * commits on its own and holds its row locks briefly. */
		st = db_one_value(a, &stmts[batch_stmt[which]],
		    which == JOB_BATCH_REMINDERS ? 1 : 2, p, &v, "no result",
		    err);
		if (st != SD_OK)
			return st;
		got = atol(v);
		*n += got;
	} while (got >= limit);
	return SD_OK;
}

enum sd_status
db_purge_expired(struct arena *a, int archive_days, struct purge_counts *c,
    struct sd_error *err)
{
	enum sd_status st;

	memset(c, 0, sizeof(*c));
	st = db_page_purge(a, archive_days, &c->pages, err);
	if (st == SD_OK)
		st = db_idem_purge(a, &c->idempotency_keys, err);
	if (st == SD_OK)
		st = db_captcha_purge(a, &c->captchas, err);
	return st;
}
