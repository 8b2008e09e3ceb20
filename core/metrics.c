#include "metrics.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

/* 0.5 ms to 10 s: a page read is about a millisecond, a 200-component
 * uptime query tens of them, a statement timeout five seconds. */
const long long metrics_bucket_bounds_us[METRICS_BOUNDS] = { 500, 1000, 2500,
	5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	5000000, 10000000 };

static struct metrics_slot *slots; /* nslots workers, then the master's */
static int nslots;
static struct metrics_slot *mine; /* this process's slot; NULL = off */
static int connected_before; /* this process has had a connection */

int
metrics_shm_create(int workers)
{
	size_t size = sizeof(struct metrics_slot) * (size_t)(workers + 1);
	void *p;

	if (workers < 1)
		return -1;
	/* Anonymous shared memory comes zeroed, and is gone with the last
	 * process that maps it: nothing to clean up after a crash. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	    -1, 0);
	if (p == MAP_FAILED)
		return -1;
	slots = p;
	nslots = workers + 1;
	mine = &slots[workers];
	return 0;
}

void
metrics_use_slot(int i)
{
	if (slots != NULL)
		mine = &slots[i >= 0 && i < nslots - 1 ? i : nslots - 1];
}

long long
metrics_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
add(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static int
bucket_of(long long us)
{
	int i;

	for (i = 0; i < METRICS_BOUNDS; i++)
		if (us <= metrics_bucket_bounds_us[i])
			return i;
	return METRICS_BOUNDS;
}

void
metrics_request(
    int route, enum http_method method, int status, long long duration_us)
{
	int class = status / 100 - 1;

	if (mine == NULL)
		return;
	if (class < 0 || class >= METRICS_CLASSES)
		class = METRICS_CLASSES - 1;
	if (duration_us < 0)
		duration_us = 0;
	if (route < 0 || route >= METRICS_ROUTES) {
		if ((int)method < 0 || method > HTTP_METHOD__MAX)
			method = HTTP_METHOD__MAX;
		add(&mine->unmatched[method][class], 1);
		return;
	}
	add(&mine->requests[route][class], 1);
	add(&mine->latency[route][bucket_of(duration_us)], 1);
	add(&mine->latency_sum_us[route], (uint64_t)duration_us);
}

void
metrics_db_statement(long long duration_us)
{
	if (mine == NULL)
		return;
	add(&mine->db_statements, 1);
	add(&mine->db_statement_us,
	    duration_us > 0 ? (uint64_t)duration_us : 0);
}

void
metrics_db_error(enum metrics_db_error kind)
{
	if (mine != NULL && kind < METRICS_DB_ERROR__MAX)
		add(&mine->db_errors[kind], 1);
}

void
metrics_db_connect(int ok)
{
	if (mine == NULL)
		return;
	if (!ok) {
		add(&mine->db_connect_failures, 1);
		return;
	}
	add(&mine->db_connects, 1);
	if (connected_before)
		add(&mine->db_reconnects, 1);
	connected_before = 1;
}

void
metrics_token_cache(int hit)
{
	if (mine != NULL)
		add(hit ? &mine->token_cache_hits : &mine->token_cache_misses,
		    1);
}

void
metrics_auth_failure(enum metrics_auth_failure kind)
{
	if (mine != NULL && kind < METRICS_AUTH_FAILURE__MAX)
		add(&mine->auth_failures[kind], 1);
}

void
metrics_worker_recycled(void)
{
	if (mine != NULL)
		add(&mine->recycles, 1);
}

static struct metrics_slot *
master_slot(void)
{
	return slots != NULL ? &slots[nslots - 1] : NULL;
}

void
metrics_worker_started(void)
{
	struct metrics_slot *m = master_slot();

	if (m != NULL)
		add(&m->worker_starts, 1);
}

void
metrics_worker_exited(int wait_status)
{
	struct metrics_slot *m = master_slot();
	enum metrics_exit cause = METRICS_EXIT_CLEAN;

	if (m == NULL)
		return;
	if (WIFSIGNALED(wait_status))
		cause = METRICS_EXIT_SIGNAL;
	else if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0)
		cause = METRICS_EXIT_ERROR;
	add(&m->worker_exits[cause], 1);
}

int
metrics_snapshot(struct metrics_slot *sum)
{
	const uint64_t *src;
	uint64_t *dst = (uint64_t *)(void *)sum;
	size_t n = sizeof(*sum) / sizeof(uint64_t), i;
	int s;

	memset(sum, 0, sizeof(*sum));
	if (slots == NULL)
		return -1;
	/* The slot is nothing but uint64_t counters (and padding, zero). */
	for (s = 0; s < nslots; s++) {
		src = (const uint64_t *)(const void *)&slots[s];
		for (i = 0; i < n; i++)
			dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
	}
	return 0;
}
