/*
 * When a failed delivery is tried again: exponential back-off with jitter,
 * never sooner than the receiver's Retry-After. Pure, for unit tests.
 */
#ifndef STATUSD_RETRY_H
#define STATUSD_RETRY_H

/* Delay in milliseconds before attempt `attempt` + 1, after attempt
 * `attempt` (1-based) failed: base_ms * 2^(attempt-1) capped at max_ms,
 * of which a random part (jitter in [0, 1)) of the upper half is taken so
 * that receivers recovering from an outage are not hit by every sender at
 * once; then at least retry_after_s seconds (0: none), capped at max_ms. */
long long retry_delay_ms(int attempt, long long base_ms, long long max_ms,
    long long retry_after_s, double jitter);

#endif
