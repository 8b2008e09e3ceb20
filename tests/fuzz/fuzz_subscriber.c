/*
 * libFuzzer harness for what a subscriber sends: captchaToken payloads
 * (core/captcha.c), subscriber tokens (core/subtoken.c) and contacts
 * (core/contact.c, the parsers only: no name is resolved here). The first
 * byte picks the target; the rest is the input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "captcha.h"
#include "contact.h"
#include "crypto.h"
#include "fuzz_check.h"
#include "subtoken.h"

/* tests/fuzz/make_subscriber_seeds.py makes the seeds with these keys
 * and this clock. */
static const char captcha_key[] =
    "c1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char token_key[] =
    "t1:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
static const char page[] = "123e4567-e89b-12d3-a456-426614174000";
static const long now = 1800000000L;

static void
fuzz_captcha(const struct keyring *k, const char *text, size_t n)
{
	struct captcha_solution s;
	unsigned char *b64 = malloc(4 * (n / 3 + 1) + 1);
	enum captcha_result r;

	/* As the token, and as the JSON inside a well-formed token. */
	r = captcha_verify(k, text, page, now, &s);
	CHECK((unsigned)r < CAPTCHA__MAX);
	if (r == CAPTCHA_OK)
		CHECK(strlen(s.challenge) == CAPTCHA_HEX_LEN);
	if (b64 == NULL)
		return;
	EVP_EncodeBlock(b64, (const unsigned char *)text, (int)n);
	r = captcha_verify(k, (const char *)b64, page, now, &s);
	CHECK((unsigned)r < CAPTCHA__MAX);
	CHECK(captcha_result_message(r) != NULL);
	free(b64);
}

static void
fuzz_token(const struct keyring *k, const char *text)
{
	char again[SUBTOKEN_TEXT_MAX];
	struct subtoken t;
	int p, found = -1;

	for (p = 0; p < SUBTOKEN__MAX; p++) {
		if (subtoken_verify(
		        k, text, (enum subtoken_purpose)p, now, &t) != 0)
			continue;
		found = p;
		/* Whatever verifies names a subscriber and a cloud, and is
		 * what encoding that pair gives (for tokens without expiry). */
		CHECK(crypto_uuid_valid(t.subscriber_id));
		CHECK(t.cloud_id[0] != '\0');
		if (t.expires == 0) {
			CHECK(subtoken_encode(k, t.purpose, t.cloud_id,
			          t.subscriber_id, now, again) == 0);
			CHECK(strcmp(again, text) == 0);
		}
	}
	/* A set of every purpose admits exactly what one of them does. */
	CHECK(subtoken_verify_any(k, text, SUBTOKEN_BIT(SUBTOKEN__MAX) - 1, now,
	          &t) == (found < 0 ? -1 : 0));
	CHECK(found < 0 || (int)t.purpose == found);
}

static void
fuzz_contacts(const char *text)
{
	struct contact_url u;
	struct contact_nets nets;
	char err[256];

	if (contact_email_valid(text)) {
		CHECK(strlen(text) <= 254);
		CHECK(strchr(text, '@') == strrchr(text, '@'));
	}
	if (contact_e164_valid(text))
		CHECK(text[0] == '+' && strlen(text) <= 16);
	if (contact_https_url_parse(text, &u) == 0)
		CHECK(u.host[0] != '\0' && u.port > 0 && u.port < 65536);
	if (contact_slack_url_valid(text))
		CHECK(contact_https_url_parse(text, &u) == 0);
	if (contact_nets_parse(&nets, text, err, sizeof(err)) == 0)
		CHECK(nets.n <= CONTACT_NETS_MAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keyring captcha, tokens;
	static int ready;
	char err[256], *text;

	if (!ready) {
		CHECK(keyring_parse(&captcha, "captcha_hmac_key", captcha_key,
		          NULL, err, sizeof(err)) == 0);
		CHECK(keyring_parse(&tokens, "subscriber_token_key", token_key,
		          NULL, err, sizeof(err)) == 0);
		ready = 1;
	}
	if (size < 1)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0: fuzz_captcha(&captcha, text, size - 1); break;
	case 1: fuzz_token(&tokens, text); break;
	default: fuzz_contacts(text); break;
	}
	free(text);
	return 0;
}
