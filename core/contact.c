#include "contact.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "text.h"

#define EMAIL_MAX 254
#define EMAIL_LOCAL_MAX 64
#define LABEL_MAX 63

static int
is_atext(unsigned char c)
{
	return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A dot-atom: atext runs separated by single dots. */
static int
dot_atom_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '.' ? s[i + 1] == '.'
		                : !is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

/* LDH labels of 1-63, no hyphen at either end, at least two labels when
 * need_dot; the last label not all digits (that would be an address). */
static int
dns_name_valid(const char *s, size_t n, int need_dot)
{
	size_t i, start = 0, labels = 0;
	int digits_only = 1;

	if (n == 0 || n > CONTACT_HOST_MAX)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (i == start || i - start > LABEL_MAX ||
			    s[start] == '-' || s[i - 1] == '-')
				return 0;
			labels++;
			if (i < n)
				digits_only = 1;
			start = i + 1;
			continue;
		}
		if (!isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
		if (!isdigit((unsigned char)s[i]))
			digits_only = 0;
	}
	return !digits_only && (!need_dot || labels >= 2);
}

int
contact_email_valid(const char *s)
{
	size_t n = strnlen(s, EMAIL_MAX + 1);
	const char *at = memchr(s, '@', n);

	if (n > EMAIL_MAX || at == NULL ||
	    memchr(at + 1, '@', n - (size_t)(at + 1 - s)))
		return 0;
	if ((size_t)(at - s) > EMAIL_LOCAL_MAX)
		return 0;
	return dot_atom_valid(s, (size_t)(at - s)) &&
	    dns_name_valid(at + 1, n - (size_t)(at + 1 - s), 1);
}

int
contact_e164_valid(const char *s)
{
	size_t i;

	if (s[0] != '+' || s[1] < '1' || s[1] > '9')
		return 0;
	for (i = 1; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]) || i > 15)
			return 0;
	}
	return i - 1 >= 7;
}

static int
parse_port(const char *s, size_t n, unsigned *out)
{
	long v;

	if (text_parse_decimal(s, n, 65535, &v) != 0 || v == 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int
copy_host(struct contact_url *out, const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > CONTACT_HOST_MAX)
		return -1;
	for (i = 0; i < n; i++)
		out->host[i] = (char)tolower((unsigned char)s[i]);
	out->host[n] = '\0';
	return 0;
}

/* host[:port] or [v6][:port] into out. */
static int
parse_authority(const char *a, size_t n, struct contact_url *out)
{
	const char *end = a + n, *colon, *close;
	struct in6_addr a6;
	struct in_addr a4;

	out->port = 443;
	out->host_is_ipv6 = 0;
	if (n > 0 && a[0] == '[') {
		close = memchr(a, ']', n);
		if (close == NULL ||
		    copy_host(out, a + 1, (size_t)(close - a - 1)) != 0 ||
		    inet_pton(AF_INET6, out->host, &a6) != 1)
			return -1;
		out->host_is_ipv6 = 1;
		colon = close + 1;
		if (colon == end)
			return 0;
		return *colon == ':'
		    ? parse_port(
		          colon + 1, (size_t)(end - colon - 1), &out->port)
		    : -1;
	}
	colon = memchr(a, ':', n);
	if (copy_host(out, a, (size_t)((colon != NULL ? colon : end) - a)) != 0)
		return -1;
	if (colon != NULL &&
	    parse_port(colon + 1, (size_t)(end - colon - 1), &out->port) != 0)
		return -1;
	/* An address in any inet_aton form (2130706433, 0x7f.1, 0177.0.0.1)
	 * or a DNS name; anything else is no host. */
	if (inet_aton(out->host, &a4) == 1)
		return 0;
	return dns_name_valid(out->host, strlen(out->host), 0) ? 0 : -1;
}

int
contact_https_url_parse(const char *s, struct contact_url *out)
{
	size_t n = strnlen(s, CONTACT_URL_MAX + 1), i, alen;

	if (n > CONTACT_URL_MAX || n < 9 || strncasecmp(s, "https://", 8) != 0)
		return -1;
	for (i = 0; i < n; i++) {
		/* Printable ASCII only; no fragment (never sent anyway). */
		if ((unsigned char)s[i] <= 0x20 ||
		    (unsigned char)s[i] >= 0x7f || s[i] == '#' || s[i] == '\\')
			return -1;
	}
	alen = strcspn(s + 8, "/?");
	/* User info would make "https://good@evil" read as good. */
	if (memchr(s + 8, '@', alen) != NULL)
		return -1;
	return parse_authority(s + 8, alen, out);
}

/* One path segment of Slack's id alphabet, up to the next '/' or end. */
static size_t
slack_segment(const char *s)
{
	size_t i = 0;

	while (isalnum((unsigned char)s[i]))
		i++;
	return i > 0 && i <= 64 ? i : 0;
}

int
contact_slack_url_valid(const char *s)
{
	static const char prefix[] = "https://hooks.slack.com/services/";
	const char *p;
	size_t n;
	int i;

	if (strncmp(s, prefix, sizeof(prefix) - 1) != 0)
		return 0;
	p = s + sizeof(prefix) - 1;
	for (i = 0; i < 3; i++) {
		n = slack_segment(p);
		if (n == 0)
			return 0;
		p += n;
		if (i < 2 && *p++ != '/')
			return 0;
	}
	return *p == '\0';
}

static int
parse_net(const char *tok, struct contact_net *net)
{
	char buf[64], *slash;
	char *end;
	long prefix;

	if (strlen(tok) >= sizeof(buf))
		return -1;
	strcpy(buf, tok);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, net->addr) == 1)
		net->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, net->addr) == 1)
		net->family = AF_INET6;
	else
		return -1;
	prefix = net->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		long max = prefix;

		prefix = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || prefix < 0 ||
		    prefix > max)
			return -1;
	}
	net->prefix = (unsigned)prefix;
	return 0;
}

int
contact_nets_parse(
    struct contact_nets *nets, const char *list, char *err, size_t errlen)
{
	char tok[64];
	size_t n;

	memset(nets, 0, sizeof(*nets));
	while (*list != '\0') {
		list += strspn(list, ", \t");
		n = strcspn(list, ", \t");
		if (n == 0)
			break;
		if (nets->n == CONTACT_NETS_MAX || n >= sizeof(tok)) {
			snprintf(err, errlen,
			    "webhook_allowed_networks: at most %d CIDRs of "
			    "up to 63 characters",
			    CONTACT_NETS_MAX);
			return -1;
		}
		memcpy(tok, list, n);
		tok[n] = '\0';
		if (parse_net(tok, &nets->net[nets->n]) != 0) {
			snprintf(err, errlen,
			    "webhook_allowed_networks: '%s' is not a CIDR",
			    tok);
			return -1;
		}
		nets->n++;
		list += n;
	}
	return 0;
}

static int
prefix_match(const unsigned char *a, const unsigned char *net, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;
	unsigned char mask;

	if (memcmp(a, net, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (net[full] & mask);
}

static int
exempt(int family, const unsigned char *addr, const struct contact_nets *nets)
{
	size_t i;

	for (i = 0; nets != NULL && i < nets->n; i++) {
		if (nets->net[i].family == family &&
		    prefix_match(addr, nets->net[i].addr, nets->net[i].prefix))
			return 1;
	}
	return 0;
}

/* Special-purpose IPv4 ranges (IANA registry) that no public webhook uses. */
static int
v4_internal(const unsigned char a[4])
{
	static const struct {
		unsigned char net[4];
		unsigned bits;
	} ranges[] = {
		{ { 0, 0, 0, 0 }, 8 }, /* "this network", unspecified */
		{ { 10, 0, 0, 0 }, 8 }, /* private */
		{ { 100, 64, 0, 0 }, 10 }, /* CGNAT */
		{ { 127, 0, 0, 0 }, 8 }, /* loopback */
		{ { 169, 254, 0, 0 }, 16 }, /* link-local, cloud metadata */
		{ { 172, 16, 0, 0 }, 12 }, /* private */
		{ { 192, 0, 0, 0 }, 24 }, /* IETF protocol assignments */
		{ { 192, 0, 2, 0 }, 24 }, /* documentation */
		{ { 192, 88, 99, 0 }, 24 }, /* 6to4 relay anycast */
		{ { 192, 168, 0, 0 }, 16 }, /* private */
		{ { 198, 18, 0, 0 }, 15 }, /* benchmarking */
		{ { 198, 51, 100, 0 }, 24 }, /* documentation */
		{ { 203, 0, 113, 0 }, 24 }, /* documentation */
		{ { 224, 0, 0, 0 }, 4 }, /* multicast */
		{ { 240, 0, 0, 0 }, 4 }, /* reserved, broadcast */
	};
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (prefix_match(a, ranges[i].net, ranges[i].bits))
			return 1;
	}
	return 0;
}

/* The IPv4 address an IPv6 address stands for (v4-mapped, IPv4-translated,
 * NAT64 well-known prefix, 6to4), or NULL. */
static const unsigned char *
v6_embedded_v4(const unsigned char a[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	static const unsigned char translated[12] = { 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff, 0, 0 };
	static const unsigned char nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0,
		0, 0, 0, 0, 0 };

	if (memcmp(a, mapped, 12) == 0 || memcmp(a, translated, 12) == 0 ||
	    memcmp(a, nat64, 12) == 0)
		return a + 12;
	if (a[0] == 0x20 && a[1] == 0x02)
		return a + 2;
	return NULL;
}

static int
v6_internal(const unsigned char a[16])
{
	static const struct {
		unsigned char net[4];
		unsigned bits;
	} ranges[] = {
		{ { 0x20, 0x01, 0x00, 0x00 }, 23 }, /* IETF protocol, Teredo */
		{ { 0x20, 0x01, 0x0d, 0xb8 }, 32 }, /* documentation */
		{ { 0x3f, 0xff, 0x00, 0x00 }, 20 }, /* documentation */
	};
	size_t i;

	/* Only global unicast (2000::/3) leaves the host's networks; that
	 * excludes ::, ::1, IPv4-compatible, ULA, link- and site-local and
	 * multicast at once. */
	if ((a[0] & 0xe0) != 0x20)
		return 1;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (prefix_match(a, ranges[i].net, ranges[i].bits))
			return 1;
	}
	return 0;
}

int
contact_address_internal(
    const struct sockaddr *sa, const struct contact_nets *nets)
{
	const unsigned char *a, *v4;

	if (sa->sa_family == AF_INET) {
		a = (const unsigned char *)&(
		    (const struct sockaddr_in *)(const void *)sa)
		        ->sin_addr;
		return !exempt(AF_INET, a, nets) && v4_internal(a);
	}
	if (sa->sa_family != AF_INET6)
		return 1;
	a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (exempt(AF_INET6, a, nets))
		return 0;
	v4 = v6_embedded_v4(a);
	if (v4 != NULL)
		return !exempt(AF_INET, v4, nets) && v4_internal(v4);
	return v6_internal(a);
}

enum contact_target
webhook_target_check(const char *url, const struct contact_nets *nets)
{
	struct contact_url u;
	struct addrinfo hints, *res, *ai;
	enum contact_target r = CONTACT_TARGET_OK;

	if (contact_https_url_parse(url, &u) != 0)
		return CONTACT_TARGET_BAD_URL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = u.host_is_ipv6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/* glibc reads numeric hosts as inet_aton does, so every IPv4 spelling
	 * lands here as the address it means. */
	if (getaddrinfo(u.host, NULL, &hints, &res) != 0)
		return CONTACT_TARGET_UNRESOLVED;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (contact_address_internal(ai->ai_addr, nets))
			r = CONTACT_TARGET_INTERNAL;
	}
	freeaddrinfo(res);
	return r;
}
