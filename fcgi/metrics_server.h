/*
 * The metrics listener (setting metrics_listen): plain HTTP, GET /metrics
 * only, on its own address so it is never part of the public nginx site.
 * A small child of the master serves it, one scrape at a time, from the
 * shared counters: a scrape costs no PostgreSQL query and waits for no
 * worker, however busy they are. The master respawns it like a worker.
 */
#ifndef STATUSD_METRICS_SERVER_H
#define STATUSD_METRICS_SERVER_H

#include <stddef.h>
#include <sys/types.h>

/* 0 when addr ("" or "off") asks for no listener: then nothing is
 * recorded either (no shared counters), which is how statusd runs
 * without the cost of metrics (bench/run.sh measures it). */
int metrics_server_configured(const char *addr);

/* Binds addr (host:port or a unix socket path; "" or "off": no listener)
 * before privileges are dropped. 0, or -1 with a message in err. */
int metrics_server_open(const char *addr, char *err, size_t errlen);

/* Master: forks the listener's process when it is not running (at most
 * once a second). */
void metrics_server_ensure(void);
/* Master: 1 when pid was the listener's process (now reaped), else 0. */
int metrics_server_reaped(pid_t pid);
/* Master, when stopping: ends the listener's process. */
void metrics_server_stop(void);

enum metrics_http {
	METRICS_HTTP_INCOMPLETE, /* read more */
	METRICS_HTTP_METRICS, /* GET /metrics */
	METRICS_HTTP_METRICS_HEAD, /* HEAD /metrics */
	METRICS_HTTP_NOT_FOUND,
	METRICS_HTTP_BAD_METHOD,
	METRICS_HTTP_BAD /* not an HTTP/1 request, or a head too long */
};

/* Classifies the request head read so far (len bytes of buf, not
 * NUL-terminated). Complete once the blank line after the headers is in. */
enum metrics_http metrics_http_classify(const char *buf, size_t len);

#define METRICS_HTTP_HEAD_MAX 8192

#endif
