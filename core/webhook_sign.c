#include "webhook_sign.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

#define KEY_MIN 24

static int
base64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int
webhook_key_parse(const char *secret, struct webhook_key *out)
{
	const size_t plen = sizeof(WEBHOOK_SECRET_PREFIX) - 1;
	/* Four base64 characters per three bytes, padded back to a multiple
	 * of four so EVP_DecodeBlock takes it. */
	char text[(WEBHOOK_KEY_MAX + 2) / 3 * 4 + 1];
	unsigned char buf[sizeof(text)];
	size_t n, i, pad;
	int got;

	if (strncmp(secret, WEBHOOK_SECRET_PREFIX, plen) != 0)
		return -1;
	secret += plen;
	n = strlen(secret);
	while (n > 0 && secret[n - 1] == '=')
		n--;
	if (n == 0 || n % 4 == 1 || n + 3 >= sizeof(text))
		return -1;
	for (i = 0; i < n; i++)
		if (!base64_char(secret[i]))
			return -1;
	memcpy(text, secret, n);
	pad = (4 - n % 4) % 4;
	memset(text + n, '=', pad);
	text[n + pad] = '\0';
	got = EVP_DecodeBlock(buf, (const unsigned char *)text, (int)(n + pad));
	if (got < 0 || (size_t)got < pad)
		return -1;
	/* EVP_DecodeBlock counts the bytes the padding stands for. */
	out->len = (size_t)got - pad;
	if (out->len < KEY_MIN || out->len > WEBHOOK_KEY_MAX)
		return -1;
	memcpy(out->bytes, buf, out->len);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
}

int
webhook_sign(const struct webhook_key *k, const char *msg_id, long timestamp,
    const char *body, size_t body_len, char sig[WEBHOOK_SIGNATURE_MAX])
{
	unsigned char mac[SHA256_LEN];
	char ts[24];
	size_t idlen = strlen(msg_id), tslen, n;
	char *msg;

	tslen = (size_t)snprintf(ts, sizeof(ts), ".%ld.", timestamp);
	n = idlen + tslen + body_len;
	msg = malloc(n ? n : 1);
	if (msg == NULL)
		return -1;
	memcpy(msg, msg_id, idlen);
	memcpy(msg + idlen, ts, tslen);
	memcpy(msg + idlen + tslen, body, body_len);
	crypto_hmac_sha256(k->bytes, k->len, msg, n, mac);
	free(msg);
	memcpy(sig, "v1,", 3);
	EVP_EncodeBlock((unsigned char *)sig + 3, mac, (int)sizeof(mac));
	return 0;
}
