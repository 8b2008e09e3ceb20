/*
 * The master only supervises: it forks the workers, respawns a dead one
 * (backing off when they crash in a loop), replaces them all on SIGHUP and
 * stops them gracefully on SIGTERM.
 */
#ifndef STATUSD_MASTER_H
#define STATUSD_MASTER_H

#include "worker.h"

struct master_settings {
	int workers;
	int shutdown_seconds; /* then SIGKILL */
	struct worker_settings worker;
	void (*before_work)(void); /* in each child, before worker_run */
};

int master_run(const struct master_settings *s);

#endif
