/*
 * core/metrics.c (shared counters), fcgi/prometheus.c (the exposition) and
 * fcgi/metrics_server.c (the listener's request classifier).
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcgi/metrics_server.h"
#include "fcgi/prometheus.h"
#include "fcgi/router.h"
#include "suites.h"

static struct metrics_slot sum;

/* The shared mapping survives fork: what a child counts, the parent sees.
 * (Check may run each test in a child of its own: set up per test.) */
START_TEST(test_counts_survive_the_counting_process)
{
	pid_t pid;
	int status;

	ck_assert_int_eq(metrics_shm_create(2), 0);
	metrics_use_slot(1);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		metrics_request(3, HTTP_GET, 200, 700);
		metrics_request(3, HTTP_GET, 503, 20 * 1000 * 1000);
		metrics_token_cache(1);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	metrics_worker_exited(status);
	metrics_use_slot(0);
	metrics_request(3, HTTP_GET, 200, 1);
	ck_assert_int_eq(metrics_snapshot(&sum), 0);
	ck_assert_uint_eq(sum.requests[3][1], 2);
	ck_assert_uint_eq(sum.requests[3][4], 1);
	ck_assert_uint_eq(sum.latency[3][0], 1); /* 1 us */
	ck_assert_uint_eq(sum.latency[3][1], 1); /* 700 us: <= 1 ms */
	ck_assert_uint_eq(sum.latency[3][METRICS_BOUNDS], 1); /* 20 s */
	ck_assert_uint_eq(sum.latency_sum_us[3], 20000701);
	ck_assert_uint_eq(sum.token_cache_hits, 1);
	ck_assert_uint_eq(sum.worker_exits[METRICS_EXIT_CLEAN], 1);
}
END_TEST

START_TEST(test_unmatched_and_odd_statuses)
{
	ck_assert_int_eq(metrics_shm_create(1), 0);
	metrics_use_slot(0);
	metrics_request(-1, HTTP_DELETE, 404, 5);
	metrics_request(METRICS_ROUTES, HTTP_METHOD__MAX, 405, 5);
	metrics_request(0, HTTP_GET, 999, -5); /* a bug: counted as 5xx */
	metrics_db_connect(1);
	metrics_db_connect(0);
	metrics_db_connect(1);
	ck_assert_int_eq(metrics_snapshot(&sum), 0);
	ck_assert_uint_eq(sum.unmatched[HTTP_DELETE][3], 1);
	ck_assert_uint_eq(sum.unmatched[HTTP_METHOD__MAX][3], 1);
	ck_assert_uint_eq(sum.requests[0][4], 1);
	ck_assert_uint_eq(sum.latency[0][0], 1);
	ck_assert_uint_eq(sum.db_connects, 2);
	ck_assert_uint_eq(sum.db_connect_failures, 1);
	ck_assert_uint_eq(sum.db_reconnects, 1);
}
END_TEST

static char *
render(const struct metrics_slot *m)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(metrics_render(f, m), 0);
	fclose(f);
	return text;
}

/* Asserts that text has the line "name{route=...,method=...<rest>" for
 * route id 0 of the table. */
static void
has_route0_line(const char *text, const char *name, const char *rest)
{
	char line[512];

	snprintf(line, sizeof(line), "%s{route=\"%s\",method=\"%s\"%s\n", name,
	    statusd_routes[0].pattern,
	    http_method_name(statusd_routes[0].method), rest);
	ck_assert_msg(strstr(text, line) != NULL, "no line %s", line);
}

START_TEST(test_render_histogram_is_cumulative)
{
	const char *h = "statusd_http_request_duration_seconds";
	char *text, bucket[64];

	memset(&sum, 0, sizeof(sum));
	sum.latency[0][0] = 2;
	sum.latency[0][2] = 3;
	sum.latency[0][METRICS_BOUNDS] = 1;
	sum.latency_sum_us[0] = 1500000;
	sum.requests[0][1] = 6;
	sum.unmatched[HTTP_PUT][3] = 4;
	sum.auth_failures[METRICS_AUTH_EXPIRED] = 7;
	text = render(&sum);
	snprintf(bucket, sizeof(bucket), "%s_bucket", h);
	has_route0_line(text, bucket, ",le=\"0.0005\"} 2");
	has_route0_line(text, bucket, ",le=\"0.001\"} 2");
	has_route0_line(text, bucket, ",le=\"0.0025\"} 5");
	has_route0_line(text, bucket, ",le=\"10\"} 5");
	has_route0_line(text, bucket, ",le=\"+Inf\"} 6");
	snprintf(bucket, sizeof(bucket), "%s_sum", h);
	has_route0_line(text, bucket, "} 1.500000");
	snprintf(bucket, sizeof(bucket), "%s_count", h);
	has_route0_line(text, bucket, "} 6");
	has_route0_line(
	    text, "statusd_http_requests_total", ",status_class=\"2xx\"} 6");
	ck_assert_ptr_nonnull(strstr(text,
	    "statusd_http_requests_total{route=\"none\",method=\"PUT\","
	    "status_class=\"4xx\"} 4\n"));
	ck_assert_ptr_nonnull(
	    strstr(text, "statusd_auth_failures_total{kind=\"expired\"} 7\n"));
	/* Routes that served nothing are left out. */
	ck_assert_ptr_null(strstr(text, "route=\"/healthz\""));
	free(text);
}
END_TEST

START_TEST(test_render_names_the_health_routes)
{
	char *text;

	memset(&sum, 0, sizeof(sum));
	ck_assert_int_eq(metrics_routes_fit(), 0);
	sum.requests[metrics_route_readyz()][4] = 1;
	sum.latency[metrics_route_healthz()][0] = 1;
	text = render(&sum);
	ck_assert_ptr_nonnull(strstr(text,
	    "statusd_http_requests_total{route=\"/readyz\",method=\"GET\","
	    "status_class=\"5xx\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(text,
	    "statusd_http_request_duration_seconds_count{route=\"/healthz\","
	    "method=\"GET\"} 1\n"));
	free(text);
}
END_TEST

static enum metrics_http
classify(const char *s)
{
	return metrics_http_classify(s, strlen(s));
}

START_TEST(test_listener_requests)
{
	char big[METRICS_HTTP_HEAD_MAX];

	ck_assert_int_eq(classify("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"),
	    METRICS_HTTP_METRICS);
	ck_assert_int_eq(
	    classify("GET /metrics?x=1 HTTP/1.0\n\n"), METRICS_HTTP_METRICS);
	ck_assert_int_eq(classify("HEAD /metrics HTTP/1.1\r\n\r\n"),
	    METRICS_HTTP_METRICS_HEAD);
	ck_assert_int_eq(classify("GET /metrics HTTP/1.1\r\nHost: x\r\n"),
	    METRICS_HTTP_INCOMPLETE);
	ck_assert_int_eq(
	    classify("GET /metricsx HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
	ck_assert_int_eq(
	    classify("GET / HTTP/1.1\r\n\r\n"), METRICS_HTTP_NOT_FOUND);
	ck_assert_int_eq(classify("POST /metrics HTTP/1.1\r\n\r\n"),
	    METRICS_HTTP_BAD_METHOD);
	ck_assert_int_eq(classify("GET /metrics\r\n\r\n"), METRICS_HTTP_BAD);
	ck_assert_int_eq(
	    classify("GET /metrics HTTP/2.0\r\n\r\n"), METRICS_HTTP_BAD);
	ck_assert_int_eq(classify("\r\n\r\n"), METRICS_HTTP_BAD);
	memset(big, 'a', sizeof(big));
	ck_assert_int_eq(
	    metrics_http_classify(big, sizeof(big)), METRICS_HTTP_BAD);
}
END_TEST

Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_test(tc, test_counts_survive_the_counting_process);
	tcase_add_test(tc, test_unmatched_and_odd_statuses);
	tcase_add_test(tc, test_render_histogram_is_cumulative);
	tcase_add_test(tc, test_render_names_the_health_routes);
	tcase_add_test(tc, test_listener_requests);
	suite_add_tcase(s, tc);
	return s;
}
