/*
 * statusctl: the operator's command line. Talks to PostgreSQL directly with
 * the same configuration file as statusd.
 *
 *   statusctl [-c config] migrate
 *   statusctl [-c config] token create --cloud C --email E --scopes "S ..."
 *                                      [--expires RFC3339 | --days N]
 *   statusctl [-c config] token list [--cloud C]
 *   statusctl [-c config] token revoke ID
 *   statusctl [-c config] purge      erase pages deleted permanently more
 *                                    than archive_retention_days ago
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api_token.h"
#include "arena.h"
#include "config.h"
#include "crypto.h"
#include "db/db.h"
#include "db/idempotency.h"
#include "db/pages.h"
#include "db/tokens.h"
#include "log.h"
#include "scope.h"

static struct config cfg;
static struct db_settings dbs;

static void
usage(void)
{
	fprintf(stderr,
	    "usage: statusctl [-c config] migrate\n"
	    "       statusctl [-c config] token create --cloud C --email E "
	    "--scopes \"S1 S2 ...\"\n"
	    "                 [--expires 2027-01-01T00:00:00Z | --days N]\n"
	    "       statusctl [-c config] token list [--cloud C]\n"
	    "       statusctl [-c config] token revoke TOKEN_ID\n"
	    "       statusctl [-c config] purge\n"
	    "scopes: full names, or \"all\" for the twelve scopes\n"
	    "config: -c, else $STATUSD_CONF, else ./var/statusd.conf when it "
	    "exists, else /etc/statusd/statusd.conf; DATABASE_URL overrides\n");
	exit(2);
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "statusctl: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(1);
}

static const char *
default_config_path(void)
{
	const char *env = getenv("STATUSD_CONF");

	if (env != NULL && *env != '\0')
		return env;
	if (access("var/statusd.conf", R_OK) == 0)
		return "var/statusd.conf";
	return "/etc/statusd/statusd.conf";
}

static void
load_config(const char *path)
{
	char err[512];
	const char *env = getenv("DATABASE_URL");

	config_defaults(&cfg);
	if (config_load(&cfg, path, err, sizeof(err)) != 0 &&
	    (env == NULL || *env == '\0'))
		die("cannot read configuration", err);
	if (env != NULL && *env != '\0' &&
	    config_set(&cfg, "database_url", env, err, sizeof(err)) != 0)
		die("DATABASE_URL", err);
	dbs.url = cfg.database_url;
	dbs.public_domain = cfg.public_domain;
	dbs.statement_timeout_ms = 30000;
	db_configure(&dbs);
}

static void
db_or_die(void)
{
	struct sd_error err;

	if (db_ready(&err) != SD_OK)
		die("database unavailable",
		    "is it running and migrated (statusctl migrate)?");
}

static int
cmd_migrate(void)
{
	char err[512] = "";
	int v = db_migrate(&dbs, err, sizeof(err));

	if (v < 0)
		die("migration failed", err);
	printf("schema up to date: %d migrations applied\n", v);
	return 0;
}

/* Finds "--name value" in argv; NULL when absent. */
static const char *
option(int argc, char **argv, const char *name)
{
	int i;

	for (i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

/* "--days N" as an RFC 3339 time N days from now. */
static const char *
expiry_in_days(struct arena *a, const char *days)
{
	char *end, buf[32];
	long n = strtol(days, &end, 10);
	time_t t;
	struct tm tm;

	if (*days == '\0' || *end != '\0' || n < 1 || n > 3650)
		die("--days", "expected a number of days from 1 to 3650");
	t = time(NULL) + (time_t)n * 86400;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return arena_strdup(a, buf);
}

static int
cmd_token_create(struct arena *a, int argc, char **argv)
{
	const char *cloud = option(argc, argv, "--cloud");
	const char *email = option(argc, argv, "--email");
	const char *scopes = option(argc, argv, "--scopes");
	const char *expires = option(argc, argv, "--expires");
	const char *days = option(argc, argv, "--days");
	char token[64], id[37], names[1024];
	unsigned char digest[SHA256_LEN];
	struct sd_error err;
	unsigned mask;

	if (cloud == NULL || email == NULL || scopes == NULL)
		usage();
	if (strcmp(scopes, "all") == 0)
		mask = SCOPE_ALL;
	else if (scope_parse_list(scopes, 1, &mask) != 0 || mask == 0)
		die("unknown scope",
		    "use the full names, e.g. "
		    "read:stakeholder-comms.page:jira-service-management");
	if (days != NULL)
		expires = expiry_in_days(a, days);
	db_or_die();
	if (api_token_new(token, sizeof(token), digest) != 0 ||
	    uuid_v4(id) != 0)
		die("random source failed", NULL);
	scope_format_list(mask, names, sizeof(names));
	if (db_token_insert(
	        a, cloud, id, digest, email, names, expires, &err) != SD_OK)
		die("cannot create the token", err.message);
	printf("%s\n", token);
	fprintf(stderr, "token id %s for %s on cloud %s (shown once)\n", id,
	    email, cloud);
	return 0;
}

static void
print_token(const struct token_row *t, void *ctx)
{
	(void)ctx;
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", t->id, t->cloud_id, t->email,
	    t->created_at, t->revoked ? "revoked" : "active", t->scopes);
}

static int
cmd_token(struct arena *a, int argc, char **argv)
{
	struct sd_error err;

	if (argc < 1)
		usage();
	if (strcmp(argv[0], "create") == 0)
		return cmd_token_create(a, argc - 1, argv + 1);
	if (strcmp(argv[0], "list") == 0) {
		db_or_die();
		if (db_token_list(a, option(argc, argv, "--cloud"), print_token,
		        NULL, &err) != SD_OK)
			die("cannot list tokens", err.message);
		return 0;
	}
	if (strcmp(argv[0], "revoke") == 0 && argc == 2) {
		if (!uuid_valid(argv[1]))
			die("not a token id", argv[1]);
		db_or_die();
		if (db_token_revoke(a, argv[1], &err) != SD_OK)
			die("no active token with this id", NULL);
		printf("revoked %s\n", argv[1]);
		return 0;
	}
	usage();
	return 2;
}

static int
cmd_purge(struct arena *a)
{
	struct sd_error err;
	long purged = 0;

	db_or_die();
	if (db_page_purge(a, cfg.archive_retention_days, &purged, &err) !=
	    SD_OK)
		die("purge failed", err.message);
	printf("purged %ld page%s deleted more than %d days ago\n", purged,
	    purged == 1 ? "" : "s", cfg.archive_retention_days);
	if (db_idem_purge(a, &purged, &err) != SD_OK)
		die("purge failed", err.message);
	printf("forgot %ld idempotency key%s older than %d hours\n", purged,
	    purged == 1 ? "" : "s", IDEMPOTENCY_KEEP_HOURS);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	struct arena *a;
	int rc;

	if (argc >= 3 && strcmp(argv[1], "-c") == 0) {
		conf = argv[2];
		argc -= 2;
		argv += 2;
	}
	if (argc < 2)
		usage();
	log_info_off();
	load_config(conf ? conf : default_config_path());
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate();
	a = arena_new(8192);
	if (a == NULL)
		die("out of memory", NULL);
	if (strcmp(argv[1], "token") == 0)
		rc = cmd_token(a, argc - 2, argv + 2);
	else if (strcmp(argv[1], "purge") == 0 && argc == 2)
		rc = cmd_purge(a);
	else
		usage(), rc = 2;
	arena_free(a);
	db_disconnect();
	return rc;
}
