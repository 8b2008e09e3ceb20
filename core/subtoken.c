#include "subtoken.h"

#include <string.h>

#include "crypto.h"

#define TAG_LEN 16
#define FIXED_LEN (1 + 8 + 16)
#define PAYLOAD_MAX (FIXED_LEN + SUBTOKEN_CLOUD_MAX)

static const char domain[] = "statusd subscriber token";

static void
make_tag(const struct keyring_key *key, const unsigned char *payload, size_t n,
    unsigned char out[SHA256_LEN])
{
	unsigned char buf[sizeof(domain) + KEYRING_ID_MAX + 1 + PAYLOAD_MAX];
	size_t idlen = strlen(key->id), o = 0;

	memcpy(buf, domain, sizeof(domain)); /* with its NUL */
	o += sizeof(domain);
	memcpy(buf + o, key->id, idlen);
	o += idlen;
	buf[o++] = '.';
	memcpy(buf + o, payload, n);
	crypto_hmac_sha256(key->bytes, key->len, buf, o + n, out);
}

static int
uuid_to_bytes(const char *id, unsigned char out[16])
{
	char hex[33];
	size_t i, o = 0;

	if (!crypto_uuid_valid(id))
		return -1;
	for (i = 0; i < 36; i++) {
		if (id[i] != '-')
			hex[o++] = id[i];
	}
	return crypto_hex_decode(hex, 32, out, 16) == 16 ? 0 : -1;
}

int
subtoken_encode(const struct keyring *k, enum subtoken_purpose purpose,
    const char *cloud_id, const char *subscriber_id, long now,
    char out[SUBTOKEN_TEXT_MAX])
{
	unsigned char payload[PAYLOAD_MAX], mac[SHA256_LEN];
	size_t clen = strlen(cloud_id), idlen = strlen(k->current.id), o;
	unsigned long long expires = 0;
	int i;

	if ((unsigned)purpose >= SUBTOKEN__MAX || clen == 0 ||
	    clen > SUBTOKEN_CLOUD_MAX || k->current.len == 0 ||
	    uuid_to_bytes(subscriber_id, payload + 9) != 0)
		return -1;
	if (purpose == SUBTOKEN_CONFIRM)
		expires = (unsigned long long)(now + SUBTOKEN_CONFIRM_SECONDS);
	payload[0] = (unsigned char)purpose;
	for (i = 0; i < 8; i++)
		payload[1 + i] = (unsigned char)(expires >> (56 - 8 * i));
	memcpy(payload + FIXED_LEN, cloud_id, clen);
	make_tag(&k->current, payload, FIXED_LEN + clen, mac);
	memcpy(out, k->current.id, idlen);
	o = idlen;
	out[o++] = '.';
	o += base64url_encode(payload, FIXED_LEN + clen, out + o);
	out[o++] = '.';
	base64url_encode(mac, TAG_LEN, out + o);
	return 0;
}

/* Splits "<id>.<payload>.<tag>" and checks the tag; returns the payload
 * length or -1. */
static long
open_token(const struct keyring *k, const char *token,
    unsigned char payload[PAYLOAD_MAX])
{
	size_t len = strnlen(token, SUBTOKEN_TEXT_MAX);
	const char *d1, *d2;
	const struct keyring_key *key;
	unsigned char given[TAG_LEN + 2], mac[SHA256_LEN];
	long n, t;

	if (len >= SUBTOKEN_TEXT_MAX)
		return -1;
	d1 = memchr(token, '.', len);
	if (d1 == NULL)
		return -1;
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token));
	if (d2 == NULL)
		return -1;
	key = keyring_find(k, token, (size_t)(d1 - token));
	if (key == NULL)
		return -1;
	n = base64url_decode(
	    d1 + 1, (size_t)(d2 - d1 - 1), payload, PAYLOAD_MAX);
	t = base64url_decode(
	    d2 + 1, len - (size_t)(d2 + 1 - token), given, sizeof(given));
	if (n <= FIXED_LEN || t != TAG_LEN)
		return -1;
	make_tag(key, payload, (size_t)n, mac);
	return crypto_equal(mac, given, TAG_LEN) ? n : -1;
}

int
subtoken_verify_any(const struct keyring *k, const char *token,
    unsigned purposes, long now, struct subtoken *out)
{
	unsigned char payload[PAYLOAD_MAX];
	unsigned long long expires = 0;
	long n;
	size_t clen;
	int i;

	if (token == NULL)
		return -1;
	n = open_token(k, token, payload);
	if (n < 0 || payload[0] >= SUBTOKEN__MAX ||
	    !(purposes & SUBTOKEN_BIT(payload[0])))
		return -1;
	for (i = 0; i < 8; i++)
		expires = expires << 8 | payload[1 + i];
	if (expires != 0 &&
	    (expires > (unsigned long long)0x7fffffffffffLL ||
	        (long)expires < now))
		return -1;
	clen = (size_t)n - FIXED_LEN;
	if (memchr(payload + FIXED_LEN, 0, clen) != NULL)
		return -1;
	out->purpose = (enum subtoken_purpose)payload[0];
	out->expires = (long)expires;
	crypto_uuid_format(payload + 9, out->subscriber_id);
	memcpy(out->cloud_id, payload + FIXED_LEN, clen);
	out->cloud_id[clen] = '\0';
	return 0;
}

int
subtoken_verify(const struct keyring *k, const char *token,
    enum subtoken_purpose expected, long now, struct subtoken *out)
{
	return subtoken_verify_any(k, token, SUBTOKEN_BIT(expected), now, out);
}
