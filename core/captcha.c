#include "captcha.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "crypto.h"
#include "text.h"

#define SALT_RANDOM_BYTES 12

static void
hash_hex(const char *salt, long number, char out[CAPTCHA_HEX_LEN + 1])
{
	char buf[CAPTCHA_SALT_MAX + 24];
	unsigned char digest[SHA256_LEN];
	int n = snprintf(buf, sizeof(buf), "%s%ld", salt, number);

	crypto_sha256(buf, (size_t)n, digest);
	crypto_hex_encode(digest, SHA256_LEN, out);
}

static void
sign_hex(const struct keyring_key *key, const char *challenge,
    char out[CAPTCHA_HEX_LEN + 1])
{
	unsigned char mac[SHA256_LEN];

	crypto_hmac_sha256(
	    key->bytes, key->len, challenge, strlen(challenge), mac);
	crypto_hex_encode(mac, SHA256_LEN, out);
}

/* A uniform number in [0, max] without modulo bias worth the name: 64
 * random bits reduced modulo max + 1 (max is far below 2^32). */
static int
random_number(long max, long *out)
{
	unsigned char b[8];
	unsigned long long v = 0;
	int i;

	if (crypto_random(b, sizeof(b)) != 0)
		return -1;
	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	*out = (long)(v % (unsigned long long)(max + 1));
	return 0;
}

int
captcha_challenge_new(const struct keyring *k, const char *page_id, long now,
    struct captcha_challenge *out)
{
	unsigned char r[SALT_RANDOM_BYTES];
	char rhex[2 * SALT_RANDOM_BYTES + 1];
	long number;
	int n;

	if (!crypto_uuid_valid(page_id) || k->current.len == 0 ||
	    crypto_random(r, sizeof(r)) != 0 ||
	    random_number(CAPTCHA_MAX_NUMBER, &number) != 0)
		return -1;
	crypto_hex_encode(r, sizeof(r), rhex);
	out->expires = now + CAPTCHA_TTL_SECONDS;
	out->maxnumber = CAPTCHA_MAX_NUMBER;
	n = snprintf(out->salt, sizeof(out->salt),
	    "%s?expires=%ld&pageId=%s&kid=%s&", rhex, out->expires, page_id,
	    k->current.id);
	if (n < 0 || (size_t)n >= sizeof(out->salt))
		return -1;
	hash_hex(out->salt, number, out->challenge);
	sign_hex(&k->current, out->challenge, out->signature);
	return 0;
}

/* What a salt carries, as spans into it. */
struct salt_params {
	const char *expires, *page_id, *kid;
	size_t expires_len, page_id_len, kid_len;
};

static int
is_hex_text(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') ||
		        (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	}
	return 1;
}

/* Takes one "name=value&" parameter at *p into the slot its name names;
 * -1 for an unknown, repeated or empty one. */
static int
take_param(const char **p, const char *end, struct salt_params *sp)
{
	static const char *names[] = { "expires=", "pageId=", "kid=" };
	const char **vals[] = { &sp->expires, &sp->page_id, &sp->kid };
	size_t *lens[] = { &sp->expires_len, &sp->page_id_len, &sp->kid_len };
	const char *amp = memchr(*p, '&', (size_t)(end - *p));
	size_t i, nl;

	if (amp == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		nl = strlen(names[i]);
		if ((size_t)(amp - *p) > nl && strncmp(*p, names[i], nl) == 0) {
			if (*vals[i] != NULL)
				return -1;
			*vals[i] = *p + nl;
			*lens[i] = (size_t)(amp - *p) - nl;
			*p = amp + 1;
			return 0;
		}
	}
	return -1;
}

static int
parse_salt(const char *salt, struct salt_params *sp)
{
	size_t len = strlen(salt);
	const char *q = strchr(salt, '?'), *p, *end = salt + len;

	memset(sp, 0, sizeof(*sp));
	if (len == 0 || len >= CAPTCHA_SALT_MAX || salt[len - 1] != '&' ||
	    q == NULL || q == salt || !is_hex_text(salt, (size_t)(q - salt)))
		return -1;
	for (p = q + 1; p < end;) {
		if (take_param(&p, end, sp) != 0)
			return -1;
	}
	return sp->expires != NULL && sp->page_id != NULL && sp->kid != NULL
	    ? 0
	    : -1;
}

/* The payload's fields, borrowed from the jansson object. */
struct payload {
	const char *algorithm, *challenge, *salt, *signature;
	long number;
};

static int
read_payload(json_t *o, struct payload *p)
{
	json_t *num = json_object_get(o, "number");

	p->algorithm = json_string_value(json_object_get(o, "algorithm"));
	p->challenge = json_string_value(json_object_get(o, "challenge"));
	p->salt = json_string_value(json_object_get(o, "salt"));
	p->signature = json_string_value(json_object_get(o, "signature"));
	if (p->algorithm == NULL || p->challenge == NULL || p->salt == NULL ||
	    p->signature == NULL || !json_is_integer(num))
		return -1;
	if (json_integer_value(num) < 0 ||
	    json_integer_value(num) > 1000L * CAPTCHA_MAX_NUMBER)
		return -1;
	p->number = (long)json_integer_value(num);
	if (strlen(p->challenge) != CAPTCHA_HEX_LEN ||
	    strlen(p->signature) != CAPTCHA_HEX_LEN)
		return -1;
	return 0;
}

static enum captcha_result
check_payload(const struct keyring *k, const struct payload *p,
    const char *page_id, long now, struct captcha_solution *out)
{
	struct salt_params sp;
	const struct keyring_key *key;
	char want[CAPTCHA_HEX_LEN + 1];
	long expires;

	if (strcmp(p->algorithm, CAPTCHA_ALGORITHM) != 0 ||
	    parse_salt(p->salt, &sp) != 0 ||
	    text_parse_decimal(
	        sp.expires, sp.expires_len, 999999999999L, &expires) != 0)
		return CAPTCHA_MALFORMED;
	key = keyring_find(k, sp.kid, sp.kid_len);
	if (key == NULL)
		return CAPTCHA_BAD_SIGNATURE;
	sign_hex(key, p->challenge, want);
	if (!crypto_equal(want, p->signature, CAPTCHA_HEX_LEN))
		return CAPTCHA_BAD_SIGNATURE;
	hash_hex(p->salt, p->number, want);
	if (!crypto_equal(want, p->challenge, CAPTCHA_HEX_LEN))
		return CAPTCHA_WRONG_NUMBER;
	if (now > expires)
		return CAPTCHA_EXPIRED;
	if (sp.page_id_len != strlen(page_id) ||
	    strncasecmp(sp.page_id, page_id, sp.page_id_len) != 0)
		return CAPTCHA_OTHER_PAGE;
	if (out != NULL) {
		memcpy(out->challenge, p->challenge, CAPTCHA_HEX_LEN + 1);
		out->expires = expires;
	}
	return CAPTCHA_OK;
}

enum captcha_result
captcha_verify(const struct keyring *k, const char *token, const char *page_id,
    long now, struct captcha_solution *out)
{
	unsigned char json[CAPTCHA_TOKEN_MAX];
	size_t len = strnlen(token, CAPTCHA_TOKEN_MAX + 1);
	struct payload p;
	enum captcha_result r;
	json_t *o;
	long n;

	if (len > CAPTCHA_TOKEN_MAX)
		return CAPTCHA_MALFORMED;
	n = base64_decode(token, len, json, sizeof(json));
	if (n <= 0)
		return CAPTCHA_MALFORMED;
	o = json_loadb(
	    (const char *)json, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
	if (o == NULL)
		return CAPTCHA_MALFORMED;
	if (!json_is_object(o) || read_payload(o, &p) != 0)
		r = CAPTCHA_MALFORMED;
	else
		r = check_payload(k, &p, page_id, now, out);
	json_decref(o);
	return r;
}

const char *
captcha_result_message(enum captcha_result r)
{
	static const char *messages[CAPTCHA__MAX] = {
		[CAPTCHA_OK] = "captcha solved",
		[CAPTCHA_MALFORMED] = "captchaToken is not an ALTCHA payload",
		[CAPTCHA_BAD_SIGNATURE] = "captcha signature does not verify",
		[CAPTCHA_WRONG_NUMBER] = "captcha is not solved",
		[CAPTCHA_EXPIRED] = "captcha has expired",
		[CAPTCHA_OTHER_PAGE] = "captcha was issued for another page",
	};

	return (unsigned)r < CAPTCHA__MAX ? messages[r] : "captcha refused";
}
