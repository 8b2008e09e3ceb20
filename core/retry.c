#include "retry.h"

long long
retry_delay_ms(int attempt, long long base_ms, long long max_ms,
    long long retry_after_s, double jitter)
{
	long long d = base_ms;
	int i;

	for (i = 1; i < attempt && d < max_ms; i++)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	if (jitter < 0 || jitter >= 1)
		jitter = 0;
	d = d / 2 + (long long)((double)(d - d / 2) * jitter);
	if (retry_after_s > 0) {
		/* compared in seconds first: a huge header cannot overflow */
		long long ra = retry_after_s > max_ms / 1000
		    ? max_ms
		    : retry_after_s * 1000;
		if (ra > d)
			d = ra;
	}
	return d;
}
