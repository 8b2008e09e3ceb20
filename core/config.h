/*
 * statusd.conf: `key = value` lines, `#` comments. Unknown keys are an
 * error so a typo never silently falls back to a default.
 */
#ifndef STATUSD_CONFIG_H
#define STATUSD_CONFIG_H

#include <stddef.h>

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
	int archive_retention_days;
	char metrics_listen[CONFIG_STR]; /* host:port or path; "off": none */
};

void config_defaults(struct config *c);
/* Returns 0, or -1 with a message in err (no secret values quoted). */
int config_load(struct config *c, const char *path, char *err, size_t errlen);
/* Applies one key/value; same contract as config_load. */
int config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen);

#endif
