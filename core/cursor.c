#include "cursor.h"

#include <string.h>

#include "crypto.h"

#define TAG_LEN 16
#define CURSOR_MAX 2048

/* A key from a secret: hex of at least 16 bytes as it is, any other text
 * condensed with SHA-256. */
static size_t
key_from_secret(const char *secret, unsigned char out[64])
{
	long n = crypto_hex_decode(secret, strlen(secret), out, 64);

	if (n >= 16)
		return (size_t)n;
	crypto_sha256(secret, strlen(secret), out);
	return SHA256_LEN;
}

int
cursor_key_init(struct cursor_key *k, const char *secret, const char *previous)
{
	memset(k, 0, sizeof(*k));
	if (previous != NULL && *previous != '\0')
		k->previous_len = key_from_secret(previous, k->previous);
	if (secret == NULL || *secret == '\0') {
		k->len = 32;
		return crypto_random(k->bytes, k->len);
	}
	k->len = key_from_secret(secret, k->bytes);
	return 0;
}

/* The MAC covers the scope too, so a cursor cannot move between lists.
 * -1 (and no tag) for a payload or scope too long to tag. */
static int
tag(const unsigned char *key, size_t keylen, const char *scope,
    const unsigned char *p, size_t n, unsigned char out[SHA256_LEN])
{
	unsigned char buf[CURSOR_MAX + 256];
	size_t slen = strlen(scope);

	if (slen > 255 || n > CURSOR_MAX)
		return -1;
	memcpy(buf, scope, slen);
	buf[slen] = 0;
	memcpy(buf + slen + 1, p, n);
	crypto_hmac_sha256(key, keylen, buf, slen + 1 + n, out);
	return 0;
}

char *
cursor_encode(struct arena *a, const struct cursor_key *k, const char *scope,
    const char *sort_key, const char *id)
{
	size_t klen = strlen(sort_key), ilen = strlen(id), n = klen + 1 + ilen;
	unsigned char mac[SHA256_LEN];
	unsigned char *payload;
	char *out;
	size_t o;

	if (n > CURSOR_MAX)
		return NULL;
	payload = arena_alloc(a, n);
	out = arena_alloc(a, base64url_len(n) + 1 + base64url_len(TAG_LEN) + 1);
	if (payload == NULL || out == NULL)
		return NULL;
	/* sort key, NUL, id: ids never contain NUL, sort keys are text. */
	memcpy(payload, sort_key, klen);
	payload[klen] = 0;
	memcpy(payload + klen + 1, id, ilen);
	if (tag(k->bytes, k->len, scope, payload, n, mac) != 0)
		return NULL;
	o = base64url_encode(payload, n, out);
	out[o++] = '.';
	base64url_encode(mac, TAG_LEN, out + o);
	return out;
}

int
cursor_decode(struct arena *a, const struct cursor_key *k, const char *scope,
    const char *cursor, const char **sort_key, const char **id)
{
	unsigned char mac[SHA256_LEN], given[TAG_LEN + 2];
	unsigned char *payload;
	const char *dot;
	char *nul;
	size_t len = strnlen(cursor, CURSOR_MAX * 2);
	long n, t;

	dot = memchr(cursor, '.', len);
	if (dot == NULL || len >= CURSOR_MAX * 2)
		return -1;
	payload = arena_alloc(a, (size_t)(dot - cursor) + 1);
	if (payload == NULL)
		return -1;
	n = base64url_decode(
	    cursor, (size_t)(dot - cursor), payload, (size_t)(dot - cursor));
	t = base64url_decode(
	    dot + 1, len - (size_t)(dot - cursor) - 1, given, sizeof(given));
	if (n < 2 || n > CURSOR_MAX || t != TAG_LEN)
		return -1;
	if (tag(k->bytes, k->len, scope, payload, (size_t)n, mac) != 0)
		return -1;
	if (!crypto_equal(mac, given, TAG_LEN)) {
		/* During a rotation, the previous key's cursors still count. */
		if (k->previous_len == 0 ||
		    tag(k->previous, k->previous_len, scope, payload, (size_t)n,
		        mac) != 0 ||
		    !crypto_equal(mac, given, TAG_LEN))
			return -1;
	}
	payload[n] = 0;
	nul = memchr(payload, 0, (size_t)n);
	if (nul == NULL)
		return -1;
	*sort_key = (const char *)payload;
	*id = nul + 1;
	return 0;
}
