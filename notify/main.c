/*
 * statusd-notify: delivers what the outbox holds. One loop: take back the
 * attempts of notifiers that died (their lease ran out), fan due outbox
 * events out to deliveries, claim a batch of due deliveries (FOR UPDATE
 * SKIP LOCKED, so several notifiers on several hosts never take the same
 * attempt), send it, record each outcome with its next attempt; when
 * nothing is due, sleep until a NOTIFY (a commit that added work) or the
 * poll interval. Between rounds it runs the timed jobs that are due
 * (notify/jobs.c). SIGTERM stops claiming; the batch in flight is finished
 * and recorded before the process exits.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "crypto.h"
#include "db/db.h"
#include "db/notify.h"
#include "jobs.h"
#include "log.h"
#include "retry.h"
#include "send.h"
#include "sublink.h"
#include "subtoken.h"

/* After this many failed attempts a delivery is given up (FAILED). */
#define MAX_ATTEMPTS 10

static struct config cfg;
static struct db_settings db_settings;
static struct send_settings send_settings;
static struct contact_nets allowed_networks;
static struct keyring token_keys; /* subscriber_token_key: links */
static volatile sig_atomic_t stopping;
static char notifier[128];

static void
usage(void)
{
	fprintf(
	    stderr, "usage: statusd-notify [-c config] [-d database_url]\n");
	exit(2);
}

static void
set_or_die(const char *key, const char *value)
{
	char err[256];

	if (config_set(&cfg, key, value, err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd-notify: %s\n", err);
		exit(2);
	}
}

static void
parse_args(int argc, char **argv)
{
	const char *env;
	char err[512];
	int i;

	config_defaults(&cfg);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			if (config_load(&cfg, argv[++i], err, sizeof(err)) !=
			    0) {
				fprintf(stderr, "statusd-notify: %s\n", err);
				exit(2);
			}
		} else if (strcmp(argv[i], "-d") == 0 && i + 1 < argc) {
			set_or_die("database_url", argv[++i]);
		} else {
			usage();
		}
	}
	if ((env = getenv("DATABASE_URL")) != NULL && *env != '\0')
		set_or_die("database_url", env);
	/* Every message carries the subscriber's unsubscribe link, signed
	 * with the key statusd verifies it with. */
	if (contact_nets_parse(&allowed_networks, cfg.webhook_allowed_networks,
	        err, sizeof(err)) != 0 ||
	    keyring_parse(&token_keys, "subscriber_token_key",
	        cfg.subscriber_token_key, cfg.subscriber_token_key_previous,
	        err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd-notify: %s\n", err);
		exit(2);
	}
	if (cfg.database_url[0] == '\0') {
		fprintf(stderr, "statusd-notify: database_url is not set\n");
		exit(2);
	}
}

static void
on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a wait for NOTIFY returns at once. */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static long long
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static double
jitter(void)
{
	unsigned int r;

	if (crypto_random((unsigned char *)&r, sizeof(r)) != 0)
		return 0.5;
	return (double)r / 4294967296.0;
}

/* One line per attempt: ids, outcome and status, never a target, secret
 * or body. */
static void
log_attempt(const struct notify_job *j, const struct notify_result *r,
    long long ms, int taken)
{
	log_info(
	    "event=delivery_attempt cloud=%s delivery=%s event_id=%s "
	    "kind=%s channel=%s attempt=%d outcome=%s status=%d ms=%lld%s%s%s",
	    j->cloud_id, j->id, j->event_id, j->kind, j->channel, j->attempt,
	    r->outcome, r->status_code, ms, r->error ? " reason=\"" : "",
	    r->error ? r->error : "", r->error ? "\"" : "");
	if (!taken)
		log_error("event=delivery_lease_lost delivery=%s attempt=%d",
		    j->id, j->attempt);
}

/* Records the outcomes of a batch in one statement, with each retry's
 * time (back-off with jitter, never before the receiver's Retry-After),
 * and logs one line per attempt. */
static void
record(struct arena *a, const struct notify_job *jobs,
    const struct send_result *s, size_t n, long long ms)
{
	struct notify_result *r = arena_zalloc(a, sizeof(*r) * n);
	int *taken = arena_zalloc(a, sizeof(*taken) * n);
	struct sd_error err;
	size_t i;

	if (r == NULL || taken == NULL)
		return; /* the leases run out; nothing is lost */
	for (i = 0; i < n; i++) {
		r[i].outcome = s[i].outcome;
		r[i].status_code = s[i].status_code;
		r[i].error = s[i].error;
		r[i].next_at_ms = now_ms() +
		    retry_delay_ms(jobs[i].attempt, cfg.notify_retry_base_ms,
		        (long long)cfg.notify_retry_max_seconds * 1000,
		        s[i].retry_after_s, jitter());
	}
	if (db_notify_finish(a, jobs, r, n, MAX_ATTEMPTS, taken, &err) !=
	    SD_OK) {
		/* The leases run out and another notifier tries again. */
		log_error("event=delivery_record_failed count=%zu error=\"%s\"",
		    n, err.message);
		for (i = 0; i < n; i++)
			taken[i] = 1; /* not lost to another: just unrecorded */
	}
	for (i = 0; i < n; i++)
		log_attempt(&jobs[i], &r[i], ms, taken[i]);
}

/* The subscriber's link of one purpose on its page's public address, as
 * statusd serves it (core/sublink.h); NULL when it cannot be made. */
static const char *
subscriber_link(struct arena *a, const struct notify_job *j,
    enum subtoken_purpose purpose, long now)
{
	char token[SUBTOKEN_TEXT_MAX], url[1024];

	if (j->page_subdomain == NULL || j->subscriber_id == NULL ||
	    subtoken_encode(&token_keys, purpose, j->cloud_id, j->subscriber_id,
	        now, token) != 0 ||
	    sublink_build(cfg.public_domain, j->page_subdomain, purpose, token,
	        url, sizeof(url)) != 0)
		return NULL;
	return arena_strdup(a, url);
}

/* Every message gets the unsubscribe link; a confirmation its confirm
 * link too (valid SUBTOKEN_CONFIRM_SECONDS from now). */
static void
add_links(struct arena *a, struct notify_job *j)
{
	long now = (long)time(NULL);

	j->unsubscribe_url = subscriber_link(a, j, SUBTOKEN_UNSUBSCRIBE, now);
	if (strcmp(j->kind, "subscriber.confirmation") == 0)
		j->confirm_url = subscriber_link(a, j, SUBTOKEN_CONFIRM, now);
}

/* Claims and sends one batch; the number of attempts made, -1 when the
 * database is unavailable. */
static int
one_batch(struct arena *a)
{
	struct notify_job *jobs;
	struct send_result *results;
	struct sd_error err;
	long long start;
	size_t n, i;

	if (db_notify_claim(a, cfg.notify_batch, cfg.notify_lease_seconds,
	        notifier, send_channels, &jobs, &n, &err) != SD_OK)
		return -1;
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		add_links(a, &jobs[i]);
	results = arena_zalloc(a, sizeof(*results) * n);
	if (results == NULL)
		return -1; /* the leases run out; nothing is lost */
	start = now_ms();
	send_batch(&send_settings, jobs, results, n);
	record(a, jobs, results, n, now_ms() - start);
	return (int)n;
}

/* Everything due now, until nothing is: -1 when the database is away. */
static int
drain_due(struct arena *a)
{
	struct sd_error err;
	int events, reaped, sent;

	if (db_notify_listen(&err) != SD_OK)
		return -1;
	if (db_notify_reap(a, &reaped, &err) != SD_OK)
		return -1;
	if (reaped > 0)
		log_error("event=delivery_leases_expired count=%d", reaped);
	do {
		if (db_notify_fan_out(a, cfg.notify_batch, &events, &err) !=
		    SD_OK)
			return -1;
	} while (events > 0 && !stopping);
	do {
		arena_reset(a);
		sent = one_batch(a);
	} while (sent > 0 && !stopping);
	return sent < 0 ? -1 : 0;
}

/* How long to sleep when nothing is due: until the next scheduled retry,
 * lease expiry or timed job, at most the poll interval (a NOTIFY ends it sooner). A
 * lease is given a little slack so it has surely expired on the server. */
static int
wait_ms(struct arena *a)
{
	struct sd_error err;
	long long ms;

	long long job_ms = jobs_next_ms();
	int wait;

	arena_reset(a);
	if (db_notify_next_due(a, send_channels, &ms, &err) != SD_OK ||
	    ms < 0 || ms > cfg.notify_poll_ms)
		wait = cfg.notify_poll_ms;
	else
		wait = (int)ms + 10;
	return job_ms >= 0 && job_ms < wait ? (int)job_ms : wait;
}

int
main(int argc, char **argv)
{
	struct arena *a;
	char host[64], err[256];

	parse_args(argc, argv);
	log_process_started();
	install_signals();
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(notifier, sizeof(notifier), "%s:%ld", host, (long)getpid());
	db_settings.url = cfg.database_url;
	db_settings.public_domain = cfg.public_domain;
	db_settings.statement_timeout_ms = 30000;
	db_configure(&db_settings);
	jobs_init(&cfg, notifier);
	send_settings.connect_timeout_ms = cfg.webhook_connect_timeout_ms;
	send_settings.timeout_ms = cfg.webhook_timeout_ms;
	send_settings.ca_file = cfg.webhook_ca_file;
	send_settings.allowed = &allowed_networks;
	if (send_configure_channels(&cfg, &send_settings, err, sizeof(err)) !=
	    0) {
		fprintf(stderr, "statusd-notify: %s\n", err);
		return 2;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 ||
	    (a = arena_new(64 * 1024)) == NULL) {
		log_error("event=notify_init_failed");
		return 1;
	}
	log_info("event=notify_started notifier=%s", notifier);
	while (!stopping) {
		arena_reset(a);
		if (drain_due(a) != 0) {
			/* db.c backs off between connection attempts. */
			usleep(200 * 1000);
			continue;
		}
		if (!stopping) /* a SIGTERM starts no job */
			jobs_run_due(a);
		if (!stopping)
			db_notify_wait(wait_ms(a));
	}
	log_info("event=notify_stopped notifier=%s", notifier);
	arena_free(a);
	db_disconnect();
	send_cleanup();
	curl_global_cleanup();
	return 0;
}
