/*
 * libFuzzer harness for log_quote (core/log.c): whatever the bytes, the
 * value stays one logfmt value (bare of safe characters, or one quoted
 * string without raw control bytes or quotes), and unescaping it gives the
 * input back, or a prefix of it followed by "..." when it was cut.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "fuzz_check.h"

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c - 'a' + 10;
}

/* Unescapes the quoted value q into out; returns its length. */
static size_t
unquote(const char *q, size_t n, char *out)
{
	size_t i, o = 0;
	unsigned cp;

	CHECK(n >= 2 && q[0] == '"' && q[n - 1] == '"');
	for (i = 1; i < n - 1; i++) {
		CHECK(
		    (unsigned char)q[i] >= 0x20 && q[i] != 0x7f && q[i] != '"');
		if (q[i] != '\\') {
			out[o++] = q[i];
			continue;
		}
		switch (q[++i]) {
		case '"': out[o++] = '"'; break;
		case '\\': out[o++] = '\\'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case 'x':
			out[o++] =
			    (char)(hexval(q[i + 1]) << 4 | hexval(q[i + 2]));
			i += 2;
			break;
		case 'u':
			cp = (unsigned)(hexval(q[i + 1]) << 12 |
			    hexval(q[i + 2]) << 8 | hexval(q[i + 3]) << 4 |
			    hexval(q[i + 4]));
			if (cp < 0x800) {
				out[o++] = (char)(0xc0 | cp >> 6);
			} else {
				out[o++] = (char)(0xe0 | cp >> 12);
				out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			}
			out[o++] = (char)(0x80 | (cp & 0x3f));
			i += 4;
			break;
		default: CHECK(!"unknown escape");
		}
	}
	return o;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[512], out[LOG_QUOTED_MAX(sizeof(in))], back[sizeof(out)];
	char small[40];
	size_t n = size < sizeof(in) - 1 ? size : sizeof(in) - 1, len, blen;

	memcpy(in, data, n);
	in[n] = '\0';
	n = strlen(in);
	len = strlen(log_quote(out, sizeof(out), in));
	if (out[0] != '"') {
		CHECK(strcmp(out, in) == 0);
		CHECK(strcspn(out, " =\"\\") == len);
	} else {
		blen = unquote(out, len, back);
		CHECK(blen == n && memcmp(back, in, n) == 0);
	}
	/* Cut: still one value, and the input's prefix before the "...". */
	len = strlen(log_quote(small, sizeof(small), in));
	CHECK(len < sizeof(small));
	if (small[0] == '"') {
		blen = unquote(small, len, back);
		if (blen != n || memcmp(back, in, n) != 0) {
			CHECK(blen >= 3 &&
			    memcmp(back + blen - 3, "...", 3) == 0);
			CHECK(memcmp(back, in, blen - 3) == 0);
		}
	}
	return 0;
}
