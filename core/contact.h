/*
 * Subscriber contacts, checked before they are stored: email addresses,
 * E.164 phone numbers, webhook URLs (https, to a public address only) and
 * Slack incoming-webhook URLs. Everything except webhook_target_check is
 * pure (no I/O), for unit tests and fuzzing.
 */
#ifndef STATUSD_CONTACT_H
#define STATUSD_CONTACT_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#define CONTACT_URL_MAX 2048
#define CONTACT_HOST_MAX 253

/* An addr-spec: RFC 5321 lengths (local part <= 64, whole <= 254), one
 * '@', a dot-atom local part, a domain of LDH labels with at least one dot.
 * No display name, comments, quotes or address literals. */
int contact_email_valid(const char *s);
/* E.164: '+', a non-zero digit, 7 to 15 digits in all. */
int contact_e164_valid(const char *s);

/* An https URL split: host is a DNS name, dotted IPv4 in any inet_aton
 * form, or a bracketed IPv6 literal (brackets stripped). */
struct contact_url {
	char host[CONTACT_HOST_MAX + 1];
	int host_is_ipv6;
	unsigned port;
};

/* 0 when s is "https://host[:port][/path][?query]" without user info or
 * fragment, of printable ASCII, at most CONTACT_URL_MAX bytes. */
int contact_https_url_parse(const char *s, struct contact_url *out);

/* A Slack incoming webhook: https://hooks.slack.com/services/<T>/<B>/<key>. */
int contact_slack_url_valid(const char *s);

/* Networks exempt from the internal-address rule (webhook_allowed_networks). */
#define CONTACT_NETS_MAX 32
struct contact_net {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned prefix;
};
struct contact_nets {
	struct contact_net net[CONTACT_NETS_MAX];
	size_t n;
};

/* Parses a comma- or space-separated CIDR list ("10.0.0.0/8, ::1/128");
 * -1 with a message in err for a malformed one. */
int contact_nets_parse(
    struct contact_nets *nets, const char *list, char *err, size_t errlen);

/* 1 when the address is loopback, private, link-local, CGNAT, multicast,
 * unspecified, documentation, benchmarking, reserved or broadcast (IPv4),
 * or the IPv6 equivalents, v4-mapped, NAT64 and 6to4 addresses judged by
 * the IPv4 address they carry; and not inside one of nets (may be NULL). */
int contact_address_internal(
    const struct sockaddr *sa, const struct contact_nets *nets);

enum contact_target {
	CONTACT_TARGET_OK,
	CONTACT_TARGET_BAD_URL,
	CONTACT_TARGET_UNRESOLVED,
	CONTACT_TARGET_INTERNAL
};

/* Checks a webhook URL: its shape, then every address its host resolves
 * to (numeric forms included) must be public or exempt. Resolves names:
 * the one function here that does I/O. */
enum contact_target webhook_target_check(
    const char *url, const struct contact_nets *nets);

#endif
