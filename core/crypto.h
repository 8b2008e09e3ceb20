/* Thin wrappers over OpenSSL's libcrypto: randomness, digests, encodings. */
#ifndef STATUSD_CRYPTO_H
#define STATUSD_CRYPTO_H

#include <stddef.h>

#define SHA256_LEN 32

/* 0 on success, -1 when the random generator fails (never silently weak). */
int crypto_random(unsigned char *buf, size_t len);
void crypto_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data,
    size_t len, unsigned char out[SHA256_LEN]);
/* Constant-time equality for secrets; 1 when equal. */
int crypto_equal(const void *a, const void *b, size_t len);

/* base64url without padding. dst must hold base64url_len(n) + 1 bytes. */
size_t base64url_len(size_t n);
size_t base64url_encode(const unsigned char *src, size_t n, char *dst);
/* Strict: url alphabet only, no padding. Returns bytes written or -1. */
long base64url_decode(
    const char *src, size_t n, unsigned char *dst, size_t dstcap);

/* Standard base64 (RFC 4648 section 4) with its padding, as browsers'
 * btoa() writes it; dst must hold 4 * ((n + 2) / 3) + 1 bytes. Decoding
 * is strict like base64url_decode. */
size_t base64_encode(const unsigned char *src, size_t n, char *dst);
long base64_decode(
    const char *src, size_t n, unsigned char *dst, size_t dstcap);

/* Lower-case hex; dst must hold 2n + 1 bytes. */
void crypto_hex_encode(const unsigned char *src, size_t n, char *dst);
/* Returns bytes written or -1 on a non-hex digit or odd length. */
long crypto_hex_decode(
    const char *src, size_t n, unsigned char *dst, size_t dstcap);

/* The canonical lower-case text of 16 bytes. */
void crypto_uuid_format(const unsigned char b[16], char out[37]);
/* A random RFC 4122 version 4 UUID, 36 chars + NUL. -1 on RNG failure. */
int crypto_uuid_v4(char out[37]);
/*
 * An RFC 9562 version 7 UUID: the Unix time in milliseconds, then 74
 * random bits. The ids of what the API creates: new rows' keys, (cloud_id,
 * id), then go to the end of their cloud's range in the primary key
 * instead of a random leaf page of it, which in a large table was a page
 * read and, after each checkpoint, a full page image in the WAL per
 * insert. -1 on RNG or clock failure.
 */
int crypto_uuid_v7(char out[37]);
/* 1 when s is a canonical UUID (any version, either case). */
int crypto_uuid_valid(const char *s);

#endif
