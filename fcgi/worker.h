/* A worker: accept a FastCGI request, run it, answer, log, repeat. */
#ifndef STATUSD_WORKER_H
#define STATUSD_WORKER_H

#include <stddef.h>

struct worker_settings {
	int listen_fd;
	long max_requests; /* exit (and be replaced) after this many */
	size_t max_body_bytes;
	/* Tests only: honour X-Statusd-Test-Fault (README, "Fault
	 * injection"). Never set in production. */
	int test_fault_injection;
};

/* Runs until SIGTERM or max_requests; returns the process exit code. */
int worker_run(const struct worker_settings *s);

#endif
