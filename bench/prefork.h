/*
 * bench/prefork.h: the process model shared by the two baseline responders
 * (bench/bare.c, bench/select.c). Each is one translation unit (the Makefile
 * links $(BUILD)/bench/<name>.o alone), so the shared code lives here as
 * static inline functions.
 *
 * The master binds a unix socket, forks N workers that each run a plain
 * FCGX_Accept_r loop on it, and waits. SIGTERM or SIGINT stops the workers
 * and removes the socket; a worker that dies is replaced. Workers also get
 * SIGKILL should the master vanish, so no responder outlives a benchmark.
 */
#ifndef BENCH_PREFORK_H
#define BENCH_PREFORK_H

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_MAX_WORKERS 256

struct bench_opts {
	const char *socket_path;
	const char *database_url; /* select only */
	int workers;
};

/* Runs in each worker after fork; returns the worker's exit code. */
typedef int (*bench_worker_fn)(int listen_fd, const struct bench_opts *o);

static inline void
bench_usage(const char *prog, int with_db)
{
	fprintf(stderr, "usage: %s -s SOCKET [-w WORKERS]%s\n", prog,
	    with_db ? " [-d DATABASE_URL]" : "");
	exit(2);
}

static inline void
bench_parse_args(int argc, char **argv, int with_db, struct bench_opts *o)
{
	int c;
	char *end;
	long n;

	memset(o, 0, sizeof(*o));
	o->workers = 4;
	while ((c = getopt(argc, argv, with_db ? "s:w:d:" : "s:w:")) != -1) {
		switch (c) {
		case 's': o->socket_path = optarg; break;
		case 'd': o->database_url = optarg; break;
		case 'w':
			n = strtol(optarg, &end, 10);
			if (*end != '\0' || n < 1 || n > BENCH_MAX_WORKERS)
				bench_usage(argv[0], with_db);
			o->workers = (int)n;
			break;
		default: bench_usage(argv[0], with_db);
		}
	}
	if (o->socket_path == NULL || optind != argc)
		bench_usage(argv[0], with_db);
	if (with_db && o->database_url == NULL)
		o->database_url = getenv("DATABASE_URL");
	if (with_db && o->database_url == NULL) {
		fprintf(stderr,
		    "%s: -d DATABASE_URL (or $DATABASE_URL) needed\n", argv[0]);
		exit(2);
	}
}

/* A blocking unix listening socket, mode 0777 (the nginx workers may run as
 * another user). Same backlog as statusd. */
static inline int
bench_listen(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0777) != 0 || listen(fd, 1024) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static inline pid_t
bench_spawn(int fd, const struct bench_opts *o, bench_worker_fn fn)
{
	pid_t parent = getpid();
	pid_t pid = fork();
	sigset_t none;

	if (pid != 0)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	_exit(fn(fd, o));
}

static inline int
bench_main(int argc, char **argv, int with_db, bench_worker_fn fn)
{
	static pid_t pids[BENCH_MAX_WORKERS];
	struct bench_opts o;
	sigset_t set;
	int fd, i, sig, status;
	pid_t pid;

	bench_parse_args(argc, argv, with_db, &o);
	fd = bench_listen(o.socket_path);
	if (fd < 0)
		return 1;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (i = 0; i < o.workers; i++)
		pids[i] = bench_spawn(fd, &o, fn);
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (i = 0; i < o.workers; i++)
				if (pids[i] == pid) {
					fprintf(stderr,
					    "%s: worker %d exited (status "
					    "%d), replacing it\n",
					    argv[0], (int)pid, status);
					sleep(1); /* no tight crash loop */
					pids[i] = bench_spawn(fd, &o, fn);
				}
	}
	for (i = 0; i < o.workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	unlink(o.socket_path);
	return 0;
}

/* The headers statusd sends on a 200 (fcgi/response.c), X-Request-Id
 * included: nginx passes one in HTTP_X_REQUEST_ID, as to statusd. */
static inline void
bench_respond(FCGX_Request *r, int status, const char *reason, const char *body,
    size_t len)
{
	const char *rid = FCGX_GetParam("HTTP_X_REQUEST_ID", r->envp);
	char head[512];
	int n;

	n = snprintf(head, sizeof(head),
	    "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Request-Id: %.128s\r\n"
	    "\r\n",
	    status, reason, len, rid ? rid : "-");
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	FCGX_PutStr(head, n, r->out);
	FCGX_PutStr(body, (int)len, r->out);
}

#endif
