/* Subscriber tokens (core/subtoken.c). */
#include <check.h>
#include <string.h>

#include "sublink.h"
#include "subtoken.h"
#include "suites.h"

static const char key_a[] =
    "t1:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
static const char key_b[] =
    "t2:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
static const char sub[] = "123e4567-e89b-12d3-a456-426614174000";
static const long now = 1800000000L;

static void
ring(struct keyring *k, const char *cur, const char *prev)
{
	char err[256];

	ck_assert_int_eq(keyring_parse(k, "subscriber_token_key", cur, prev,
	                     err, sizeof(err)),
	    0);
}

START_TEST(test_round_trip)
{
	struct keyring k;
	struct subtoken t;
	char tok[SUBTOKEN_TEXT_MAX];

	ring(&k, key_a, NULL);
	ck_assert_int_eq(
	    subtoken_encode(&k, SUBTOKEN_UNSUBSCRIBE, "cloud-1", sub, now, tok),
	    0);
	ck_assert_int_eq(strncmp(tok, "t1.", 3), 0);
	/* Opaque enough: the ids are not in clear. */
	ck_assert_ptr_null(strstr(tok, "cloud-1"));
	ck_assert_int_eq(
	    subtoken_verify(&k, tok, SUBTOKEN_UNSUBSCRIBE, now + 1000000, &t),
	    0);
	ck_assert_str_eq(t.subscriber_id, sub);
	ck_assert_str_eq(t.cloud_id, "cloud-1");
	ck_assert_int_eq(t.expires, 0);
}
END_TEST

START_TEST(test_confirm_expires)
{
	struct keyring k;
	struct subtoken t;
	char tok[SUBTOKEN_TEXT_MAX];

	ring(&k, key_a, NULL);
	subtoken_encode(&k, SUBTOKEN_CONFIRM, "c", sub, now, tok);
	ck_assert_int_eq(subtoken_verify(&k, tok, SUBTOKEN_CONFIRM,
	                     now + SUBTOKEN_CONFIRM_SECONDS, &t),
	    0);
	ck_assert_int_eq(t.expires, now + 7 * 24 * 3600);
	ck_assert_int_eq(subtoken_verify(&k, tok, SUBTOKEN_CONFIRM,
	                     now + SUBTOKEN_CONFIRM_SECONDS + 1, &t),
	    -1);
}
END_TEST

START_TEST(test_refused)
{
	struct keyring k, other;
	struct subtoken t;
	char tok[SUBTOKEN_TEXT_MAX], forged[SUBTOKEN_TEXT_MAX];
	size_t len;

	ring(&k, key_a, NULL);
	ring(&other,
	    "t1:ffeeddccbbaa99887766554433221100ffeeddccbbaa9988776655"
	    "4433221100",
	    NULL);
	subtoken_encode(&k, SUBTOKEN_MANAGE, "c", sub, now, tok);
	/* Wrong purpose. */
	ck_assert_int_eq(
	    subtoken_verify(&k, tok, SUBTOKEN_CONFIRM, now, &t), -1);
	ck_assert_int_eq(
	    subtoken_verify(&k, tok, SUBTOKEN_UNSUBSCRIBE, now, &t), -1);
	/* Same key id, another key. */
	ck_assert_int_eq(
	    subtoken_verify(&other, tok, SUBTOKEN_MANAGE, now, &t), -1);
	/* Every single changed character. */
	len = strlen(tok);
	for (size_t i = 0; i < len; i++) {
		strcpy(forged, tok);
		forged[i] = forged[i] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(
		    subtoken_verify(&k, forged, SUBTOKEN_MANAGE, now, &t), -1);
	}
	/* Truncated, empty, no dots, garbage. */
	strcpy(forged, tok);
	forged[len - 2] = '\0';
	ck_assert_int_eq(
	    subtoken_verify(&k, forged, SUBTOKEN_MANAGE, now, &t), -1);
	ck_assert_int_eq(subtoken_verify(&k, "", SUBTOKEN_MANAGE, now, &t), -1);
	ck_assert_int_eq(
	    subtoken_verify(&k, "t1..", SUBTOKEN_MANAGE, now, &t), -1);
	ck_assert_int_eq(
	    subtoken_verify(&k, "t1.%%.%%", SUBTOKEN_MANAGE, now, &t), -1);
	/* Not a subscriber id, no cloud. */
	ck_assert_int_eq(
	    subtoken_encode(&k, SUBTOKEN_MANAGE, "c", "x", now, tok), -1);
	ck_assert_int_eq(
	    subtoken_encode(&k, SUBTOKEN_MANAGE, "", sub, now, tok), -1);
}
END_TEST

START_TEST(test_rotation)
{
	struct keyring old, rotated, after;
	struct subtoken t;
	char tok[SUBTOKEN_TEXT_MAX];

	ring(&old, key_a, NULL);
	ring(&rotated, key_b, key_a);
	ring(&after, key_b, NULL);
	subtoken_encode(&old, SUBTOKEN_UNSUBSCRIBE, "c", sub, now, tok);
	ck_assert_int_eq(
	    subtoken_verify(&rotated, tok, SUBTOKEN_UNSUBSCRIBE, now, &t), 0);
	ck_assert_int_eq(
	    subtoken_verify(&after, tok, SUBTOKEN_UNSUBSCRIBE, now, &t), -1);
}
END_TEST

/* One verification for a set of purposes: the token's own purpose is
 * reported; a purpose outside the set, an empty set and no token fail. */
START_TEST(test_any_purpose)
{
	struct keyring k;
	struct subtoken t;
	char tok[SUBTOKEN_TEXT_MAX];
	const unsigned unsub_or_manage =
	    SUBTOKEN_BIT(SUBTOKEN_UNSUBSCRIBE) | SUBTOKEN_BIT(SUBTOKEN_MANAGE);

	ring(&k, key_a, NULL);
	ck_assert_int_eq(
	    subtoken_encode(&k, SUBTOKEN_MANAGE, "c", sub, now, tok), 0);
	ck_assert_int_eq(
	    subtoken_verify_any(&k, tok, unsub_or_manage, now, &t), 0);
	ck_assert_int_eq(t.purpose, SUBTOKEN_MANAGE);
	ck_assert_str_eq(t.subscriber_id, sub);
	ck_assert_int_eq(subtoken_verify_any(&k, tok,
	                     SUBTOKEN_BIT(SUBTOKEN_CONFIRM) |
	                         SUBTOKEN_BIT(SUBTOKEN_UNSUBSCRIBE),
	                     now, &t),
	    -1);
	ck_assert_int_eq(subtoken_verify_any(&k, tok, 0, now, &t), -1);
	ck_assert_int_eq(
	    subtoken_verify_any(&k, NULL, unsub_or_manage, now, &t), -1);
	ck_assert_int_eq(
	    subtoken_encode(&k, SUBTOKEN_CONFIRM, "c", sub, now, tok), 0);
	ck_assert_int_eq(
	    subtoken_verify_any(&k, tok,
	        SUBTOKEN_BIT(SUBTOKEN_CONFIRM) | unsub_or_manage, now, &t),
	    0);
	ck_assert_int_eq(t.purpose, SUBTOKEN_CONFIRM);
}
END_TEST

START_TEST(test_links)
{
	char out[160];

	ck_assert_int_eq(sublink_build("status.example.com", "acme",
	                     SUBTOKEN_CONFIRM, "t1.AbC-_.x", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out,
	    "https://acme.status.example.com/subscriptions/"
	    "confirm?token=t1.AbC-_.x");
	/* Manage tokens unsubscribe; a key id's odd bytes are encoded. */
	ck_assert_int_eq(sublink_build("example.org", "p", SUBTOKEN_MANAGE,
	                     "k/1&=.x", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out,
	    "https://p.example.org/subscriptions/"
	    "unsubscribe?token=k%2F1%26%3D.x");
	ck_assert_int_eq(
	    sublink_build("", "p", SUBTOKEN_CONFIRM, "t", out, sizeof(out)),
	    -1);
	ck_assert_int_eq(
	    sublink_build("e.org", "p", SUBTOKEN__MAX, "t", out, sizeof(out)),
	    -1);
	/* Cut short is refused, never truncated. */
	ck_assert_int_eq(sublink_build("example.org", "p", SUBTOKEN_CONFIRM,
	                     "t1.abcdef", out, 50),
	    -1);
}
END_TEST

Suite *
subtoken_suite(void)
{
	Suite *s = suite_create("subtoken");
	TCase *tc = tcase_create("subtoken");

	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_confirm_expires);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_rotation);
	tcase_add_test(tc, test_any_purpose);
	tcase_add_test(tc, test_links);
	suite_add_tcase(s, tc);
	return s;
}
