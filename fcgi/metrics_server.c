#include "metrics_server.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"
#include "log.h"
#include "prometheus.h"

#define READ_TIMEOUT_S 2
#define WRITE_TIMEOUT_S 5

static int listen_fd = -1;
static pid_t server_pid;
static time_t respawn_at;

int
metrics_server_configured(const char *addr)
{
	return addr[0] != '\0' && strcmp(addr, "off") != 0;
}

int
metrics_server_open(const char *addr, char *err, size_t errlen)
{
	if (!metrics_server_configured(addr))
		return 0;
	listen_fd = listen_open(addr, 0660, NULL, err, errlen);
	return listen_fd < 0 ? -1 : 0;
}

/* The end of the request line, or NULL while it is incomplete. */
static const char *
line_end(const char *buf, size_t len)
{
	return memchr(buf, '\n', len);
}

static int
head_complete(const char *buf, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++)
		if (buf[i] == '\n' &&
		    (buf[i - 1] == '\n' ||
		        (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')))
			return 1;
	return 0;
}

static int
starts_with(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);

	return (size_t)(end - p) >= n && memcmp(p, word, n) == 0;
}

/* "METHOD SP TARGET SP HTTP/1.x" between buf and eol. */
static enum metrics_http
classify_line(const char *buf, const char *eol)
{
	const char *sp1, *sp2, *target;
	int head;

	if (eol > buf && eol[-1] == '\r')
		eol--;
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	if (sp1 == NULL)
		return METRICS_HTTP_BAD;
	target = sp1 + 1;
	sp2 = memchr(target, ' ', (size_t)(eol - target));
	if (sp2 == NULL || !starts_with(sp2 + 1, eol, "HTTP/1.") ||
	    eol - (sp2 + 1) != 8)
		return METRICS_HTTP_BAD;
	head = sp1 - buf == 4 && memcmp(buf, "HEAD", 4) == 0;
	if (!head && !(sp1 - buf == 3 && memcmp(buf, "GET", 3) == 0))
		return METRICS_HTTP_BAD_METHOD;
	if (!starts_with(target, sp2, "/metrics") ||
	    (sp2 - target > 8 && target[8] != '?'))
		return METRICS_HTTP_NOT_FOUND;
	return head ? METRICS_HTTP_METRICS_HEAD : METRICS_HTTP_METRICS;
}

enum metrics_http
metrics_http_classify(const char *buf, size_t len)
{
	const char *eol = line_end(buf, len);

	if (eol == NULL || !head_complete(buf, len))
		return len >= METRICS_HTTP_HEAD_MAX ? METRICS_HTTP_BAD
		                                    : METRICS_HTTP_INCOMPLETE;
	return classify_line(buf, eol);
}

static int
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void
respond(int fd, const char *status, const char *type, const char *body,
    size_t len, int with_body)
{
	char head[256];
	int n;

	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
	    status, type, len);
	if (write_all(fd, head, (size_t)n) == 0 && with_body)
		write_all(fd, body, len);
}

static void
respond_error(int fd, const char *status, const char *json)
{
	respond(fd, status, "application/json", json, strlen(json), 1);
}

static void
respond_metrics(int fd, int with_body)
{
	static struct metrics_slot sum; /* large: not on the stack */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int bad;

	if (f == NULL) {
		respond_error(fd, "500 Internal Server Error",
		    "{\"error\":\"out of memory\"}");
		return;
	}
	metrics_snapshot(&sum);
	bad = metrics_render(f, &sum);
	bad |= metrics_render_outbox(f);
	if (fclose(f) != 0 || bad)
		respond_error(fd, "500 Internal Server Error",
		    "{\"error\":\"out of memory\"}");
	else
		respond(fd, "200 OK",
		    "text/plain; version=0.0.4; charset=utf-8", text, len,
		    with_body);
	free(text);
}

static enum metrics_http
read_head(int fd)
{
	char buf[METRICS_HTTP_HEAD_MAX];
	size_t len = 0;
	ssize_t r;
	enum metrics_http kind = METRICS_HTTP_INCOMPLETE;

	while (kind == METRICS_HTTP_INCOMPLETE) {
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return METRICS_HTTP_INCOMPLETE; /* gone, or too slow */
		len += (size_t)r;
		kind = metrics_http_classify(buf, len);
	}
	return kind;
}

/* Reads what the client still sends (a body we did not want) for a
 * moment before closing: closing with unread input would reset the
 * connection, and the client could lose the answer. */
static void
drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[4096];
	int rounds;

	shutdown(fd, SHUT_WR);
	for (rounds = 0; rounds < 16 && poll(&p, 1, 200) > 0; rounds++)
		if (read(fd, buf, sizeof(buf)) <= 0)
			return;
}

static void
serve_connection(int fd)
{
	struct timeval rt = { READ_TIMEOUT_S, 0 }, wt = { WRITE_TIMEOUT_S, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof(rt));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &wt, sizeof(wt));
	switch (read_head(fd)) {
	case METRICS_HTTP_INCOMPLETE: break;
	case METRICS_HTTP_METRICS: respond_metrics(fd, 1); break;
	case METRICS_HTTP_METRICS_HEAD: respond_metrics(fd, 0); break;
	case METRICS_HTTP_NOT_FOUND:
		respond_error(fd, "404 Not Found", "{\"error\":\"not found\"}");
		break;
	case METRICS_HTTP_BAD_METHOD:
		respond_error(fd, "405 Method Not Allowed",
		    "{\"error\":\"method not allowed\"}");
		break;
	case METRICS_HTTP_BAD:
		respond_error(
		    fd, "400 Bad Request", "{\"error\":\"bad request\"}");
		break;
	}
	drain(fd);
}

static void
become_listener(pid_t master)
{
	struct sigaction sa;
	sigset_t none;

	log_process_started();
	/* Told apart from the workers in ps and /proc. */
	prctl(PR_SET_NAME, "statusd-metrics");
	/* Its own statements (one per scrape, for the outbox figures) count
	 * in the master's slot, not in a worker's. */
	metrics_use_slot(-1);
	/* It goes when the master goes, whatever killed the master. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != master)
		_exit(0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

static void
serve_forever(void)
{
	struct pollfd p = { .fd = listen_fd, .events = POLLIN };
	int fd;

	for (;;) {
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			_exit(1);
		fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_connection(fd);
		close(fd);
	}
}

void
metrics_server_ensure(void)
{
	pid_t master = getpid();
	time_t now = time(NULL);

	if (listen_fd < 0 || server_pid > 0 || now < respawn_at)
		return;
	server_pid = fork();
	if (server_pid == 0) {
		become_listener(master);
		serve_forever();
	}
	if (server_pid < 0) {
		log_error("event=fork_failed what=metrics errno=%d", errno);
		server_pid = 0;
		respawn_at = now + 1;
	}
}

int
metrics_server_reaped(pid_t pid)
{
	if (server_pid <= 0 || pid != server_pid)
		return 0;
	log_error("event=metrics_listener_exited listener=%d", (int)pid);
	server_pid = 0;
	respawn_at = time(NULL) + 1;
	return 1;
}

void
metrics_server_stop(void)
{
	if (server_pid <= 0)
		return;
	kill(server_pid, SIGTERM);
	waitpid(server_pid, NULL, 0);
	server_pid = 0;
}
