#include "doctor.h"

#include <errno.h>
#include <grp.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"

#define TIMEOUT_S 3

enum result { OK, FAIL, SKIP };

struct report {
	int json;
	json_t *checks; /* with --json: collected, printed at the end */
	int failed;
};

static void note(struct report *r, enum result res, const char *check,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
note(struct report *r, enum result res, const char *check, const char *fmt, ...)
{
	static const char *const words[] = { "ok", "FAIL", "skip" };
	char detail[1400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (res == FAIL)
		r->failed++;
	if (r->json)
		json_array_append_new(r->checks,
		    json_pack("{s:s,s:s,s:s}", "check", check, "result",
		        res == OK         ? "ok"
		            : res == FAIL ? "fail"
		                          : "skip",
		        "detail", detail));
	else
		printf("%-4s  %-9s %s\n", words[res], check, detail);
}

/* --- configuration and secrets ------------------------------------------ */

static int
check_config(struct report *r, const char *path, struct config *cfg)
{
	const char *env = getenv("DATABASE_URL");
	char err[512];

	config_defaults(cfg);
	if (config_load(cfg, path, err, sizeof(err)) != 0) {
		note(r, FAIL, "config", "%s", err);
		return -1;
	}
	if (env != NULL && *env != '\0' &&
	    config_set(cfg, "database_url", env, err, sizeof(err)) != 0) {
		note(r, FAIL, "config", "DATABASE_URL: %s", err);
		return -1;
	}
	if (cfg->database_url[0] == '\0') {
		note(r, FAIL, "config", "%s: database_url is not set", path);
		return -1;
	}
	note(r, OK, "config", "%s parsed", path);
	return 0;
}

static void
secret_problem(void *ctx, const char *key, const char *problem)
{
	note(ctx, FAIL, "secrets", "%s: %s", key, problem);
}

static void
check_secrets(struct report *r, const struct config *cfg)
{
	int n = config_secret_problems(cfg, secret_problem, r);
	struct subscriber_keys keys;
	char err[512];

	if (cfg->jwt_rs256_public_key_file[0] != '\0' &&
	    access(cfg->jwt_rs256_public_key_file, R_OK) != 0)
		n++,
		    note(r, FAIL, "secrets",
		        "jwt_rs256_public_key_file: %s: %s",
		        cfg->jwt_rs256_public_key_file, strerror(errno));
	/* What statusd itself refuses to start without. */
	if (config_subscriber_keys(cfg, &keys, err, sizeof(err)) != 0)
		n++, note(r, FAIL, "secrets", "%s", err);
	if (n == 0)
		note(r, OK, "secrets", "present and strong");
}

/* --- database ------------------------------------------------------------ */

/* libpq's message without its trailing newline (it names the server, never
 * the password). */
static const char *
first_line(PGconn *conn, char *buf, size_t len)
{
	snprintf(buf, len, "%s", PQerrorMessage(conn));
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void
check_database(struct report *r, const struct config *cfg)
{
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { cfg->database_url, "3", NULL };
	PGconn *conn = PQconnectdbParams(keys, vals, 1);
	char msg[256];
	int have, need = db_schema_version();

	if (PQstatus(conn) != CONNECTION_OK) {
		note(r, FAIL, "database", "unreachable: %s",
		    first_line(conn, msg, sizeof(msg)));
		note(r, SKIP, "schema", "database unreachable");
		PQfinish(conn);
		return;
	}
	note(r, OK, "database", "reachable (server %d)", PQserverVersion(conn));
	have = migrate_current(conn);
	PQfinish(conn);
	if (have < 0)
		note(r, FAIL, "schema", "cannot read schema_migrations");
	else if (have < need)
		note(r, FAIL, "schema",
		    "at version %d, this statusd needs %d (run statusctl "
		    "migrate)",
		    have, need);
	else
		note(r, OK, "schema", "at version %d (this statusd needs %d)",
		    have, need);
}

/* --- socket -------------------------------------------------------------- */

static int
connect_with_timeout(int family, const struct sockaddr *sa, socklen_t len)
{
	struct timeval tv = { TIMEOUT_S, 0 };
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, sa, len) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* host:port, a connected socket or -1. */
static int
connect_tcp(const char *host, const char *port)
{
	struct addrinfo hints, *ai = NULL;
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = connect_with_timeout(ai->ai_family, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	return fd;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	return connect_with_timeout(
	    AF_UNIX, (const struct sockaddr *)&sa, sizeof(sa));
}

static void
check_tcp_listen(struct report *r, const char *addr)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	int fd;

	snprintf(host, sizeof(host), "%.*s", (int)(colon - addr), addr);
	fd = connect_tcp(host[0] ? host : "127.0.0.1", colon + 1);
	if (fd < 0) {
		note(r, FAIL, "socket", "nothing accepts connections on %s",
		    addr);
		return;
	}
	close(fd);
	note(r, OK, "socket", "statusd accepts connections on %s", addr);
}

/* What is wrong with the socket file at cfg->listen (into msg), or 0 when
 * its type, mode and group are as the configuration says. */
static int
socket_file_problem(
    const struct config *cfg, struct stat *st, char *msg, size_t len)
{
	struct group *gr;

	if (stat(cfg->listen, st) != 0)
		snprintf(msg, len, "%s: %s (is statusd running?)", cfg->listen,
		    strerror(errno));
	else if (!S_ISSOCK(st->st_mode))
		snprintf(msg, len, "%s is not a socket", cfg->listen);
	else if ((int)(st->st_mode & 0777) != cfg->socket_mode)
		snprintf(msg, len, "%s has mode 0%o, socket_mode says 0%o",
		    cfg->listen, (unsigned)(st->st_mode & 0777),
		    (unsigned)cfg->socket_mode);
	else if (cfg->socket_group[0] != '\0' &&
	    ((gr = getgrnam(cfg->socket_group)) == NULL ||
	        gr->gr_gid != st->st_gid))
		snprintf(msg, len, "%s is not in group %s (socket_group)",
		    cfg->listen, cfg->socket_group);
	else
		return 0;
	return 1;
}

static void
check_unix_socket(struct report *r, const struct config *cfg)
{
	struct stat st;
	char msg[1200];
	int fd;

	if (socket_file_problem(cfg, &st, msg, sizeof(msg))) {
		note(r, FAIL, "socket", "%s", msg);
		return;
	}
	if ((fd = connect_unix(cfg->listen)) < 0) {
		note(r, FAIL, "socket", "%s: nothing accepts connections (%s)",
		    cfg->listen, strerror(errno));
		return;
	}
	close(fd);
	note(r, OK, "socket", "%s: mode 0%o%s%s, statusd accepts connections",
	    cfg->listen, (unsigned)(st.st_mode & 0777),
	    cfg->socket_group[0] ? ", group " : "", cfg->socket_group);
}

/* --- nginx --------------------------------------------------------------- */

/* May user (uid, its groups) do `want` (a mode bit triple: 4, 2, 1) on st? */
static int
permits(const struct stat *st, uid_t uid, const gid_t *groups, int ngroups,
    unsigned want)
{
	int i;

	if (uid == 0)
		return 1;
	if (st->st_uid == uid)
		return ((st->st_mode >> 6) & want) == want;
	for (i = 0; i < ngroups; i++)
		if (groups[i] == st->st_gid)
			return ((st->st_mode >> 3) & want) == want;
	return (st->st_mode & want) == want;
}

/* The first directory above path (or path itself) that user may not pass,
 * into bad; 0 when every one is passable and the socket writable. */
static int
reachable_by(const char *path, const struct passwd *pw, char *bad, size_t len)
{
	gid_t groups[256];
	int n = 256;
	char dir[512];
	struct stat st;
	char *slash;

	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		n = 256;
	snprintf(dir, sizeof(dir), "%s", path);
	while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (stat(dir, &st) != 0 ||
		    !permits(&st, pw->pw_uid, groups, n, 1)) {
			snprintf(bad, len, "%s", dir);
			return -1;
		}
	}
	if (stat(path, &st) != 0 || !permits(&st, pw->pw_uid, groups, n, 2)) {
		snprintf(bad, len, "%s", path);
		return -1;
	}
	return 0;
}

static void
check_nginx_user(struct report *r, const struct config *cfg, const char *user)
{
	struct passwd *pw = getpwnam(user);
	char bad[512];

	if (strchr(cfg->listen, '/') == NULL) {
		note(r, SKIP, "nginx",
		    "statusd listens on TCP: give --nginx-url to test nginx");
		return;
	}
	if (pw == NULL) {
		note(r, SKIP, "nginx",
		    "no user %s: give --nginx-user or --nginx-url", user);
		return;
	}
	if (reachable_by(cfg->listen, pw, bad, sizeof(bad)) != 0)
		note(r, FAIL, "nginx",
		    "user %s cannot reach %s (stopped at %s): add it to "
		    "socket_group",
		    user, cfg->listen, bad);
	else
		note(r, OK, "nginx", "user %s may connect to %s", user,
		    cfg->listen);
}

/* GET url/healthz over plain HTTP: the HTTP status, or -1. */
static int
healthz_status(const char *url, char *body, size_t len)
{
	char host[256], port[16] = "80", req[512];
	const char *p = url + strlen("http://"), *end;
	ssize_t got = 0, n;
	int fd, status = -1;

	end = p + strcspn(p, ":/");
	snprintf(host, sizeof(host), "%.*s", (int)(end - p), p);
	if (*end == ':')
		snprintf(port, sizeof(port), "%.*s", (int)strcspn(end + 1, "/"),
		    end + 1);
	if ((fd = connect_tcp(host, port)) < 0)
		return -1;
	n = snprintf(req, sizeof(req),
	    "GET /healthz HTTP/1.0\r\nHost: %s\r\nUser-Agent: "
	    "statusctl\r\n\r\n",
	    host);
	if (write(fd, req, (size_t)n) == n)
		while (got < (ssize_t)len - 1 &&
		    (n = read(fd, body + got, len - 1 - (size_t)got)) > 0)
			got += n;
	close(fd);
	body[got > 0 ? got : 0] = '\0';
	if (sscanf(body, "HTTP/1.%*d %d", &status) != 1)
		return -1;
	return status;
}

static void
check_nginx_url(struct report *r, const char *url)
{
	char body[4096];
	int status;

	if (strncmp(url, "http://", 7) != 0) {
		note(r, FAIL, "nginx", "--nginx-url must start with http://");
		return;
	}
	status = healthz_status(url, body, sizeof(body));
	if (status < 0)
		note(r, FAIL, "nginx", "nothing answers HTTP at %s", url);
	else if (status == 200 && strstr(body, "{\"status\":\"ok\"}") != NULL)
		note(r, OK, "nginx", "%s/healthz reaches statusd", url);
	else if (status == 502 || status == 504)
		note(r, FAIL, "nginx",
		    "%s/healthz is %d: nginx cannot reach statusd's socket",
		    url, status);
	else
		note(r, FAIL, "nginx",
		    "%s/healthz is %d: is the statusd site enabled there?", url,
		    status);
}

static void
print_json(struct report *r)
{
	json_t *doc =
	    json_pack("{s:b,s:o}", "ok", r->failed == 0, "checks", r->checks);
	char *text = json_dumps(doc, JSON_INDENT(2));

	if (text != NULL)
		printf("%s\n", text);
	free(text);
	json_decref(doc);
}

int
doctor_run(const struct doctor_input *in)
{
	struct report r = { in->json, NULL, 0 };
	struct config cfg;

	if (r.json)
		r.checks = json_array();
	if (check_config(&r, in->config_path, &cfg) == 0) {
		check_secrets(&r, &cfg);
		if (!in->offline) {
			check_database(&r, &cfg);
			if (strchr(cfg.listen, '/') != NULL)
				check_unix_socket(&r, &cfg);
			else
				check_tcp_listen(&r, cfg.listen);
			if (in->nginx_url != NULL)
				check_nginx_url(&r, in->nginx_url);
			else
				check_nginx_user(&r, &cfg,
				    in->nginx_user ? in->nginx_user
				                   : "www-data");
		}
	}
	if (r.json)
		print_json(&r);
	return r.failed == 0 ? 0 : 1;
}
