/* RFC 3339 dates and date-times, strictly, to and from Unix time. */
#ifndef STATUSD_TIMEPARSE_H
#define STATUSD_TIMEPARSE_H

#include <stddef.h>

/* Parses "2026-11-26" or "2026-11-26T05:04:09Z" (fraction and a numeric
 * offset allowed). Sets *t (seconds since the epoch, UTC) and *date_only.
 * Returns 0, or -1 for anything else (including impossible dates). */
int rfc3339_parse(const char *s, long long *t, int *date_only);
/* Writes "YYYY-MM-DDTHH:MM:SSZ"; buf needs 21 bytes. */
void rfc3339_format(long long t, char *buf, size_t len);

#endif
