/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com/): the
 * receiver gets webhook-id, webhook-timestamp and
 *
 *	webhook-signature: v1,<base64 of HMAC-SHA256(key, id "." ts "." body)>
 *
 * where key is the bytes of the subscriber's secret "whsec_<base64>". The
 * id stays the same across retries of one message so receivers can drop
 * duplicates; the timestamp is that of the attempt. Pure: no I/O.
 */
#ifndef STATUSD_WEBHOOK_SIGN_H
#define STATUSD_WEBHOOK_SIGN_H

#include <stddef.h>

#define WEBHOOK_SECRET_PREFIX "whsec_"
#define WEBHOOK_KEY_MAX 64
/* "v1," + base64 of 32 bytes (44) + NUL */
#define WEBHOOK_SIGNATURE_MAX 48

struct webhook_key {
	unsigned char bytes[WEBHOOK_KEY_MAX];
	size_t len;
};

/* Decodes "whsec_<standard base64>" (padding optional, as the reference
 * libraries accept it). 0, or -1 for a missing prefix, bad base64, or a
 * key shorter than 24 or longer than WEBHOOK_KEY_MAX bytes. */
int webhook_key_parse(const char *secret, struct webhook_key *out);

/* Writes "v1,<base64>" for the message into sig. 0, or -1 when out of
 * memory (sig is then empty: nothing unsigned is ever sent). */
int webhook_sign(const struct webhook_key *k, const char *msg_id,
    long timestamp, const char *body, size_t body_len,
    char sig[WEBHOOK_SIGNATURE_MAX]);

#endif
