/*
 * ALTCHA-compatible proof of work (the v1 challenge format, so the ALTCHA
 * widget and its client library solve it unchanged).
 *
 * A challenge is {algorithm "SHA-256", challenge, maxnumber, salt,
 * signature}: challenge = hex SHA-256(salt + decimal number) for a secret
 * random number in [0, maxnumber], signature = hex HMAC-SHA256(challenge)
 * under the captcha key. The salt is "<random hex>?expires=<unix
 * seconds>&pageId=<uuid>&kid=<key id>&": what it carries is covered by the
 * signature (through the challenge), and the final "&" keeps the solver's
 * digits from running into the last parameter.
 *
 * The client answers base64(JSON {algorithm, challenge, number, salt,
 * signature}); verification checks, in order: shape, algorithm, the
 * signature under the key the salt names (CRYPTO_memcmp), SHA-256(salt +
 * number) == challenge, expiry, page. Single use is the caller's part (a
 * unique row per challenge, written with what the captcha admits).
 */
#ifndef STATUSD_CAPTCHA_H
#define STATUSD_CAPTCHA_H

#include "keyring.h"

#define CAPTCHA_ALGORITHM "SHA-256"
#define CAPTCHA_MAX_NUMBER 100000L
#define CAPTCHA_TTL_SECONDS 600L
#define CAPTCHA_HEX_LEN 64
#define CAPTCHA_SALT_MAX 160
/* Longest captchaToken considered: a widget payload is about 400 bytes. */
#define CAPTCHA_TOKEN_MAX 2048

struct captcha_challenge {
	char challenge[CAPTCHA_HEX_LEN + 1];
	char salt[CAPTCHA_SALT_MAX];
	char signature[CAPTCHA_HEX_LEN + 1];
	long maxnumber;
	long expires; /* unix seconds */
};

/* A new challenge for page_id (a UUID), signed with the current key.
 * -1 when the random source fails or page_id is not a UUID. */
int captcha_challenge_new(const struct keyring *k, const char *page_id,
    long now, struct captcha_challenge *out);

enum captcha_result {
	CAPTCHA_OK,
	CAPTCHA_MALFORMED,
	CAPTCHA_BAD_SIGNATURE,
	CAPTCHA_WRONG_NUMBER,
	CAPTCHA_EXPIRED,
	CAPTCHA_OTHER_PAGE,
	CAPTCHA__MAX
};

struct captcha_solution {
	char challenge[CAPTCHA_HEX_LEN + 1]; /* the single-use key */
	long expires; /* unix seconds */
};

/* Verifies a captchaToken for page_id at time now; on CAPTCHA_OK fills
 * *out (may be NULL). Never reads beyond CAPTCHA_TOKEN_MAX bytes. */
enum captcha_result captcha_verify(const struct keyring *k, const char *token,
    const char *page_id, long now, struct captcha_solution *out);

/* A client-facing message for a result (static, no secret). */
const char *captcha_result_message(enum captcha_result r);

#endif
