#include "master.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "db/db.h"
#include "log.h"
#include "metrics.h"
#include "metrics_server.h"

#define MAX_WORKERS 1024
#define CRASH_WINDOW_S 10
#define CRASH_LIMIT 5
#define BACKOFF_MAX_S 30

struct slot {
	pid_t pid; /* 0 = empty */
	time_t respawn_at; /* when empty: earliest respawn */
	long long started_ms; /* when its worker was forked */
};

static struct slot slots[MAX_WORKERS];
static pid_t retiring[MAX_WORKERS]; /* old workers finishing after SIGHUP */
static time_t crash_times[CRASH_LIMIT];
static int crash_next;
static int backoff_s;

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static pid_t
spawn(const struct master_settings *s)
{
	sigset_t none;
	pid_t master = getpid();
	pid_t pid = fork();

	if (pid != 0)
		return pid; /* parent, or -1 */
	/* A worker dies with its master: SIGTERM, which the worker takes only
	 * between requests, so the request in flight still finishes. Should
	 * the master have died before prctl, the worker already has another
	 * parent and leaves at once. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != master)
		_exit(0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	log_process_started();
	if (s->before_work != NULL)
		s->before_work();
	_exit(worker_run(&s->worker));
}

static void
fill_slots(const struct master_settings *s)
{
	time_t now = time(NULL);
	int i;

	for (i = 0; i < s->workers; i++) {
		if (slots[i].pid != 0 || slots[i].respawn_at > now)
			continue;
		metrics_use_slot(i); /* the child counts into slot i */
		db_use_counter_slot(i);
		slots[i].pid = spawn(s);
		if (slots[i].pid > 0)
			metrics_worker_started();
		slots[i].started_ms = now_ms();
		if (slots[i].pid < 0) {
			log_error("event=fork_failed errno=%d", errno);
			slots[i].pid = 0;
			slots[i].respawn_at = now + 1;
		}
	}
}

/* Crash-loop detection: CRASH_LIMIT crashes within CRASH_WINDOW_S seconds
 * delay respawns, doubling up to BACKOFF_MAX_S; a quiet window resets. */
static time_t
note_crash(void)
{
	time_t now = time(NULL), oldest;

	crash_times[crash_next] = now;
	crash_next = (crash_next + 1) % CRASH_LIMIT;
	oldest = crash_times[crash_next]; /* of the last CRASH_LIMIT crashes */
	if (oldest != 0 && now - oldest < CRASH_WINDOW_S) {
		backoff_s = backoff_s ? backoff_s * 2 : 1;
		if (backoff_s > BACKOFF_MAX_S)
			backoff_s = BACKOFF_MAX_S;
		return now + backoff_s;
	}
	backoff_s = 0;
	return now;
}

/* Signals a process raises itself when it fails; any other signal came
 * from outside (an operator, the OOM killer, a supervisor). */
static int
is_crash_signal(int sig)
{
	return sig == SIGSEGV || sig == SIGABRT || sig == SIGBUS ||
	    sig == SIGFPE || sig == SIGILL || sig == SIGSYS || sig == SIGTRAP;
}

enum death { DIED_DONE, DIED_KILLED, DIED_CRASHED, DIED_FAILED };

static enum death
death_of(int status)
{
	if (WIFSIGNALED(status))
		return is_crash_signal(WTERMSIG(status)) ? DIED_CRASHED
		                                         : DIED_KILLED;
	return WIFEXITED(status) && WEXITSTATUS(status) != 0 ? DIED_FAILED
	                                                     : DIED_DONE;
}

/* A worker that ended: a finished one (max_requests) or one killed from
 * outside is replaced at once; one that crashed or failed counts towards
 * the crash-loop back-off. */
static void
worker_ended(struct slot *slot, pid_t pid, int status)
{
	static const char *const cause[] = { "done", "killed", "crashed",
		"failed" };
	enum death d = death_of(status);

	slot->pid = 0;
	slot->respawn_at =
	    d == DIED_CRASHED || d == DIED_FAILED ? note_crash() : 0;
	if (d == DIED_DONE)
		return;
	log_error("event=worker_died worker=%d cause=%s signal=%d exit=%d "
	          "lived_ms=%lld respawn_in_s=%lld",
	    (int)pid, cause[d], WIFSIGNALED(status) ? WTERMSIG(status) : 0,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 0,
	    now_ms() - slot->started_ms,
	    slot->respawn_at ? (long long)(slot->respawn_at - time(NULL)) : 0);
	if ((d == DIED_CRASHED || d == DIED_FAILED) && backoff_s > 0)
		log_error("event=crash_loop_backoff seconds=%d crashes=%d "
		          "window_s=%d reason=\"workers keep dying on their "
		          "own\"",
		    backoff_s, CRASH_LIMIT, CRASH_WINDOW_S);
}

static void
reap(const struct master_settings *s)
{
	int status, i;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (metrics_server_reaped(pid))
			continue;
		metrics_worker_exited(status);
		for (i = 0; i < MAX_WORKERS; i++)
			if (retiring[i] == pid)
				retiring[i] = 0;
		for (i = 0; i < s->workers; i++)
			if (slots[i].pid == pid)
				worker_ended(&slots[i], pid, status);
	}
}

/* SIGHUP: new workers take over at once; the old ones finish what they
 * are doing and exit. */
static void
replace_all(const struct master_settings *s)
{
	int i, j;

	for (i = 0; i < s->workers; i++) {
		if (slots[i].pid == 0)
			continue;
		for (j = 0; j < MAX_WORKERS && retiring[j] != 0; j++)
			;
		if (j < MAX_WORKERS)
			retiring[j] = slots[i].pid;
		kill(slots[i].pid, SIGTERM);
		slots[i].pid = 0;
		slots[i].respawn_at = 0;
	}
	fill_slots(s);
	log_info("event=reload workers=%d", s->workers);
}

static int
any_alive(const struct master_settings *s)
{
	int i;

	for (i = 0; i < s->workers; i++)
		if (slots[i].pid != 0)
			return 1;
	for (i = 0; i < MAX_WORKERS; i++)
		if (retiring[i] != 0)
			return 1;
	return 0;
}

static void
signal_all(const struct master_settings *s, int sig)
{
	int i;

	for (i = 0; i < s->workers; i++)
		if (slots[i].pid != 0)
			kill(slots[i].pid, sig);
	for (i = 0; i < MAX_WORKERS; i++)
		if (retiring[i] != 0)
			kill(retiring[i], sig);
}

static void
shutdown_workers(const struct master_settings *s)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	time_t deadline = time(NULL) + s->shutdown_seconds;

	signal_all(s, SIGTERM);
	while (any_alive(s) && time(NULL) < deadline) {
		nanosleep(&tick, NULL);
		reap(s);
	}
	if (any_alive(s)) {
		log_error("event=shutdown_timeout action=kill");
		signal_all(s, SIGKILL);
		while (any_alive(s) && waitpid(-1, NULL, 0) > 0)
			reap(s);
	}
}

int
master_run(const struct master_settings *s)
{
	struct timespec timeout = { 1, 0 };
	sigset_t set;
	int sig;

	if (s->workers < 1 || s->workers > MAX_WORKERS)
		return 1;
	/* Signals are taken synchronously with sigtimedwait: no handler runs
	 * in the middle of the bookkeeping. */
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	fill_slots(s);
	metrics_server_ensure();
	log_info("event=started workers=%d", s->workers);
	for (;;) {
		sig = sigtimedwait(&set, NULL, &timeout);
		if (sig == SIGTERM || sig == SIGINT)
			break;
		if (sig == SIGHUP)
			replace_all(s);
		reap(s);
		fill_slots(s);
		metrics_server_ensure();
	}
	log_info("event=stopping");
	shutdown_workers(s);
	metrics_server_stop();
	log_info("event=stopped");
	return 0;
}
