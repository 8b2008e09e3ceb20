/* Captcha (core/captcha.c), its keys (core/keyring.c) and strict base64. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "captcha.h"
#include "config.h"
#include "crypto.h"
#include "keyring.h"
#include "suites.h"

static const char key_a[] =
    "a1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char key_b[] =
    "b2:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
static const char page[] = "123e4567-e89b-12d3-a456-426614174000";
static const char other_page[] = "223e4567-e89b-12d3-a456-426614174000";
static const long now = 1800000000L;

static void
ring(struct keyring *k, const char *cur, const char *prev)
{
	char err[256];

	ck_assert_int_eq(
	    keyring_parse(k, "captcha_hmac_key", cur, prev, err, sizeof(err)),
	    0);
}

/* What the widget does: count up from 0 until SHA-256(salt + n) is the
 * challenge, the way any ALTCHA v1 solver does. */
static long
solve(const struct captcha_challenge *c)
{
	char buf[CAPTCHA_SALT_MAX + 24], hex[65];
	unsigned char d[SHA256_LEN];
	long n;

	for (n = 0; n <= c->maxnumber; n++) {
		int len = snprintf(buf, sizeof(buf), "%s%ld", c->salt, n);

		crypto_sha256(buf, (size_t)len, d);
		crypto_hex_encode(d, SHA256_LEN, hex);
		if (strcmp(hex, c->challenge) == 0)
			return n;
	}
	return -1;
}

/* base64(JSON payload), as the widget submits it. */
static void
payload(char *out, size_t cap, const char *alg, const char *challenge,
    long number, const char *salt, const char *sig)
{
	char json[1024];
	int n = snprintf(json, sizeof(json),
	    "{\"algorithm\":\"%s\",\"challenge\":\"%s\",\"number\":%ld,"
	    "\"salt\":\"%s\",\"signature\":\"%s\",\"took\":12}",
	    alg, challenge, number, salt, sig);

	ck_assert_uint_lt((size_t)(4 * ((n + 2) / 3) + 1), cap);
	EVP_EncodeBlock((unsigned char *)out, (unsigned char *)json, n);
}

/* A new challenge of k for page, solved into tok; returns the number. */
static long
solved(
    const struct keyring *k, struct captcha_challenge *c, char *tok, size_t cap)
{
	long n;

	ck_assert_int_eq(captcha_challenge_new(k, page, now, c), 0);
	n = solve(c);
	ck_assert_int_ge(n, 0);
	payload(tok, cap, "SHA-256", c->challenge, n, c->salt, c->signature);
	return n;
}

START_TEST(test_challenge_shape)
{
	struct keyring k;
	struct captcha_challenge c;
	size_t len;

	ring(&k, key_a, NULL);
	ck_assert_int_eq(captcha_challenge_new(&k, page, now, &c), 0);
	len = strlen(c.salt);
	ck_assert_int_eq(c.salt[len - 1], '&');
	ck_assert_ptr_nonnull(strstr(c.salt, "?expires=1800000600&"));
	ck_assert_ptr_nonnull(strstr(c.salt, "&pageId="));
	ck_assert_ptr_nonnull(strstr(c.salt, page));
	ck_assert_ptr_nonnull(strstr(c.salt, "&kid=a1&"));
	ck_assert_uint_eq(strlen(c.challenge), 64);
	ck_assert_uint_eq(strlen(c.signature), 64);
	ck_assert_int_eq(c.maxnumber, CAPTCHA_MAX_NUMBER);
	/* Not a page id: no challenge. */
	ck_assert_int_eq(captcha_challenge_new(&k, "pg-1", now, &c), -1);
}
END_TEST

START_TEST(test_solution_accepted)
{
	struct keyring k;
	struct captcha_challenge c;
	struct captcha_solution s;
	char tok[2048];

	ring(&k, key_a, NULL);
	solved(&k, &c, tok, sizeof(tok));
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now + 10, &s), CAPTCHA_OK);
	ck_assert_str_eq(s.challenge, c.challenge);
	ck_assert_int_eq(s.expires, now + CAPTCHA_TTL_SECONDS);
	/* The page id compares without regard to case. */
	ck_assert_int_eq(captcha_verify(&k, tok,
	                     "123E4567-E89B-12D3-A456-426614174000", now, NULL),
	    CAPTCHA_OK);
}
END_TEST

START_TEST(test_refusals)
{
	struct keyring k, other;
	struct captcha_challenge c;
	char tok[2048], sig[65], salt[CAPTCHA_SALT_MAX];
	long n;

	ring(&k, key_a, NULL);
	ring(&other, key_b, NULL);
	n = solved(&k, &c, tok, sizeof(tok));
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now + CAPTCHA_TTL_SECONDS + 1, NULL),
	    CAPTCHA_EXPIRED);
	ck_assert_int_eq(
	    captcha_verify(&k, tok, other_page, now, NULL), CAPTCHA_OTHER_PAGE);
	/* Another key (its id unknown here). */
	ck_assert_int_eq(captcha_verify(&other, tok, page, now, NULL),
	    CAPTCHA_BAD_SIGNATURE);
	/* A wrong number. */
	payload(tok, sizeof(tok), "SHA-256", c.challenge, n + 1, c.salt,
	    c.signature);
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now, NULL), CAPTCHA_WRONG_NUMBER);
	/* A tampered signature. */
	strcpy(sig, c.signature);
	sig[0] = sig[0] == 'a' ? 'b' : 'a';
	payload(tok, sizeof(tok), "SHA-256", c.challenge, n, c.salt, sig);
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now, NULL), CAPTCHA_BAD_SIGNATURE);
	/* Another algorithm. */
	payload(tok, sizeof(tok), "SHA-1", c.challenge, n, c.salt, c.signature);
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now, NULL), CAPTCHA_MALFORMED);
	/* The salt without its trailing '&'. */
	strcpy(salt, c.salt);
	salt[strlen(salt) - 1] = '\0';
	payload(tok, sizeof(tok), "SHA-256", c.challenge, n, salt, c.signature);
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now, NULL), CAPTCHA_MALFORMED);
	/* A salt whose expiry was moved: the challenge no longer matches. */
	strcpy(salt, c.salt);
	strstr(salt, "expires=18")[9] = '9';
	payload(tok, sizeof(tok), "SHA-256", c.challenge, n, salt, c.signature);
	ck_assert_int_eq(
	    captcha_verify(&k, tok, page, now, NULL), CAPTCHA_WRONG_NUMBER);
	/* Not base64, not JSON, not an object, missing fields. */
	ck_assert_int_eq(
	    captcha_verify(&k, "%%%%", page, now, NULL), CAPTCHA_MALFORMED);
	ck_assert_int_eq(
	    captcha_verify(&k, "", page, now, NULL), CAPTCHA_MALFORMED);
	ck_assert_int_eq(captcha_verify(&k, "bm90IGpzb24=", page, now, NULL),
	    CAPTCHA_MALFORMED);
	ck_assert_int_eq(
	    captcha_verify(&k, "WzFd", page, now, NULL), CAPTCHA_MALFORMED);
	ck_assert_int_eq(
	    captcha_verify(&k, "e30=", page, now, NULL), CAPTCHA_MALFORMED);
}
END_TEST

/* A challenge made with the previous key verifies during a rotation, and
 * not after it. */
START_TEST(test_rotation)
{
	struct keyring old, rotated, after;
	struct captcha_challenge c;
	char tok[2048];

	ring(&old, key_a, NULL);
	ring(&rotated, key_b, key_a);
	ring(&after, key_b, NULL);
	solved(&old, &c, tok, sizeof(tok));
	ck_assert_int_eq(
	    captcha_verify(&rotated, tok, page, now, NULL), CAPTCHA_OK);
	ck_assert_int_eq(captcha_verify(&after, tok, page, now, NULL),
	    CAPTCHA_BAD_SIGNATURE);
	captcha_challenge_new(&rotated, page, now, &c);
	ck_assert_ptr_nonnull(strstr(c.salt, "&kid=b2&"));
}
END_TEST

START_TEST(test_keyring_strict)
{
	struct keyring k;
	char err[256];

	ck_assert_int_eq(
	    keyring_parse(&k, "x", "", NULL, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "x is not set");
	/* No id, a bad id, short or non-hex keys. */
	ck_assert_int_eq(
	    keyring_parse(&k, "x", key_a + 3, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(
	    keyring_parse(&k, "x",
	        "a b:00112233445566778899aabbccddeeff0011223344556677"
	        "8899aabbccddeeff",
	        NULL, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(keyring_parse(&k, "x", "a1:0011223344556677", NULL,
	                     err, sizeof(err)),
	    -1);
	ck_assert_ptr_null(strstr(err, "0011"));
	ck_assert_int_eq(keyring_parse(&k, "x",
	                     "a1:correct horse battery staple "
	                     "and more words here",
	                     NULL, err, sizeof(err)),
	    -1);
	/* The previous key needs its own id. */
	ck_assert_int_eq(keyring_parse(&k, "x", key_a,
	                     "a1:ffeeddccbbaa99887766554433221100ffeeddccbbaa99"
	                     "887766554433221100",
	                     err, sizeof(err)),
	    -1);
	ck_assert_int_eq(
	    keyring_parse(&k, "x", key_a, key_b, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(keyring_find(&k, "b2", 2));
	ck_assert_ptr_null(keyring_find(&k, "b", 1));
}
END_TEST

/* statusd's start-up check: both keys set and strong, not the same key,
 * networks well-formed; the quota defaults to a million. */
START_TEST(test_config_subscriber_keys)
{
	struct config c;
	struct subscriber_keys k;
	char err[256];

	config_defaults(&c);
	ck_assert_int_eq(c.subscriber_quota, 1000000);
	ck_assert_int_eq(config_subscriber_keys(&c, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "captcha_hmac_key is not set");
	strcpy(c.captcha_hmac_key, key_a);
	ck_assert_int_eq(config_subscriber_keys(&c, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "subscriber_token_key is not set");
	strcpy(c.subscriber_token_key, "t1:00112233445566778899aabbccddeeff");
	ck_assert_int_eq(config_subscriber_keys(&c, &k, err, sizeof(err)), -1);
	strcpy(c.subscriber_token_key, key_a);
	ck_assert_int_eq(config_subscriber_keys(&c, &k, err, sizeof(err)), -1);
	ck_assert_str_eq(
	    err, "captcha_hmac_key and subscriber_token_key must differ");
	strcpy(c.subscriber_token_key, key_b);
	strcpy(c.webhook_allowed_networks, "10.0.0.0/8, nonsense");
	ck_assert_int_eq(config_subscriber_keys(&c, &k, err, sizeof(err)), -1);
	strcpy(c.webhook_allowed_networks, "10.0.0.0/8, ::1");
	ck_assert_int_eq(config_subscriber_keys(&c, &k, err, sizeof(err)), 0);
	ck_assert_uint_eq(k.webhook_allowed.n, 2);
	ck_assert_int_eq(
	    config_set(&c, "subscriber_quota", "-1", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    config_set(&c, "subscriber_quota", "0", err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_base64_standard)
{
	unsigned char out[16];

	ck_assert_int_eq(base64_decode("aGk=", 4, out, sizeof(out)), 2);
	ck_assert_int_eq(memcmp(out, "hi", 2), 0);
	ck_assert_int_eq(base64_decode("+/+/", 4, out, sizeof(out)), 3);
	/* Padding is required, and only at the end; url digits are not
	 * standard ones. */
	ck_assert_int_eq(base64_decode("aGk", 3, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("a=k=", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("-_-_", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("====", 4, out, sizeof(out)), -1);
	ck_assert_int_eq(base64_decode("aGl=", 4, out, sizeof(out)), -1);
}
END_TEST

Suite *
captcha_suite(void)
{
	Suite *s = suite_create("captcha");
	TCase *tc = tcase_create("captcha");

	tcase_add_test(tc, test_challenge_shape);
	tcase_add_test(tc, test_solution_accepted);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_keyring_strict);
	tcase_add_test(tc, test_config_subscriber_keys);
	tcase_add_test(tc, test_base64_standard);
	suite_add_tcase(s, tc);
	return s;
}
