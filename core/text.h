/* Byte-level checks on outside input. */
#ifndef STATUSD_TEXT_H
#define STATUSD_TEXT_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or NUL). */
int utf8_valid(const char *s, size_t n);
/* Number of code points in well-formed UTF-8. */
size_t utf8_length(const char *s, size_t n);

/* Decimal digits s[0..n) (1 to 18 of them, nothing else) into *out when
 * the value is at most max; -1 otherwise. */
int text_parse_decimal(const char *s, size_t n, long max, long *out);

#endif
