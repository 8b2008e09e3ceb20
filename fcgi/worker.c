#include "worker.h"

#include <errno.h>
#include <fcgiapp.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "db/db.h"
#include "dispatch.h"
#include "handlers/subscription_links.h"
#include "health.h"
#include "log.h"
#include "metrics.h"
#include "parse.h"
#include "response.h"

static volatile sig_atomic_t stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/* The mask ppoll() waits with: everything open, so SIGTERM wakes it. */
static sigset_t wait_mask;

/*
 * SIGTERM and SIGINT stay blocked except while the worker waits for a
 * connection: a stop or reload then never interrupts a request halfway (an
 * interrupted accept or read inside libfcgi would drop the connection
 * nginx already handed over), and the in-flight request always finishes.
 */
static void
install_signals(void)
{
	struct sigaction sa;
	sigset_t stop;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigprocmask(SIG_SETMASK, &stop, NULL);
	sigemptyset(&wait_mask);
}

/* Reads CONTENT_LENGTH bytes of body, refusing more than max. */
static enum sd_status
read_body(
    FCGX_Request *fr, struct request *req, size_t max, struct sd_error *err)
{
	const char *cl = FCGX_GetParam("CONTENT_LENGTH", fr->envp);
	char *end, *buf;
	unsigned long long n;
	size_t got = 0;
	int r;

	req->body = "";
	req->body_len = 0;
	if (cl == NULL || *cl == '\0')
		return SD_OK;
	errno = 0;
	n = strtoull(cl, &end, 10);
	if (errno != 0 || *end != '\0' || cl[0] == '-')
		return sd_fail(
		    err, SD_BAD_REQUEST, "invalid Content-Length", NULL);
	if (n > max)
		return sd_fail(err, SD_TOO_LARGE, "request body too large",
		    "at most %zu bytes", max);
	buf = arena_alloc(req->arena, (size_t)n + 1);
	if (buf == NULL)
		return sd_fail(err, SD_INTERNAL, "out of memory", NULL);
	while (got < n) {
		r = FCGX_GetStr(buf + got, (int)(n - got), fr->in);
		if (r <= 0)
			return sd_fail(err, SD_BAD_REQUEST,
			    "request body shorter than Content-Length", NULL);
		got += (size_t)r;
	}
	buf[n] = '\0';
	req->body = buf;
	req->body_len = (size_t)n;
	return SD_OK;
}

static void
read_request(FCGX_Request *fr, struct request *req, size_t max_body,
    struct response *res)
{
	char **env = fr->envp;
	unsigned char raw[16];
	enum sd_status st;

	req->method = http_method_parse(FCGX_GetParam("REQUEST_METHOD", env));
	req->authorization = FCGX_GetParam("HTTP_AUTHORIZATION", env);
	req->content_type = FCGX_GetParam("CONTENT_TYPE", env);
	req->if_match = FCGX_GetParam("HTTP_IF_MATCH", env);
	req->idempotency_key = FCGX_GetParam("HTTP_IDEMPOTENCY_KEY", env);
	parse_request_id(
	    FCGX_GetParam("HTTP_X_REQUEST_ID", env), req->request_id);
	if (req->request_id[0] == '\0' && crypto_random(raw, sizeof(raw)) == 0)
		crypto_hex_encode(raw, sizeof(raw), req->request_id);
	st = parse_target(req, FCGX_GetParam("REQUEST_URI", env), &res->err);
	if (st == SD_OK)
		st = read_body(fr, req, max_body, &res->err);
	res->status = st;
}

static void
write_response(FCGX_Request *fr, struct request *req, struct response *res)
{
	char head[RESPONSE_HEADERS_MAX];
	size_t head_len;

	if (res->body == NULL)
		res->body =
		    response_error_body(req->arena, &res->err, &res->body_len);
	head_len = response_headers(res, req->request_id, head);
	FCGX_PutStr(head, (int)head_len, fr->out);
	FCGX_PutStr(res->body, (int)res->body_len, fr->out);
}

/* Every value here can be steered by a client (the request id, the path's
 * cloud id, a JWT's subject), so each goes through log_quote. */
static void
log_request(const struct request *req, const struct principal *who,
    const struct response *res, long long dur_us)
{
	char rid[LOG_QUOTED_MAX(REQUEST_ID_MAX)], method[32], route[256],
	    cloud[256], principal[LOG_QUOTED_MAX(sizeof(who->subject))],
	    denied[128];

	/* denied= only on a refused credential: why, which the 401's body
	 * does not say. */
	log_info("event=request rid=%s method=%s route=%s cloud=%s "
	         "principal=%s status=%d dur_us=%lld%s%s",
	    log_quote(rid, sizeof(rid), req->request_id),
	    log_quote(method, sizeof(method), http_method_name(req->method)),
	    log_quote(route, sizeof(route), req->route_pattern),
	    log_quote(cloud, sizeof(cloud), req->cloud_id),
	    log_quote(principal, sizeof(principal),
	        who->subject[0] ? who->subject : NULL),
	    sd_status_http(res->status), dur_us,
	    res->auth_failure ? " denied=" : "",
	    res->auth_failure
	        ? log_quote(denied, sizeof(denied), res->auth_failure)
	        : "");
}

static int fault_injection;

/*
 * Tests only (test_fault_injection = 1): a request carrying
 * X-Statusd-Test-Fault: kill-after-commit kills its worker with SIGKILL
 * after its work committed and before the answer is written, the moment at
 * which an outside kill leaves a client not knowing the outcome. Without
 * the setting the header means nothing.
 */
static void
injected_fault(FCGX_Request *fr, const struct response *res)
{
	const char *f;

	if (!fault_injection ||
	    (res->status != SD_OK && res->status != SD_CREATED))
		return;
	f = FCGX_GetParam("HTTP_X_STATUSD_TEST_FAULT", fr->envp);
	if (f != NULL && strcmp(f, "kill-after-commit") == 0)
		raise(SIGKILL);
}

static void
serve_one(FCGX_Request *fr, struct arena *arena, size_t max_body)
{
	struct request req;
	struct response res;
	struct principal who;
	long long start = metrics_clock_us(), duration;

	memset(&req, 0, sizeof(req));
	memset(&res, 0, sizeof(res));
	memset(&who, 0, sizeof(who));
	req.arena = arena;
	req.route_index = -1;
	read_request(fr, &req, max_body, &res);
	/* The routes outside the API, without credentials, come first. */
	if (res.status == SD_OK && !health_serve(&req, &res) &&
	    !subscription_links_serve(&req, &res))
		dispatch_request(&req, &who, &res);
	injected_fault(fr, &res);
	write_response(fr, &req, &res);
	/* Counted before the response is flushed: a client that has its
	 * answer finds it in the next scrape. */
	duration = metrics_clock_us() - start;
	metrics_request(
	    req.route_index, req.method, sd_status_http(res.status), duration);
	FCGX_Finish_r(fr);
	log_request(&req, &who, &res, duration);
	arena_reset(arena);
}

/* Waits for a connection or a stop signal; 1 when accept should be
 * tried. The only place SIGTERM can arrive. */
static int
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct timespec now = { 0, 0 }, timeout = { 1, 0 };
	sigset_t pending;
	int ready = ppoll(&p, 1, &now, &wait_mask) > 0 && (p.revents & POLLIN);

	/* About to wait: the request lines held so far go out first. */
	if (!ready) {
		log_flush();
		ready = ppoll(&p, 1, &timeout, &wait_mask) > 0 &&
		    (p.revents & POLLIN);
	}

	/* When a connection is already waiting, ppoll returns it and restores
	 * the mask without delivering a pending SIGTERM: under steady load
	 * the signal would wait forever (a dead master's workers would serve
	 * on). So a stop that is pending counts as well. */
	if (sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) || sigismember(&pending, SIGINT)))
		stopping = 1;
	return ready && !stopping;
}

/* A large answer (a v1 summary of 1,000 pages: 390 KB, held three times
 * over: libpq's result, the items, the body) would otherwise be mmapped
 * or given back to the kernel when the request ends, and faulted in again,
 * page by page, by the next: a third of the worker's time per summary
 * (issue 13). A worker keeps up to this much freed memory instead. */
static void
keep_freed_memory(void)
{
	mallopt(M_MMAP_THRESHOLD, 8 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 16 * 1024 * 1024);
}

int
worker_run(const struct worker_settings *s)
{
	FCGX_Request fr;
	struct arena *arena;
	long served = 0;

	install_signals();
	keep_freed_memory();
	fault_injection = s->test_fault_injection;
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fr, s->listen_fd, 0) != 0)
		return 1;
	arena = arena_new(32 * 1024);
	if (arena == NULL)
		return 1;
	log_buffer_info_lines(1);
	/* The listening socket is non-blocking and shared: poll, then let
	 * whichever worker wins the accept take the request. */
	while (!stopping && served < s->max_requests) {
		if (!wait_readable(s->listen_fd))
			continue;
		if (FCGX_Accept_r(&fr) < 0)
			continue;
		serve_one(&fr, arena, s->max_body_bytes);
		served++;
	}
	if (served >= s->max_requests)
		metrics_worker_recycled();
	FCGX_Free(&fr, 1);
	arena_free(arena);
	db_disconnect();
	log_flush();
	return 0;
}
