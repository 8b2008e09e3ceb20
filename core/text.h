/* Byte-level checks on outside input. */
#ifndef STATUSD_TEXT_H
#define STATUSD_TEXT_H

#include <stddef.h>

/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates or NUL). */
int utf8_valid(const char *s, size_t n);
/* Number of code points in well-formed UTF-8. */
size_t utf8_length(const char *s, size_t n);

#endif
