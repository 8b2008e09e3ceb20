/*
 * statusctl's listings, as text (tab-separated columns, or `key = value`)
 * or, with --json, one JSON document for scripts.
 */
#ifndef STATUSD_CLI_LISTING_H
#define STATUSD_CLI_LISTING_H

#include "config.h"
#include "db/deliveries.h"
#include "db/tokens.h"

struct listing;

/* A new listing (exits when out of memory). */
struct listing *listing_new(int json);
/* db_token_list's callback; ctx is the listing. */
void listing_token(const struct token_row *t, void *ctx);
/* db_attempts_recent's callback; ctx is the listing. */
void listing_attempt(const struct attempt_row *r, void *ctx);
/* Prints what was collected (JSON) and frees the listing. */
void listing_finish(struct listing *l);

/* Every setting of the table with its effective value; secrets show as
 * "(set)" or empty, database_url without its password. */
void listing_config(const struct config *cfg, int json);

/* The outbox's depth and age and the attempts by outcome, as
 * `key = value` lines or one JSON object. */
void listing_outbox(const struct outbox_stats *o, int json);

#endif
