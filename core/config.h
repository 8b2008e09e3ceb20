/*
 * statusd.conf: `key = value` lines, `#` comments. Unknown keys are an
 * error so a typo never silently falls back to a default.
 */
#ifndef STATUSD_CONFIG_H
#define STATUSD_CONFIG_H

#include <stddef.h>

#include "contact.h"
#include "keyring.h"

#define CONFIG_STR 512

struct config {
	char listen[CONFIG_STR]; /* unix socket path, or host:port */
	int workers;
	long max_requests; /* recycle a worker after this many */
	char database_url[CONFIG_STR];
	char public_domain[CONFIG_STR]; /* pages get https://<sub>.<this> */
	char user[64]; /* drop to this user after bind */
	char socket_group[64];
	int socket_mode;
	size_t max_body_bytes;
	int token_cache_seconds;
	char cursor_secret[CONFIG_STR]; /* hex; keys cursor tags */
	char cursor_secret_previous[CONFIG_STR]; /* still accepted */
	char jwt_issuer[CONFIG_STR];
	char jwt_audience[CONFIG_STR];
	char jwt_hs256_secret[CONFIG_STR];
	char jwt_rs256_public_key_file[CONFIG_STR];
	long jwt_max_lifetime_seconds; /* longest exp - iat accepted */
	int archive_retention_days;
	/* statusd-notify's timed jobs: seconds between runs (0: never) and
	 * how long what they delete is kept. */
	int job_purge_interval_seconds; /* archives, keys, captchas */
	int job_reminders_interval_seconds; /* incident reminders */
	int job_contacts_interval_seconds; /* expired contact data */
	int job_prune_interval_seconds; /* old outbox rows and attempts */
	int contact_retention_days; /* after UNSUBSCRIBED or QUARANTINED */
	int outbox_retention_days; /* after the fan-out, all ended */
	int delivery_attempts_retention_days;
	char metrics_listen[CONFIG_STR]; /* host:port or path; "off": none */
	/* "<id>:<hex>" HMAC keys (core/keyring.h), the previous one still
	 * verifying what it signed during a rotation. */
	char captcha_hmac_key[CONFIG_STR];
	char captcha_hmac_key_previous[CONFIG_STR];
	char subscriber_token_key[CONFIG_STR];
	char subscriber_token_key_previous[CONFIG_STR];
	long subscriber_quota; /* per cloud; 0: no limit */
	char webhook_allowed_networks[CONFIG_STR]; /* CIDRs exempt */
	int summary_v1_max_pages; /* GET /pages/summary (v1) lists at most */
	int statement_timeout_ms; /* PostgreSQL cancels a statement after it */
	int test_fault_injection; /* tests only: see README */
	/* statusd-notify */
	int notify_batch; /* deliveries claimed and sent at once */
	int notify_poll_ms; /* look for due work at least this often */
	int notify_lease_seconds; /* a dead notifier's attempts wait this */
	int notify_retry_base_ms; /* first retry delay, doubled each time */
	int notify_retry_max_seconds; /* longest retry delay */
	int webhook_connect_timeout_ms;
	int webhook_timeout_ms; /* a whole attempt, connect included */
	char webhook_ca_file[CONFIG_STR]; /* CAs trusted besides the system's */
	/* email: SMTP, or the pickup directory without smtp_url */
	char smtp_url[CONFIG_STR];
	char smtp_username[CONFIG_STR];
	char smtp_password[CONFIG_STR];
	int smtp_require_starttls; /* 0: STARTTLS only when offered */
	char smtp_ca_file[CONFIG_STR];
	char mail_from[CONFIG_STR]; /* "": statusd@<public_domain> */
	char mail_pickup_dir[CONFIG_STR];
	/* SMS through an HTTP gateway */
	char sms_gateway_url[CONFIG_STR];
	char sms_gateway_username[CONFIG_STR];
	char sms_gateway_password[CONFIG_STR];
	char sms_gateway_content_type[CONFIG_STR];
	char sms_body_template[CONFIG_STR]; /* {to} {from} {text} */
	char sms_from[CONFIG_STR];
};

void config_defaults(struct config *c);
/* Returns 0, or -1 with a message in err (no secret values quoted). */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Applies one key/value; same contract as config_load. */
int config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen);

/* Refuses settings that would make credentials or cursors weak: a
 * cursor_secret (and a previous one, when set) that is not 64 hex
 * characters, a jwt_hs256_secret under 32 bytes, a JWT key without both
 * jwt_issuer and jwt_audience. Returns 0, or -1 with a message naming the
 * key in err (never its value): statusd then refuses to start. */
int config_check_secrets(const struct config *c, char *err, size_t errlen);

/* What the subscriber routes need, checked strictly: both keys set and
 * strong, the allowed networks well-formed. Returns 0, or -1 with a
 * message in err (no key material quoted): statusd then refuses to start. */
struct subscriber_keys {
	struct keyring captcha;
	struct keyring tokens;
	struct contact_nets webhook_allowed;
};
int config_subscriber_keys(const struct config *c, struct subscriber_keys *k,
    char *err, size_t errlen);

/* The settings table, for listings and the documentation test: key i
 * (NULL past the end). */
size_t config_key_count(void);
const char *config_key_name(size_t i);
/* 1 for settings whose value is never printed (*secret*, *password*,
 * *_key, *_key_previous). */
int config_key_is_secret(const char *key);
/* The value of key in c as the file would spell it; -1 for no such key. */
int config_value_text(
    const struct config *c, const char *key, char *buf, size_t len);
/* Calls report for every secret setting that is missing or weak (shorter
 * than 32 characters, a previous secret equal to the current one, a JWT
 * key without an issuer); returns how many. Never passes a value. */
int config_secret_problems(const struct config *c,
    void (*report)(void *ctx, const char *key, const char *problem), void *ctx);

#endif
