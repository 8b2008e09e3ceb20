/*
 * statusd: bind, drop privileges, migrate (in a child: nothing connects to
 * PostgreSQL before fork), then fork the workers and supervise them.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arena.h"
#include "auth.h"
#include "config.h"
#include "db/db.h"
#include "handlers/settings.h"
#include "jwt.h"
#include "log.h"
#include "listen.h"
#include "master.h"
#include "metrics.h"
#include "metrics_server.h"
#include "prometheus.h"
#include "router.h"

static struct config cfg;
static struct db_settings db_settings;
static struct auth_settings auth_settings;
static struct handler_settings handler_settings;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: statusd [-c config] [-l listen] [-w workers] [-u user]\n"
	    "               [-m max_requests] [-d database_url]\n"
	    "       statusd --routes     print the routing table\n");
	exit(2);
}

static void
print_routes(void)
{
	size_t i;

	for (i = 0; i < statusd_nroutes; i++)
		printf("%s %s %s\n", http_method_name(statusd_routes[i].method),
		    statusd_routes[i].pattern,
		    scope_name(statusd_routes[i].scope));
}

static void
set_or_die(const char *key, const char *value)
{
	char err[256];

	if (config_set(&cfg, key, value, err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd: %s\n", err);
		exit(2);
	}
}

static void
parse_args(int argc, char **argv)
{
	const char *conf = NULL, *env;
	char err[512];
	int i;

	config_defaults(&cfg);
	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			conf = argv[++i];
	if (conf != NULL && config_load(&cfg, conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd: %s\n", err);
		exit(2);
	}
	if ((env = getenv("DATABASE_URL")) != NULL && *env != '\0')
		set_or_die("database_url", env);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--routes") == 0) {
			print_routes();
			exit(0);
		}
		if (i + 1 >= argc || argv[i][0] != '-' || argv[i][1] == '\0' ||
		    argv[i][2] != '\0')
			usage();
		switch (argv[i][1]) {
		case 'c': break;
		case 'l': set_or_die("listen", argv[i + 1]); break;
		case 'w': set_or_die("workers", argv[i + 1]); break;
		case 'u': set_or_die("user", argv[i + 1]); break;
		case 'm': set_or_die("max_requests", argv[i + 1]); break;
		case 'd': set_or_die("database_url", argv[i + 1]); break;
		default: usage();
		}
		i++;
	}
	if (cfg.database_url[0] == '\0') {
		fprintf(stderr, "statusd: database_url is not set\n");
		exit(2);
	}
}

/* Runs the migrations in a child process and waits for it. */
static int
migrate_in_child(void)
{
	char err[512] = "", quoted[LOG_QUOTED_MAX(sizeof(err))];
	int status, v;
	long rerendered;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		v = db_migrate(&db_settings, &rerendered, err, sizeof(err));
		if (v < 0)
			log_error("event=migrate_failed error=%s",
			    log_quote(quoted, sizeof(quoted), err));
		else
			log_info("event=migrated applied=%d rerendered=%ld", v,
			    rerendered);
		_exit(v < 0 ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void
load_jwt_settings(void)
{
	auth_settings.cache_seconds = cfg.token_cache_seconds;
	auth_settings.jwt_issuer = cfg.jwt_issuer;
	auth_settings.jwt_audience = cfg.jwt_audience;
	auth_settings.jwt_max_lifetime_seconds = cfg.jwt_max_lifetime_seconds;
	if (cfg.jwt_hs256_secret[0] != '\0') {
		auth_settings.jwt_hs256_secret =
		    (const unsigned char *)cfg.jwt_hs256_secret;
		auth_settings.jwt_hs256_secret_len =
		    strlen(cfg.jwt_hs256_secret);
	}
	if (cfg.jwt_rs256_public_key_file[0] != '\0') {
		auth_settings.jwt_rs256_key =
		    jwt_load_rs256_public_key(cfg.jwt_rs256_public_key_file);
		if (auth_settings.jwt_rs256_key == NULL) {
			fprintf(stderr, "statusd: cannot load %s\n",
			    cfg.jwt_rs256_public_key_file);
			exit(2);
		}
	}
}

int
main(int argc, char **argv)
{
	struct master_settings ms;
	char err[512];
	int fd;

	parse_args(argc, argv);
	/* jansson's failures are remembered like the arena's (arena.h). */
	json_set_alloc_funcs(arena_json_malloc, free);
	if (config_check_secrets(&cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd: %s\n", err);
		return 2;
	}
	load_jwt_settings();
	/* Captcha and subscriber-token keys sign what outlives a request: no
	 * random fallback, a missing or weak key refuses to start. */
	if (config_subscriber_keys(&cfg, &handler_settings.subscriber_keys, err,
	        sizeof(err)) != 0) {
		fprintf(stderr, "statusd: %s\n", err);
		return 2;
	}
	fd = listen_open(
	    cfg.listen, cfg.socket_mode, cfg.socket_group, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "statusd: %s\n", err);
		return 1;
	}
	/* Before fork (the counters are shared) and before dropping
	 * privileges (metrics_listen may be a low port). Without a listener
	 * nobody reads the counters: none are kept, and every recording call
	 * returns at once. */
	if (metrics_routes_fit() != 0 ||
	    (metrics_server_configured(cfg.metrics_listen) &&
	        metrics_shm_create(cfg.workers) != 0)) {
		fprintf(stderr, "statusd: cannot set up the metrics\n");
		return 1;
	}
	if (metrics_server_open(cfg.metrics_listen, err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd: metrics_listen: %s\n", err);
		return 1;
	}
	if (geteuid() == 0 && cfg.user[0] == '\0')
		log_error(
		    "event=warning message=\"running as root: set user\"");
	if (geteuid() == 0 && cfg.user[0] != '\0' &&
	    listen_drop_privileges(cfg.user, err, sizeof(err)) != 0) {
		fprintf(stderr, "statusd: %s\n", err);
		return 1;
	}
	db_settings.url = cfg.database_url;
	db_settings.public_domain = cfg.public_domain;
	db_settings.statement_timeout_ms = cfg.statement_timeout_ms;
	if (migrate_in_child() != 0) {
		fprintf(
		    stderr, "statusd: database migration failed (see log)\n");
		return 1;
	}
	db_configure(&db_settings);
	auth_configure(&auth_settings);
	handler_settings.archive_retention_days = cfg.archive_retention_days;
	handler_settings.subscriber_quota = cfg.subscriber_quota;
	handler_settings.summary_v1_max_pages = cfg.summary_v1_max_pages;
	/* cursor_secret is required (config_check_secrets): cursors must
	 * survive a restart and cross hosts. */
	if (cursor_key_init(&handler_settings.cursor_key, cfg.cursor_secret,
	        cfg.cursor_secret_previous) != 0) {
		fprintf(stderr, "statusd: cursor key failed\n");
		return 1;
	}
	handlers_configure(&handler_settings);
	memset(&ms, 0, sizeof(ms));
	ms.workers = cfg.workers;
	ms.shutdown_seconds = 30;
	ms.worker.listen_fd = fd;
	ms.worker.max_requests = cfg.max_requests;
	ms.worker.max_body_bytes = cfg.max_body_bytes;
	ms.worker.test_fault_injection = cfg.test_fault_injection;
	if (cfg.test_fault_injection)
		log_error(
		    "event=warning message=\"test_fault_injection is on: "
		    "requests may kill workers on purpose; never use this "
		    "in production\"");
	return master_run(&ms);
}
