/*
 * libFuzzer harness for the metrics listener's request classifier
 * (fcgi/metrics_server.c), which reads bytes from any local client.
 * Contracts besides not crashing: the counters are served only for
 * "GET /metrics" or "HEAD /metrics" (optionally with a query) on an HTTP/1
 * request line; a head is incomplete only while it is shorter than the
 * cap; and feeding a complete head one more byte does not change the
 * answer.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fcgi/metrics_server.h"
#include "fuzz_check.h"

static int
starts(const uint8_t *d, size_t n, const char *s)
{
	return n >= strlen(s) && memcmp(d, s, strlen(s)) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum metrics_http k = metrics_http_classify((const char *)data, size);
	char *copy;

	if (k == METRICS_HTTP_METRICS)
		CHECK(starts(data, size, "GET /metrics ") ||
		    starts(data, size, "GET /metrics?"));
	if (k == METRICS_HTTP_METRICS_HEAD)
		CHECK(starts(data, size, "HEAD /metrics ") ||
		    starts(data, size, "HEAD /metrics?"));
	if (k == METRICS_HTTP_INCOMPLETE)
		CHECK(size < METRICS_HTTP_HEAD_MAX);
	if (k != METRICS_HTTP_INCOMPLETE && size < METRICS_HTTP_HEAD_MAX) {
		copy = malloc(size + 1);
		CHECK(copy != NULL);
		memcpy(copy, data, size);
		copy[size] = 'x';
		CHECK(metrics_http_classify(copy, size + 1) == k);
		free(copy);
	}
	return 0;
}
