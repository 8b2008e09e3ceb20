/*
 * libFuzzer harness for the byte-level decoders of core/: base64url_decode
 * and crypto_hex_decode (strict, so every accepted input must re-encode to itself)
 * and utf8_valid / utf8_length (checked against a reference decoder written
 * from the Unicode standard's table of well-formed byte sequences).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "text.h"
#include "fuzz_check.h"

/* Unicode 15, table 3-7; returns the code point count or -1. NUL refused,
 * as utf8_valid documents. */
static long
reference_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0, need, k;
	unsigned char lo, hi;
	long count = 0;

	while (i < n) {
		unsigned char c = s[i];

		if (c == 0)
			return -1;
		lo = 0x80, hi = 0xbf;
		if (c < 0x80) {
			need = 0;
		} else if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c == 0xe0) {
			need = 2, lo = 0xa0;
		} else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef) {
			need = 2;
		} else if (c == 0xed) {
			need = 2, hi = 0x9f;
		} else if (c == 0xf0) {
			need = 3, lo = 0x90;
		} else if (c >= 0xf1 && c <= 0xf3) {
			need = 3;
		} else if (c == 0xf4) {
			need = 3, hi = 0x8f;
		} else {
			return -1;
		}
		if (n - i - 1 < need)
			return -1;
		for (k = 1; k <= need; k++) {
			if (s[i + k] < (k == 1 ? lo : 0x80) ||
			    s[i + k] > (k == 1 ? hi : 0xbf))
				return -1;
		}
		i += need + 1;
		count++;
	}
	return count;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *src = (const char *)data;
	unsigned char *dec;
	char *enc, *copy;
	long r, r2, ref;
	size_t i;

	dec = malloc(size + 1);
	enc = malloc(2 * size + 8);
	copy = malloc(size + 1);
	if (dec == NULL || enc == NULL || copy == NULL)
		goto out;

	/* base64url: strict and canonical. */
	r = base64url_decode(src, size, dec, size);
	if (r >= 0) {
		CHECK((size_t)r == size * 3 / 4);
		CHECK(base64url_encode(dec, (size_t)r, enc) == size);
		CHECK(memcmp(enc, src, size) == 0);
		/* One byte less room must be refused, never overrun. */
		if (r > 0)
			CHECK(base64url_decode(src, size, dec, (size_t)r - 1) ==
			    -1);
	}
	/* Any bytes survive an encode/decode round trip. */
	CHECK(base64url_encode(data, size, enc) == base64url_len(size));
	r2 = base64url_decode(enc, base64url_len(size), dec, size);
	CHECK(r2 == (long)size);
	CHECK(size == 0 || memcmp(dec, data, size) == 0);

	/* hex: accepted input re-encodes to its lower-case self. */
	r = crypto_hex_decode(src, size, dec, size);
	if (r >= 0) {
		CHECK((size_t)r * 2 == size);
		crypto_hex_encode(dec, (size_t)r, enc);
		for (i = 0; i < size; i++)
			CHECK(enc[i] == tolower((unsigned char)src[i]));
	} else {
		/* Refused: odd length or a byte that is not a hex digit. */
		for (i = 0; i < size && isxdigit(data[i]); i++)
			;
		CHECK(size % 2 == 1 || i < size);
	}

	/* UTF-8 against the reference. */
	ref = reference_utf8(data, size);
	CHECK(utf8_valid(src, size) == (ref >= 0));
	if (ref >= 0)
		CHECK(utf8_length(src, size) == (size_t)ref);

	/* crypto_uuid_valid on the NUL-terminated text. */
	memcpy(copy, src, size);
	copy[size] = '\0';
	if (crypto_uuid_valid(copy))
		CHECK(strlen(copy) == 36);
out:
	free(dec);
	free(enc);
	free(copy);
	return 0;
}
