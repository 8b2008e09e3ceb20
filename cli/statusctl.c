/*
 * statusctl: the operator's command line. Talks to PostgreSQL directly with
 * the same configuration file as statusd.
 *
 *   statusctl [-c config] migrate
 *   statusctl [-c config] token create --cloud C --email E --scopes "S ..."
 *                                      [--expires RFC3339 | --days N]
 *                                      [--trusted]
 *   statusctl [-c config] token list [--cloud C] [--json]
 *   statusctl [-c config] token revoke ID
 *   statusctl [-c config] token rotate ID   a new secret for the same token
 *   statusctl [-c config] purge      erase pages deleted permanently more
 *                                    than archive_retention_days ago (as
 *                                    statusd-notify's purge job does)
 *   statusctl [-c config] deliveries --cloud C (--subscriber ID | --event ID)
 *                                    [--limit N] [--json]
 *                                    recent delivery attempts
 *   statusctl [-c config] outbox [--json]  outbox depth and age, attempts
 *                                    by outcome
 *   statusctl [-c config] doctor [--nginx-url URL | --nginx-user U] [--json]
 *   statusctl [-c config] config check [--json]
 *   statusctl [-c config] config show [--json]
 *
 * Unknown options, missing values and stray arguments are errors (exit 2).
 * Commands that change data say on stderr which configuration file and
 * which database they act on.
 */
#include <libpq-fe.h>
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
#include "db/deliveries.h"
#include "db/idempotency.h"
#include "db/jobs.h"
#include "db/tokens.h"
#include "doctor.h"
#include "listing.h"
#include "log.h"
#include "scope.h"

static struct config cfg;
static struct db_settings dbs;
static const char *config_path;
static int config_unread; /* allowed when DATABASE_URL is set */
static int database_url_from_env;

/*
 * The command table. Every command declares its options and how many
 * positional arguments it takes; one parser enforces them for all, so an
 * option that is not in the table (`token list --all`), an option
 * without its value (or a value given to a flag), one given twice or a
 * stray argument is an error (exit
 * 2, with the usage text), never silently ignored. A new command is one row
 * here and one run function.
 */
enum { MAX_OPTIONS = 8, MAX_POSITIONALS = 2 };

struct option_def {
	const char *name; /* "--cloud" */
	int required;
	int flag; /* takes no value; its value is then "yes" */
};

struct args {
	const char *value[MAX_OPTIONS]; /* by index in the command's options */
	const char *positional[MAX_POSITIONALS];
	int npositional;
};

struct command {
	const char *words; /* "token create": the words that select it */
	const char *synopsis; /* what follows the words in the usage text */
	struct option_def options[MAX_OPTIONS]; /* ends at a NULL name */
	int min_positional, max_positional;
	int changes_data; /* says on stderr which config and database */
	int (*run)(
	    struct arena *a, const struct command *c, const struct args *args);
	int own_config; /* reads the configuration itself (doctor) */
};

static const struct command commands[];

static void
usage(void)
{
	const struct command *c;

	fputs("usage:", stderr);
	for (c = commands; c->words != NULL; c++)
		fprintf(stderr, "%s statusctl [-c config] %s%s%s\n",
		    c == commands ? "" : "      ", c->words,
		    c->synopsis[0] != '\0' ? " " : "", c->synopsis);
	fputs("scopes: full names, or \"all\" for the twelve scopes\n"
	      "config: -c, else $STATUSD_CONF, else ./var/statusd.conf when "
	      "it exists, else /etc/statusd/statusd.conf; DATABASE_URL "
	      "overrides database_url\n",
	    stderr);
	exit(2);
}

/* A mistake in how statusctl was called: says what, then the usage. */
static void
usage_error(const char *what, const char *detail)
{
	fprintf(stderr, "statusctl: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	usage();
}

static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "statusctl: %s%s%s\n", what, detail ? ": " : "",
	    detail ? detail : "");
	exit(1);
}

static int
option_index(const struct command *c, const char *name)
{
	int i;

	for (i = 0; i < MAX_OPTIONS && c->options[i].name != NULL; i++)
		if (strcmp(c->options[i].name, name) == 0)
			return i;
	return -1;
}

/* The value of option NAME, NULL when not given. NAME must be one of the
 * command's options (a typo here is a bug, caught at once). */
static const char *
opt(const struct command *c, const struct args *args, const char *name)
{
	int i = option_index(c, name);

	if (i < 0) {
		fprintf(stderr, "statusctl: bug: %s has no option %s\n",
		    c->words, name);
		abort();
	}
	return args->value[i];
}

/* "--name value" or "--name=value". */
static int
parse_option(
    const struct command *c, struct args *args, int argc, char **argv, int at)
{
	char name[64];
	const char *arg = argv[at], *eq = strchr(arg, '='), *value;
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	int i, used = 1;

	if (len >= sizeof(name))
		usage_error("unknown option", arg);
	memcpy(name, arg, len);
	name[len] = '\0';
	if ((i = option_index(c, name)) < 0)
		usage_error("unknown option", name);
	if (c->options[i].flag && eq != NULL)
		usage_error("option takes no value", name);
	if (c->options[i].flag)
		value = "yes";
	else if (eq != NULL)
		value = eq + 1;
	else if (at + 1 < argc)
		value = argv[at + 1], used = 2;
	else
		usage_error("option needs a value", name);
	if (args->value[i] != NULL)
		usage_error("option given twice", name);
	args->value[i] = value;
	return used;
}

static void
parse_args(const struct command *c, struct args *args, int argc, char **argv)
{
	int at = 0, i;

	memset(args, 0, sizeof(*args));
	while (at < argc) {
		if (argv[at][0] == '-' && argv[at][1] != '\0') {
			at += parse_option(c, args, argc, argv, at);
			continue;
		}
		if (args->npositional == c->max_positional)
			usage_error("unexpected argument", argv[at]);
		args->positional[args->npositional++] = argv[at++];
	}
	if (args->npositional < c->min_positional)
		usage_error("missing argument", c->synopsis);
	for (i = 0; i < MAX_OPTIONS && c->options[i].name != NULL; i++)
		if (c->options[i].required && args->value[i] == NULL)
			usage_error("missing option", c->options[i].name);
}

/* Finds the command whose words start argv; *used is how many it took. */
static const struct command *
find_command(int argc, char **argv, int *used)
{
	const struct command *c;
	char words[64];
	int n;

	for (c = commands; c->words != NULL; c++) {
		words[0] = '\0';
		for (n = 0; n < argc && n < 2; n++) {
			if (n > 0)
				strncat(words, " ",
				    sizeof(words) - strlen(words) - 1);
			strncat(
			    words, argv[n], sizeof(words) - strlen(words) - 1);
			if (strcmp(words, c->words) == 0) {
				*used = n + 1;
				return c;
			}
		}
	}
	return NULL;
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

	config_path = path;
	database_url_from_env = env != NULL && *env != '\0';
	config_defaults(&cfg);
	config_unread = config_load(&cfg, path, err, sizeof(err)) != 0;
	if (config_unread && !database_url_from_env)
		die("cannot read configuration", err);
	if (database_url_from_env &&
	    config_set(&cfg, "database_url", env, err, sizeof(err)) != 0)
		die("DATABASE_URL", err);
	dbs.url = cfg.database_url;
	dbs.public_domain = cfg.public_domain;
	dbs.statement_timeout_ms = 30000;
	db_configure(&dbs);
}

/* One connection setting as libpq will use it: the URL's, else libpq's
 * default (environment, then compiled in). */
static const char *
conn_setting(PQconninfoOption *url, PQconninfoOption *defaults, const char *key)
{
	PQconninfoOption *o;

	for (o = url; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL &&
		    *o->val != '\0')
			return o->val;
	for (o = defaults; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0 && o->val != NULL &&
		    *o->val != '\0')
			return o->val;
	return "(default)";
}

/*
 * Tells the operator, on stderr, what a command that changes data acts on:
 * the configuration file and the database by host, port, name and user. The
 * password is never printed: only these four keys are read from the URL.
 */
static void
say_target(void)
{
	PQconninfoOption *url = PQconninfoParse(cfg.database_url, NULL);
	PQconninfoOption *defaults = PQconndefaults();

	fprintf(stderr,
	    "statusctl: configuration %s%s%s; database host=%s port=%s "
	    "dbname=%s user=%s\n",
	    config_path, config_unread ? " (not read)" : "",
	    database_url_from_env ? " (database_url from DATABASE_URL)" : "",
	    conn_setting(url, defaults, "host"),
	    conn_setting(url, defaults, "port"),
	    conn_setting(url, defaults, "dbname"),
	    conn_setting(url, defaults, "user"));
	PQconninfoFree(url);
	PQconninfoFree(defaults);
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
cmd_migrate(struct arena *a, const struct command *c, const struct args *args)
{
	char err[512] = "";
	long rerendered;
	int v = db_migrate(&dbs, &rerendered, err, sizeof(err));

	(void)a, (void)c, (void)args;
	if (v < 0)
		die("migration failed", err);
	printf("schema up to date: %d migrations applied\n", v);
	if (rerendered > 0)
		printf("rendered %ld page document%s again for the current "
		       "definitions and public_domain\n",
		    rerendered, rerendered == 1 ? "" : "s");
	return 0;
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
cmd_token_create(
    struct arena *a, const struct command *c, const struct args *args)
{
	const char *cloud = opt(c, args, "--cloud");
	const char *email = opt(c, args, "--email");
	const char *scopes = opt(c, args, "--scopes");
	const char *expires = opt(c, args, "--expires");
	const char *days = opt(c, args, "--days");
	char token[64], id[37], names[1024];
	unsigned char digest[SHA256_LEN];
	struct sd_error err;
	unsigned mask;

	if (expires != NULL && days != NULL)
		usage_error("--expires and --days exclude each other", NULL);
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
	    crypto_uuid_v4(id) != 0)
		die("random source failed", NULL);
	scope_format_list(mask, names, sizeof(names));
	if (db_token_insert(a, cloud, id, digest, email, names, expires,
	        opt(c, args, "--trusted") != NULL, &err) != SD_OK)
		die("cannot create the token", err.message);
	printf("%s\n", token);
	fprintf(stderr, "token id %s for %s on cloud %s (shown once)\n", id,
	    email, cloud);
	return 0;
}

static int
cmd_token_list(
    struct arena *a, const struct command *c, const struct args *args)
{
	struct listing *list = listing_new(opt(c, args, "--json") != NULL);
	struct sd_error err;

	db_or_die();
	if (db_token_list(
	        a, opt(c, args, "--cloud"), listing_token, list, &err) != SD_OK)
		die("cannot list tokens", err.message);
	listing_finish(list);
	return 0;
}

static int
cmd_token_rotate(
    struct arena *a, const struct command *c, const struct args *args)
{
	const char *id = args->positional[0];
	unsigned char digest[SHA256_LEN];
	char token[64];
	struct sd_error err;

	(void)c;
	if (!crypto_uuid_valid(id))
		die("not a token id", id);
	db_or_die();
	if (api_token_new(token, sizeof(token), digest) != 0)
		die("random source failed", NULL);
	if (db_token_rotate(a, id, digest, &err) != SD_OK)
		die("no active token with this id", NULL);
	printf("%s\n", token);
	fprintf(stderr,
	    "token %s has a new secret (shown once); the old one stops "
	    "working within token_cache_seconds (%d s)\n",
	    id, cfg.token_cache_seconds);
	return 0;
}

static int
cmd_doctor(struct arena *a, const struct command *c, const struct args *args)
{
	struct doctor_input in;

	(void)a;
	memset(&in, 0, sizeof(in));
	in.config_path = config_path;
	in.offline = strcmp(c->words, "config check") == 0;
	in.nginx_url = in.offline ? NULL : opt(c, args, "--nginx-url");
	in.nginx_user = in.offline ? NULL : opt(c, args, "--nginx-user");
	in.json = opt(c, args, "--json") != NULL;
	return doctor_run(&in);
}

static int
cmd_config_show(
    struct arena *a, const struct command *c, const struct args *args)
{
	(void)a;
	listing_config(&cfg, opt(c, args, "--json") != NULL);
	return 0;
}

static int
cmd_token_revoke(
    struct arena *a, const struct command *c, const struct args *args)
{
	const char *id = args->positional[0];
	struct sd_error err;

	(void)c;
	if (!crypto_uuid_valid(id))
		die("not a token id", id);
	db_or_die();
	if (db_token_revoke(a, id, &err) != SD_OK)
		die("no active token with this id", NULL);
	printf("revoked %s\n", id);
	return 0;
}

static int
cmd_purge(struct arena *a, const struct command *c, const struct args *args)
{
	struct sd_error err;
	struct purge_counts n;

	(void)c, (void)args;
	db_or_die();
	if (db_purge_expired(a, cfg.archive_retention_days, &n, &err) != SD_OK)
		die("purge failed", err.message);
	printf("purged %ld page%s deleted more than %d days ago\n", n.pages,
	    n.pages == 1 ? "" : "s", cfg.archive_retention_days);
	printf("forgot %ld idempotency key%s older than %d hours\n",
	    n.idempotency_keys, n.idempotency_keys == 1 ? "" : "s",
	    IDEMPOTENCY_KEEP_HOURS);
	printf("forgot %ld spent captcha%s past their expiry\n", n.captchas,
	    n.captchas == 1 ? "" : "s");
	return 0;
}

/* "--limit N", 1..1000; 20 when absent. */
static int
listing_limit(const char *text)
{
	char *end;
	long n;

	if (text == NULL)
		return 20;
	n = strtol(text, &end, 10);
	if (*text == '\0' || *end != '\0' || n < 1 || n > 1000)
		die("--limit", "expected a number from 1 to 1000");
	return (int)n;
}

static int
cmd_deliveries(
    struct arena *a, const struct command *c, const struct args *args)
{
	const char *subscriber = opt(c, args, "--subscriber");
	const char *event = opt(c, args, "--event");
	const char *id = subscriber != NULL ? subscriber : event;
	int limit = listing_limit(opt(c, args, "--limit"));
	struct listing *list;
	struct sd_error err;

	if ((subscriber == NULL) == (event == NULL))
		usage_error("give one of --subscriber and --event", NULL);
	if (!crypto_uuid_valid(id))
		die(subscriber ? "not a subscriber id" : "not an event id", id);
	db_or_die();
	list = listing_new(opt(c, args, "--json") != NULL);
	if (db_attempts_recent(a, opt(c, args, "--cloud"),
	        subscriber ? ATTEMPTS_OF_SUBSCRIBER : ATTEMPTS_OF_EVENT, id,
	        limit, listing_attempt, list, &err) != SD_OK)
		die("cannot list delivery attempts", err.message);
	listing_finish(list);
	return 0;
}

static int
cmd_outbox(struct arena *a, const struct command *c, const struct args *args)
{
	struct outbox_stats o;
	struct sd_error err;

	db_or_die();
	if (db_outbox_stats(a, &o, &err) != SD_OK)
		die("cannot read the outbox", err.message);
	listing_outbox(&o, opt(c, args, "--json") != NULL);
	return 0;
}

#define NO_OPTIONS                                                             \
	{                                                                      \
		{                                                              \
			NULL, 0, 0                                             \
		}                                                              \
	}

static const struct command commands[] = {
	{ "migrate", "", NO_OPTIONS, 0, 0, 1, cmd_migrate, 0 },
	{ "token create",
	    "--cloud C --email E --scopes \"S1 S2 ...\"\n"
	    "                 [--expires 2027-01-01T00:00:00Z | --days N]"
	    " [--trusted]",
	    { { "--cloud", 1, 0 }, { "--email", 1, 0 }, { "--scopes", 1, 0 },
	        { "--expires", 0, 0 }, { "--days", 0, 0 },
	        { "--trusted", 0, 1 }, { NULL, 0, 0 } },
	    0, 0, 1, cmd_token_create, 0 },
	{ "token list", "[--cloud C] [--json]",
	    { { "--cloud", 0, 0 }, { "--json", 0, 1 }, { NULL, 0, 0 } }, 0, 0,
	    0, cmd_token_list, 0 },
	{ "token revoke", "TOKEN_ID", NO_OPTIONS, 1, 1, 1, cmd_token_revoke,
	    0 },
	{ "token rotate", "TOKEN_ID", NO_OPTIONS, 1, 1, 1, cmd_token_rotate,
	    0 },
	{ "purge", "", NO_OPTIONS, 0, 0, 1, cmd_purge, 0 },
	{ "deliveries",
	    "--cloud C (--subscriber ID | --event ID) [--limit N] [--json]",
	    { { "--cloud", 1, 0 }, { "--subscriber", 0, 0 },
	        { "--event", 0, 0 }, { "--limit", 0, 0 }, { "--json", 0, 1 },
	        { NULL, 0, 0 } },
	    0, 0, 0, cmd_deliveries, 0 },
	{ "outbox", "[--json]", { { "--json", 0, 1 }, { NULL, 0, 0 } }, 0, 0, 0,
	    cmd_outbox, 0 },
	{ "doctor",
	    "[--nginx-url http://HOST:PORT | --nginx-user USER] [--json]",
	    { { "--nginx-url", 0, 0 }, { "--nginx-user", 0, 0 },
	        { "--json", 0, 1 }, { NULL, 0, 0 } },
	    0, 0, 0, cmd_doctor, 1 },
	{ "config check", "[--json]", { { "--json", 0, 1 }, { NULL, 0, 0 } }, 0,
	    0, 0, cmd_doctor, 1 },
	{ "config show", "[--json]", { { "--json", 0, 1 }, { NULL, 0, 0 } }, 0,
	    0, 0, cmd_config_show, 0 },
	{ NULL, NULL, NO_OPTIONS, 0, 0, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	const struct command *c;
	const char *conf = NULL;
	struct args args;
	struct arena *a;
	int used, rc;

	argc--, argv++;
	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "-c") != 0)
			usage_error("unknown option", argv[0]);
		if (argc < 2)
			usage_error("option needs a value", "-c");
		conf = argv[1];
		argc -= 2, argv += 2;
	}
	if (argc < 1)
		usage();
	if ((c = find_command(argc, argv, &used)) == NULL)
		usage_error("unknown command", argv[0]);
	parse_args(c, &args, argc - used, argv + used);
	log_info_off();
	if (c->own_config)
		config_path = conf ? conf : default_config_path();
	else
		load_config(conf ? conf : default_config_path());
	if (c->changes_data)
		say_target();
	a = arena_new(8192);
	if (a == NULL)
		die("out of memory", NULL);
	rc = c->run(a, c, &args);
	arena_free(a);
	db_disconnect();
	return rc;
}
