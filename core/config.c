#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->listen, sizeof(c->listen), "/run/statusd/statusd.sock");
	c->workers = 4;
	c->max_requests = 100000;
	snprintf(
	    c->public_domain, sizeof(c->public_domain), "status.localhost");
	c->socket_mode = 0660;
	c->max_body_bytes = 1024 * 1024;
	c->token_cache_seconds = 5;
	c->archive_retention_days = 30;
	c->job_purge_interval_seconds = 86400;
	c->job_reminders_interval_seconds = 60;
	c->job_contacts_interval_seconds = 3600;
	c->job_prune_interval_seconds = 3600;
	c->contact_retention_days = 90;
	c->outbox_retention_days = 30;
	c->delivery_attempts_retention_days = 30;
	c->jwt_max_lifetime_seconds = 86400;
	snprintf(
	    c->metrics_listen, sizeof(c->metrics_listen), "127.0.0.1:9464");
	c->subscriber_quota = 1000000;
	c->statement_timeout_ms = 5000;
	c->summary_v1_max_pages = 1000;
	c->notify_batch = 32;
	c->notify_poll_ms = 5000;
	c->notify_lease_seconds = 60;
	c->notify_retry_base_ms = 10000;
	c->notify_retry_max_seconds = 6 * 3600;
	c->webhook_connect_timeout_ms = 5000;
	c->webhook_timeout_ms = 15000;
	c->smtp_require_starttls = 1;
	snprintf(c->mail_pickup_dir, sizeof(c->mail_pickup_dir),
	    "/var/lib/statusd/mail");
	snprintf(c->sms_gateway_content_type,
	    sizeof(c->sms_gateway_content_type), "application/json");
	snprintf(c->sms_body_template, sizeof(c->sms_body_template),
	    "{\"to\":\"{to}\",\"from\":\"{from}\",\"text\":\"{text}\"}");
}

enum kind { K_STR, K_INT, K_LONG, K_SIZE, K_OCTAL };

static const struct key {
	const char *name;
	enum kind kind;
	size_t offset;
	size_t size;
	long min, max;
} keys[] = {
#define S(n)                                                                   \
	{                                                                      \
#n, K_STR, offsetof(struct config, n),                         \
		    sizeof(((struct config *)0)->n), 0, 0                      \
	}
	S(listen),
	S(database_url),
	S(public_domain),
	S(user),
	S(socket_group),
	S(cursor_secret),
	S(cursor_secret_previous),
	S(jwt_issuer),
	S(jwt_audience),
	S(jwt_hs256_secret),
	S(jwt_rs256_public_key_file),
	S(metrics_listen),
	S(captcha_hmac_key),
	S(captcha_hmac_key_previous),
	S(subscriber_token_key),
	S(subscriber_token_key_previous),
	S(webhook_allowed_networks),
	S(webhook_ca_file),
	S(smtp_url),
	S(smtp_username),
	S(smtp_password),
	S(smtp_ca_file),
	S(mail_from),
	S(mail_pickup_dir),
	S(sms_gateway_url),
	S(sms_gateway_username),
	S(sms_gateway_password),
	S(sms_gateway_content_type),
	S(sms_body_template),
	S(sms_from),
#undef S
	{ "workers", K_INT, offsetof(struct config, workers), 0, 1, 1024 },
	{ "max_requests", K_LONG, offsetof(struct config, max_requests), 0, 1,
	    LONG_MAX },
	{ "socket_mode", K_OCTAL, offsetof(struct config, socket_mode), 0, 0,
	    0777 },
	{ "max_body_bytes", K_SIZE, offsetof(struct config, max_body_bytes), 0,
	    1024, 64L * 1024 * 1024 },
	{ "token_cache_seconds", K_INT,
	    offsetof(struct config, token_cache_seconds), 0, 0, 3600 },
	{ "statement_timeout_ms", K_INT,
	    offsetof(struct config, statement_timeout_ms), 0, 100, 600000 },
	{ "summary_v1_max_pages", K_INT,
	    offsetof(struct config, summary_v1_max_pages), 0, 1, 100000 },
	{ "test_fault_injection", K_INT,
	    offsetof(struct config, test_fault_injection), 0, 0, 1 },
	{ "jwt_max_lifetime_seconds", K_LONG,
	    offsetof(struct config, jwt_max_lifetime_seconds), 0, 60,
	    366L * 86400 },
	{ "archive_retention_days", K_INT,
	    offsetof(struct config, archive_retention_days), 0, 0, 3650 },
	{ "job_purge_interval_seconds", K_INT,
	    offsetof(struct config, job_purge_interval_seconds), 0, 0,
	    7 * 86400 },
	{ "job_reminders_interval_seconds", K_INT,
	    offsetof(struct config, job_reminders_interval_seconds), 0, 0,
	    86400 },
	{ "job_contacts_interval_seconds", K_INT,
	    offsetof(struct config, job_contacts_interval_seconds), 0, 0,
	    7 * 86400 },
	{ "job_prune_interval_seconds", K_INT,
	    offsetof(struct config, job_prune_interval_seconds), 0, 0,
	    7 * 86400 },
	{ "contact_retention_days", K_INT,
	    offsetof(struct config, contact_retention_days), 0, 1, 3650 },
	{ "outbox_retention_days", K_INT,
	    offsetof(struct config, outbox_retention_days), 0, 1, 3650 },
	{ "delivery_attempts_retention_days", K_INT,
	    offsetof(struct config, delivery_attempts_retention_days), 0, 1,
	    3650 },
	{ "subscriber_quota", K_LONG, offsetof(struct config, subscriber_quota),
	    0, 0, 1000000000L },
#define I(n, lo, hi)                                                           \
	{                                                                      \
#n, K_INT, offsetof(struct config, n), 0, lo, hi               \
	}
	I(notify_batch, 1, 1000),
	I(notify_poll_ms, 50, 600000),
	I(notify_lease_seconds, 2, 3600),
	I(notify_retry_base_ms, 10, 3600000),
	I(notify_retry_max_seconds, 1, 7 * 86400),
	I(webhook_connect_timeout_ms, 100, 60000),
	I(webhook_timeout_ms, 200, 600000),
	I(smtp_require_starttls, 0, 1),
#undef I
};

static int
parse_number(const char *value, int base, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, base);
	if (errno != 0 || end == value || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	const struct key *k;
	char *field;
	long n;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		k = &keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		field = (char *)c + k->offset;
		if (k->kind == K_STR) {
			if (strlen(value) >= k->size) {
				snprintf(
				    err, errlen, "%s: value too long", key);
				return -1;
			}
			memcpy(field, value, strlen(value) + 1);
			return 0;
		}
		if (parse_number(value, k->kind == K_OCTAL ? 8 : 10, k->min,
		        k->max, &n) != 0) {
			snprintf(err, errlen,
			    "%s: expected a number in %ld..%ld", key, k->min,
			    k->max);
			return -1;
		}
		if (k->kind == K_LONG)
			*(long *)(void *)field = n;
		else if (k->kind == K_SIZE)
			*(size_t *)(void *)field = (size_t)n;
		else
			*(int *)(void *)field = (int)n;
		return 0;
	}
	snprintf(err, errlen, "unknown setting '%.64s'", key);
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE *f;
	char line[2048], msg[256], *key, *eq;
	int lineno = 0, rc = 0;

	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		/* A longer line would be read in pieces, and a piece of a
		 * comment could then be taken for a setting. */
		if (strchr(line, '\n') == NULL && !feof(f)) {
			snprintf(
			    err, errlen, "%s:%d: line too long", path, lineno);
			rc = -1;
			break;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL) {
			snprintf(err, errlen, "%s:%d: expected key = value",
			    path, lineno);
			rc = -1;
			break;
		}
		*eq = '\0';
		if (config_set(c, trim(key), trim(eq + 1), msg, sizeof(msg)) !=
		    0) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, msg);
			rc = -1;
		}
	}
	fclose(f);
	return rc;
}

#define CURSOR_SECRET_HEX 64
#define JWT_HS256_SECRET_MIN 32

static int
hex_of_length(const char *s, size_t n)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return i == n;
}

int
config_check_secrets(const struct config *c, char *err, size_t errlen)
{
	static const char generate[] = "32 random bytes, e.g. from "
	                               "od -An -N32 -tx1 /dev/urandom | "
	                               "tr -d ' \\n'";
	int jwt_key = c->jwt_hs256_secret[0] != '\0' ||
	    c->jwt_rs256_public_key_file[0] != '\0';

	if (!hex_of_length(c->cursor_secret, CURSOR_SECRET_HEX)) {
		snprintf(err, errlen,
		    "cursor_secret: must be exactly %d hex characters (%s)",
		    CURSOR_SECRET_HEX, generate);
		return -1;
	}
	if (c->cursor_secret_previous[0] != '\0' &&
	    !hex_of_length(c->cursor_secret_previous, CURSOR_SECRET_HEX)) {
		snprintf(err, errlen,
		    "cursor_secret_previous: must be exactly %d hex characters",
		    CURSOR_SECRET_HEX);
		return -1;
	}
	if (c->jwt_hs256_secret[0] != '\0' &&
	    strlen(c->jwt_hs256_secret) < JWT_HS256_SECRET_MIN) {
		snprintf(err, errlen,
		    "jwt_hs256_secret: must be at least %d bytes (%s)",
		    JWT_HS256_SECRET_MIN, generate);
		return -1;
	}
	if (jwt_key &&
	    (c->jwt_issuer[0] == '\0' || c->jwt_audience[0] == '\0')) {
		snprintf(err, errlen,
		    "%s: must be set when a JWT key (jwt_hs256_secret or "
		    "jwt_rs256_public_key_file) is",
		    c->jwt_issuer[0] == '\0' ? "jwt_issuer" : "jwt_audience");
		return -1;
	}
	return 0;
}

int
config_subscriber_keys(
    const struct config *c, struct subscriber_keys *k, char *err, size_t errlen)
{
	if (keyring_parse(&k->captcha, "captcha_hmac_key", c->captcha_hmac_key,
	        c->captcha_hmac_key_previous, err, errlen) != 0 ||
	    keyring_parse(&k->tokens, "subscriber_token_key",
	        c->subscriber_token_key, c->subscriber_token_key_previous, err,
	        errlen) != 0 ||
	    contact_nets_parse(&k->webhook_allowed, c->webhook_allowed_networks,
	        err, errlen) != 0)
		return -1;
	/* One key for both would let a captcha signature stand in for a
	 * token tag or the reverse, should the formats ever meet. */
	if (k->captcha.current.len == k->tokens.current.len &&
	    CRYPTO_memcmp(k->captcha.current.bytes, k->tokens.current.bytes,
	        k->tokens.current.len) == 0) {
		snprintf(err, errlen,
		    "captcha_hmac_key and subscriber_token_key must differ");
		return -1;
	}
	return 0;
}

size_t
config_key_count(void)
{
	return sizeof(keys) / sizeof(keys[0]);
}

const char *
config_key_name(size_t i)
{
	return i < config_key_count() ? keys[i].name : NULL;
}

int
config_key_is_secret(const char *key)
{
	size_t n = strlen(key);

	/* By name, so a new *_secret, *_password or *_key setting is
	 * covered without more code (a *_key_file is a path, not a key). */
	return strstr(key, "secret") != NULL ||
	    strstr(key, "password") != NULL ||
	    (n > 4 && strcmp(key + n - 4, "_key") == 0) ||
	    strstr(key, "_key_previous") != NULL;
}

int
config_value_text(
    const struct config *c, const char *key, char *buf, size_t len)
{
	const struct key *k;
	const char *field;
	size_t i;

	for (i = 0; i < config_key_count(); i++) {
		k = &keys[i];
		if (strcmp(k->name, key) != 0)
			continue;
		field = (const char *)c + k->offset;
		if (k->kind == K_STR)
			snprintf(buf, len, "%s", field);
		else if (k->kind == K_LONG)
			snprintf(buf, len, "%ld",
			    *(const long *)(const void *)field);
		else if (k->kind == K_SIZE)
			snprintf(buf, len, "%zu",
			    *(const size_t *)(const void *)field);
		else
			snprintf(buf, len, k->kind == K_OCTAL ? "0%o" : "%d",
			    *(const int *)(const void *)field);
		return 0;
	}
	return -1;
}

#define SECRET_MIN 32

static int
weak(const char *secret)
{
	return secret[0] != '\0' && strlen(secret) < SECRET_MIN;
}

int
config_secret_problems(const struct config *c,
    void (*report)(void *ctx, const char *key, const char *problem), void *ctx)
{
	int n = 0;

	if (c->cursor_secret[0] == '\0')
		n++,
		    report(ctx, "cursor_secret",
		        "not set: cursors do not survive a restart or cross "
		        "hosts");
	if (weak(c->cursor_secret))
		n++,
		    report(ctx, "cursor_secret",
		        "shorter than 32 characters (use 64 hex digits)");
	if (weak(c->cursor_secret_previous))
		n++,
		    report(ctx, "cursor_secret_previous",
		        "shorter than 32 characters");
	if (c->cursor_secret[0] != '\0' &&
	    strlen(c->cursor_secret) == strlen(c->cursor_secret_previous) &&
	    CRYPTO_memcmp(c->cursor_secret, c->cursor_secret_previous,
	        strlen(c->cursor_secret)) == 0)
		n++,
		    report(ctx, "cursor_secret_previous",
		        "the same as cursor_secret");
	if (weak(c->jwt_hs256_secret))
		n++,
		    report(ctx, "jwt_hs256_secret",
		        "shorter than 32 characters (RFC 7518 asks for 256 "
		        "bits)");
	if ((c->jwt_hs256_secret[0] != '\0' ||
	        c->jwt_rs256_public_key_file[0] != '\0') &&
	    c->jwt_issuer[0] == '\0')
		n++,
		    report(ctx, "jwt_issuer",
		        "not set while a JWT key is: any issuer would do");
	return n;
}
