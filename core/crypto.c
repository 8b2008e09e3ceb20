#include "crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

int
crypto_random(unsigned char *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/* OpenSSL 3 looks the algorithm up on every EVP_sha256() digest (about
 * 3 us a call, measured on the request path): fetch it once. */
static const EVP_MD *
sha256_md(void)
{
	static EVP_MD *md;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return md != NULL ? md : EVP_sha256();
}

void
crypto_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	unsigned int outlen = SHA256_LEN;

	EVP_Digest(data, len, out, &outlen, sha256_md(), NULL);
}

void
crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[SHA256_LEN])
{
	unsigned int outlen = SHA256_LEN;

	HMAC(EVP_sha256(), key, (int)keylen, data, len, out, &outlen);
}

int
crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
base64url_len(size_t n)
{
	return (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t
base64url_encode(const unsigned char *src, size_t n, char *dst)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8 |
		    src[i + 2];
		dst[o++] = b64url[(v >> 18) & 63];
		dst[o++] = b64url[(v >> 12) & 63];
		dst[o++] = b64url[(v >> 6) & 63];
		dst[o++] = b64url[v & 63];
	}
	if (n - i == 1) {
		v = (unsigned)src[i] << 16;
		dst[o++] = b64url[(v >> 18) & 63];
		dst[o++] = b64url[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8;
		dst[o++] = b64url[(v >> 18) & 63];
		dst[o++] = b64url[(v >> 12) & 63];
		dst[o++] = b64url[(v >> 6) & 63];
	}
	dst[o] = '\0';
	return o;
}

/* Value of one digit in the url alphabet (url=1) or the standard one. */
static int
b64_value(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

static long
b64_decode(
    const char *src, size_t n, unsigned char *dst, size_t dstcap, int url)
{
	size_t i, o = 0;
	unsigned acc = 0;
	int bits = 0, v;

	if (n % 4 == 1)
		return -1;
	for (i = 0; i < n; i++) {
		v = b64_value((unsigned char)src[i], url);
		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= dstcap)
				return -1;
			dst[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero, so each value has one encoding. */
	if (acc != 0)
		return -1;
	return (long)o;
}

long
base64url_decode(const char *src, size_t n, unsigned char *dst, size_t dstcap)
{
	return b64_decode(src, n, dst, dstcap, 1);
}

size_t
base64_encode(const unsigned char *src, size_t n, char *dst)
{
	return (size_t)EVP_EncodeBlock((unsigned char *)dst, src, (int)n);
}

long
base64_decode(const char *src, size_t n, unsigned char *dst, size_t dstcap)
{
	size_t pad = 0;

	if (n % 4 != 0)
		return -1;
	while (pad < 2 && n > pad && src[n - 1 - pad] == '=')
		pad++;
	return b64_decode(src, n - pad, dst, dstcap, 0);
}

void
crypto_hex_encode(const unsigned char *src, size_t n, char *dst)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		dst[2 * i] = digits[src[i] >> 4];
		dst[2 * i + 1] = digits[src[i] & 15];
	}
	dst[2 * n] = '\0';
}

static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long
crypto_hex_decode(const char *src, size_t n, unsigned char *dst, size_t dstcap)
{
	size_t i;
	int hi, lo;

	if (n % 2 != 0 || n / 2 > dstcap)
		return -1;
	for (i = 0; i < n; i += 2) {
		hi = hex_value((unsigned char)src[i]);
		lo = hex_value((unsigned char)src[i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		dst[i / 2] = (unsigned char)(hi << 4 | lo);
	}
	return (long)(n / 2);
}

void
crypto_uuid_format(const unsigned char b[16], char out[37])
{
	char hex[33];

	crypto_hex_encode(b, 16, hex);
	memcpy(out, hex, 8);
	out[8] = '-';
	memcpy(out + 9, hex + 8, 4);
	out[13] = '-';
	memcpy(out + 14, hex + 12, 4);
	out[18] = '-';
	memcpy(out + 19, hex + 16, 4);
	out[23] = '-';
	memcpy(out + 24, hex + 20, 12);
	out[36] = '\0';
}

/* Sets the version nibble and the RFC 4122 variant, then formats. */
static void
uuid_finish(unsigned char b[16], unsigned version, char out[37])
{
	b[6] = (unsigned char)((b[6] & 0x0f) | (version << 4));
	b[8] = (b[8] & 0x3f) | 0x80;
	crypto_uuid_format(b, out);
}

int
crypto_uuid_v4(char out[37])
{
	unsigned char b[16];

	if (crypto_random(b, sizeof(b)) != 0)
		return -1;
	uuid_finish(b, 4, out);
	return 0;
}

int
crypto_uuid_v7(char out[37])
{
	unsigned char b[16];
	struct timespec ts;
	uint64_t ms;
	int i;

	if (crypto_random(b, sizeof(b)) != 0 ||
	    clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	for (i = 5; i >= 0; i--) {
		b[i] = (unsigned char)(ms & 0xff);
		ms >>= 8;
	}
	uuid_finish(b, 7, out);
	return 0;
}

int
crypto_uuid_valid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (hex_value((unsigned char)s[i]) < 0) {
			return 0;
		}
	}
	return s[36] == '\0';
}
