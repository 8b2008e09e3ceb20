/* core/webhook_sign.c against the Standard Webhooks reference vectors;
 * core/retry.c back-off arithmetic. */
#include <check.h>
#include <string.h>

#include "retry.h"
#include "suites.h"
#include "webhook_sign.h"

/* The specification's reference libraries sign this message with this key
 * to exactly this signature (their test_sign_function). */
#define REF_KEY "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define REF_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define REF_TS 1614265330L
#define REF_BODY "{\"test\": 2432232314}"
#define REF_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

START_TEST(test_reference_vector)
{
	struct webhook_key k;
	char sig[WEBHOOK_SIGNATURE_MAX];

	ck_assert_int_eq(webhook_key_parse(REF_KEY, &k), 0);
	ck_assert_uint_eq(k.len, 24);
	ck_assert_int_eq(
	    webhook_sign(&k, REF_ID, REF_TS, REF_BODY, strlen(REF_BODY), sig),
	    0);
	ck_assert_str_eq(sig, REF_SIG);
}
END_TEST

START_TEST(test_each_part_is_signed)
{
	struct webhook_key k;
	char sig[WEBHOOK_SIGNATURE_MAX];

	ck_assert_int_eq(webhook_key_parse(REF_KEY, &k), 0);
	webhook_sign(&k, "msg_other", REF_TS, REF_BODY, strlen(REF_BODY), sig);
	ck_assert_str_ne(sig, REF_SIG);
	webhook_sign(&k, REF_ID, REF_TS + 1, REF_BODY, strlen(REF_BODY), sig);
	ck_assert_str_ne(sig, REF_SIG);
	webhook_sign(&k, REF_ID, REF_TS, REF_BODY, strlen(REF_BODY) - 1, sig);
	ck_assert_str_ne(sig, REF_SIG);
}
END_TEST

START_TEST(test_key_forms)
{
	struct webhook_key k;
	/* 32 bytes, as sign-up mints them: padded and unpadded alike. */
	const char *padded =
	    "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
	const char *bare = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";

	ck_assert_int_eq(webhook_key_parse(padded, &k), 0);
	ck_assert_uint_eq(k.len, 32);
	ck_assert_uint_eq(k.bytes[31], 31);
	ck_assert_int_eq(webhook_key_parse(bare, &k), 0);
	ck_assert_uint_eq(k.len, 32);
	ck_assert_uint_eq(k.bytes[0], 0);
	ck_assert_uint_eq(k.bytes[31], 31);
}
END_TEST

START_TEST(test_bad_keys_refused)
{
	struct webhook_key k;

	ck_assert_int_eq(
	    webhook_key_parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", &k),
	    -1); /* no prefix */
	ck_assert_int_eq(webhook_key_parse("whsec_", &k), -1);
	ck_assert_int_eq(webhook_key_parse("whsec_c2hvcnQ=", &k), -1);
	ck_assert_int_eq(
	    webhook_key_parse("whsec_MfKQ9r8GKYqrTwjUPD8I-PZIo2LaLaSw", &k),
	    -1);
	ck_assert_int_eq(
	    webhook_key_parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA", &k),
	    -1); /* a stray sixth bit group */
	ck_assert_int_eq(
	    webhook_key_parse(
	        "whsec_"
	        "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAECAwQF"
	        "BgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAAA",
	        &k),
	    -1); /* longer than WEBHOOK_KEY_MAX */
}
END_TEST

START_TEST(test_backoff_doubles_with_jitter_in_upper_half)
{
	/* attempt 1: 1000 ms, so 500..1000; attempt 4: 8000, so 4000..8000 */
	ck_assert_int_eq(retry_delay_ms(1, 1000, 60000, 0, 0.0), 500);
	ck_assert_int_eq(retry_delay_ms(1, 1000, 60000, 0, 0.999), 999);
	ck_assert_int_eq(retry_delay_ms(4, 1000, 60000, 0, 0.0), 4000);
	ck_assert_int_eq(retry_delay_ms(4, 1000, 60000, 0, 0.5), 6000);
	/* capped, however many attempts */
	ck_assert_int_eq(retry_delay_ms(40, 1000, 60000, 0, 0.0), 30000);
	ck_assert_int_eq(retry_delay_ms(1000, 1000, 60000, 0, 0.5), 45000);
}
END_TEST

START_TEST(test_retry_after_is_a_floor_under_the_cap)
{
	ck_assert_int_eq(retry_delay_ms(1, 1000, 60000, 7, 0.0), 7000);
	/* an earlier Retry-After does not hurry the back-off */
	ck_assert_int_eq(retry_delay_ms(4, 1000, 60000, 1, 0.0), 4000);
	/* a Retry-After beyond the cap waits the cap, not days */
	ck_assert_int_eq(retry_delay_ms(1, 1000, 60000, 86400, 0.0), 60000);
}
END_TEST

Suite *
webhook_sign_suite(void)
{
	Suite *s = suite_create("webhook_sign");
	TCase *tc = tcase_create("webhook_sign");

	tcase_add_test(tc, test_reference_vector);
	tcase_add_test(tc, test_each_part_is_signed);
	tcase_add_test(tc, test_key_forms);
	tcase_add_test(tc, test_bad_keys_refused);
	tcase_add_test(tc, test_backoff_doubles_with_jitter_in_upper_half);
	tcase_add_test(tc, test_retry_after_is_a_floor_under_the_cap);
	suite_add_tcase(s, tc);
	return s;
}
