/* Subscriber contacts (core/contact.c): email, E.164, webhook and Slack
 * URLs, internal address ranges, allowed networks. */
#include <arpa/inet.h>
#include <check.h>
#include <string.h>

#include "contact.h"
#include "suites.h"

START_TEST(test_email)
{
	static const char *good[] = { "a@example.com",
		"first.last+tag@sub.example.org",
		"x!#$%&'*+/=?^_`{|}~-@ex-ample.co" };
	static const char *bad[] = { "", "@example.com", "a@", "a@example",
		"a@@example.com", "a@b@example.com", "Name <a@example.com>",
		"a b@example.com", ".a@example.com", "a.@example.com",
		"a..b@example.com", "\"a\"@example.com", "a@-example.com",
		"a@example-.com", "a@exa_mple.com", "a@example..com",
		"a@[127.0.0.1]", "a@example.123", "a@example.com.",
		"a(comment)@example.com" };
	char local[80], longdom[400];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(contact_email_valid(good[i]), "%s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!contact_email_valid(bad[i]), "%s", bad[i]);
	/* RFC 5321 lengths: local part 64, whole address 254. */
	memset(local, 'a', 64);
	strcpy(local + 64, "@example.com");
	ck_assert(contact_email_valid(local));
	memset(local, 'a', 65);
	strcpy(local + 65, "@example.com");
	ck_assert(!contact_email_valid(local));
	strcpy(longdom, "a@");
	for (i = 0; i < 5; i++)
		strcat(longdom,
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaa.");
	strcat(longdom, "com");
	ck_assert_uint_gt(strlen(longdom), 254);
	ck_assert(!contact_email_valid(longdom));
}
END_TEST

START_TEST(test_e164)
{
	ck_assert(contact_e164_valid("+14155552671"));
	ck_assert(contact_e164_valid("+441234567"));
	ck_assert(contact_e164_valid("+123456789012345"));
	ck_assert(!contact_e164_valid("+1234567890123456"));
	ck_assert(!contact_e164_valid("14155552671"));
	ck_assert(!contact_e164_valid("+04155552671"));
	ck_assert(!contact_e164_valid("+1 415 555 2671"));
	ck_assert(!contact_e164_valid("+1-415-555-2671"));
	ck_assert(!contact_e164_valid("+123456"));
	ck_assert(!contact_e164_valid("+"));
	ck_assert(!contact_e164_valid(""));
}
END_TEST

START_TEST(test_https_url)
{
	struct contact_url u;

	ck_assert_int_eq(
	    contact_https_url_parse("https://Hooks.Example.com/x?y=1", &u), 0);
	ck_assert_str_eq(u.host, "hooks.example.com");
	ck_assert_uint_eq(u.port, 443);
	ck_assert_int_eq(contact_https_url_parse("https://h.io:8443", &u), 0);
	ck_assert_uint_eq(u.port, 8443);
	ck_assert_int_eq(contact_https_url_parse("https://[::1]:9/p", &u), 0);
	ck_assert_str_eq(u.host, "::1");
	ck_assert_int_eq(u.host_is_ipv6, 1);
	ck_assert_int_eq(contact_https_url_parse("https://2130706433/", &u), 0);
	ck_assert_int_eq(contact_https_url_parse("https://0x7f.1/", &u), 0);
	ck_assert_int_eq(contact_https_url_parse("http://h.io/", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://u:p@h.io/", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://h.io/#f", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://h.io:0/", &u), -1);
	ck_assert_int_eq(
	    contact_https_url_parse("https://h.io:70000/", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://h .io/", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://[::1/", &u), -1);
	ck_assert_int_eq(
	    contact_https_url_parse("https://[fe80::1%25e]/", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://h_o.io/", &u), -1);
	ck_assert_int_eq(
	    contact_https_url_parse("https://h.io\\@evil/", &u), -1);
	ck_assert_int_eq(contact_https_url_parse("https://1.2.3.4.5/", &u), -1);
}
END_TEST

START_TEST(test_slack)
{
	ck_assert(contact_slack_url_valid(
	    "https://hooks.slack.com/services/T000/B000/XXXXXXXX"));
	ck_assert(!contact_slack_url_valid(
	    "https://hooks.slack.com/services/T000/B000"));
	ck_assert(!contact_slack_url_valid(
	    "https://hooks.slack.com/services/T000/B000/X/Y"));
	ck_assert(!contact_slack_url_valid(
	    "https://hooks.slack.com.evil.io/services/T/B/X"));
	ck_assert(
	    !contact_slack_url_valid("http://hooks.slack.com/services/T/B/X"));
	ck_assert(!contact_slack_url_valid(
	    "https://hooks.slack.com/services/T/B/X?x=1"));
}
END_TEST

static int
internal(const char *text, const struct contact_nets *nets)
{
	struct sockaddr_in6 s6;
	struct sockaddr_in s4;

	memset(&s6, 0, sizeof(s6));
	memset(&s4, 0, sizeof(s4));
	if (inet_pton(AF_INET, text, &s4.sin_addr) == 1) {
		s4.sin_family = AF_INET;
		return contact_address_internal((struct sockaddr *)&s4, nets);
	}
	ck_assert_int_eq(inet_pton(AF_INET6, text, &s6.sin6_addr), 1);
	s6.sin6_family = AF_INET6;
	return contact_address_internal((struct sockaddr *)&s6, nets);
}

START_TEST(test_internal_ranges)
{
	static const char *in[] = { "0.0.0.0", "10.1.2.3", "100.64.0.1",
		"100.127.255.255", "127.0.0.1", "127.255.0.1",
		"169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8",
		"192.0.2.1", "192.168.1.1", "198.18.0.1", "198.51.100.7",
		"203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255", "::", "::1", "::ffff:127.0.0.1",
		"::ffff:10.0.0.1", "::ffff:0:169.254.1.1", "::127.0.0.1",
		"64:ff9b::a00:1", "2002:7f00:1::", "fc00::1", "fd12:3456::1",
		"fe80::1", "fec0::1", "ff02::1", "100::1", "2001:db8::1",
		"2001::1", "3fff::1" };
	static const char *out[] = { "8.8.8.8", "1.1.1.1", "100.63.255.255",
		"100.128.0.0", "172.15.255.255", "172.32.0.0", "192.169.0.1",
		"93.184.216.34", "::ffff:8.8.8.8", "64:ff9b::808:808",
		"2002:808:808::", "2606:4700::1111", "2a00:1450:4001::200e" };
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		ck_assert_msg(internal(in[i], NULL), "%s", in[i]);
	for (i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		ck_assert_msg(!internal(out[i], NULL), "%s", out[i]);
}
END_TEST

START_TEST(test_allowed_networks)
{
	struct contact_nets nets;
	char err[256];

	ck_assert_int_eq(
	    contact_nets_parse(
	        &nets, "127.0.0.0/8, fd00:1::/64 10.9.8.7", err, sizeof(err)),
	    0);
	ck_assert_uint_eq(nets.n, 3);
	ck_assert(!internal("127.0.0.1", &nets));
	ck_assert(!internal("::ffff:127.0.0.1", &nets));
	ck_assert(!internal("fd00:1::5", &nets));
	ck_assert(!internal("10.9.8.7", &nets));
	ck_assert(internal("10.9.8.6", &nets));
	ck_assert(internal("fd00:2::5", &nets));
	ck_assert(internal("::1", &nets));
	ck_assert_int_eq(contact_nets_parse(&nets, "", err, sizeof(err)), 0);
	ck_assert_uint_eq(nets.n, 0);
	ck_assert_int_eq(
	    contact_nets_parse(&nets, "10.0.0.0/33", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    contact_nets_parse(&nets, "10.0.0/8", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    contact_nets_parse(&nets, "::1/129", err, sizeof(err)), -1);
	ck_assert_int_eq(
	    contact_nets_parse(&nets, "10.0.0.0/", err, sizeof(err)), -1);
}
END_TEST

/* Names and every numeric spelling resolve to what they mean before the
 * range check ("localhost" comes from /etc/hosts, no DNS needed). */
START_TEST(test_target_check)
{
	static const char *refused[] = { "https://127.0.0.1/h",
		"https://2130706433/h", "https://0x7f000001/h",
		"https://0177.0.0.1/h", "https://0x7f.1/h", "https://127.1/h",
		"https://[::1]/h", "https://[::ffff:127.0.0.1]/h",
		"https://[::ffff:7f00:1]/h", "https://localhost/h",
		"https://169.254.169.254/latest", "https://0/h" };
	struct contact_nets nets;
	char err[64];
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ck_assert_msg(webhook_target_check(refused[i], NULL) ==
		        CONTACT_TARGET_INTERNAL,
		    "%s", refused[i]);
	ck_assert_int_eq(
	    webhook_target_check("https://8.8.8.8/h", NULL), CONTACT_TARGET_OK);
	ck_assert_int_eq(webhook_target_check("http://8.8.8.8/h", NULL),
	    CONTACT_TARGET_BAD_URL);
	ck_assert_int_eq(
	    webhook_target_check("https://no-such-host.invalid/h", NULL),
	    CONTACT_TARGET_UNRESOLVED);
	contact_nets_parse(&nets, "127.0.0.0/8 ::1/128", err, sizeof(err));
	ck_assert_int_eq(webhook_target_check("https://localhost/h", &nets),
	    CONTACT_TARGET_OK);
}
END_TEST

Suite *
contact_suite(void)
{
	Suite *s = suite_create("contact");
	TCase *tc = tcase_create("contact");

	tcase_add_test(tc, test_email);
	tcase_add_test(tc, test_e164);
	tcase_add_test(tc, test_https_url);
	tcase_add_test(tc, test_slack);
	tcase_add_test(tc, test_internal_ranges);
	tcase_add_test(tc, test_allowed_networks);
	tcase_add_test(tc, test_target_check);
	suite_add_tcase(s, tc);
	return s;
}
