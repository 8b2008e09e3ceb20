/* Subscriber queries (012_subscribers.sql): creation with its captcha and
 * quota, status changes by token, keyset lists, counters. Documents come
 * back rendered by PostgreSQL (subscriber_json); returned strings are
 * borrowed from the arena. */
#ifndef STATUSD_DB_SUBSCRIBERS_H
#define STATUSD_DB_SUBSCRIBERS_H

#include "arena.h"
#include "status.h"

struct subscriber_new {
	const char *cloud_id;
	const char *id;
	const char *item_type; /* PAGE_SUBSCRIBER, ... */
	const char *item_id;
	const char *subscription_type; /* EMAIL, SMS, WEBHOOK, SLACK */
	const char *contact;
	const char *phone_country; /* NULL = none */
	const char *status; /* PENDING_CONFIRMATION or SUBSCRIBED */
	int skip_confirmation;
	const char *webhook_secret; /* NULL = none */
	const char *captcha_challenge; /* NULL: no captcha spent */
	long captcha_expires; /* unix seconds */
	long quota; /* subscribers per cloud; 0 = no limit */
	int with_contact; /* render contact fields */
};

enum subscriber_outcome {
	SUBSCRIBER_CREATED,
	SUBSCRIBER_NO_ITEM, /* not in the cloud */
	SUBSCRIBER_NOT_ACCEPTED, /* its page takes no subscribers */
	SUBSCRIBER_CAPTCHA_USED,
	SUBSCRIBER_DUPLICATE, /* existing_id names the one there is */
	SUBSCRIBER_QUOTA,
	SUBSCRIBER_OUTCOME__MAX
};

struct subscriber_created {
	enum subscriber_outcome outcome;
	const char *doc; /* SUBSCRIBER_CREATED: the subscriber */
	const char *existing_id; /* SUBSCRIBER_DUPLICATE */
	long created_at; /* unix seconds */
};

/* Runs inside the caller's transaction: on any outcome but CREATED the
 * caller rolls back, so nothing is written (a spent captcha included). */
enum sd_status db_subscriber_create(struct arena *a,
    const struct subscriber_new *s, struct subscriber_created *out,
    struct sd_error *err);

/* The page of an item of the cloud and whether it takes subscribers;
 * SD_NOT_FOUND when the cloud has no such item. page_id may be NULL. */
enum sd_status db_subscriber_item(struct arena *a, const char *cloud_id,
    const char *item_type, const char *item_id, const char **page_id,
    int *accepts, struct sd_error *err);

/* A subscriber's status; SD_NOT_FOUND when there is none. */
enum sd_status db_subscriber_status(struct arena *a, const char *cloud_id,
    const char *id, const char **status, struct sd_error *err);

/* PENDING_CONFIRMATION -> SUBSCRIBED (confirmedAt set). *status is the
 * status after (unchanged when it was not pending). */
enum sd_status db_subscriber_confirm(struct arena *a, const char *cloud_id,
    const char *id, const char **status, struct sd_error *err);
/* Any status -> UNSUBSCRIBED (a repeat changes nothing). */
enum sd_status db_subscriber_unsubscribe(struct arena *a, const char *cloud_id,
    const char *id, struct sd_error *err);

/* Deletes those of ids (UUIDs) that are the cloud's; *deleted counts
 * them. */
enum sd_status db_subscribers_delete(struct arena *a, const char *cloud_id,
    const char *const *ids, size_t n, long *deleted, struct sd_error *err);

enum subscriber_list_by {
	SUBSCRIBERS_OF_CLOUD,
	SUBSCRIBERS_OF_PAGE,
	SUBSCRIBERS_OF_ITEM,
	SUBSCRIBER_LIST_BY__MAX
};

struct subscriber_list_query {
	const char *cloud_id;
	enum subscriber_list_by by;
	const char *filter_id; /* page or item id */
	const char *item_type; /* SUBSCRIBERS_OF_ITEM */
	const char *key, *id; /* the cursor's row; NULL: from the edge */
	int limit; /* rows wanted; one more is fetched */
	int backward;
};

/* One keyset window in creation order, oldest first, with the list's
 * total from the counters. */
struct subscriber_rows {
	const char **nodes, **keys, **ids, **statuses;
	long *created_at; /* unix seconds */
	int count;
	long total;
};

enum sd_status db_subscribers_list(struct arena *a,
    const struct subscriber_list_query *q, struct subscriber_rows *out,
    struct sd_error *err);

/* {"stats": {...}} for an item: every status with its count. */
enum sd_status db_subscriber_stats(struct arena *a, const char *cloud_id,
    const char *item_type, const char *item_id, const char **doc,
    struct sd_error *err);
/* {"totalCount": N} for the cloud. */
enum sd_status db_subscribers_total(struct arena *a, const char *cloud_id,
    const char **doc, struct sd_error *err);

/* Forgets spent captchas past their expiry; *purged counts them. */
enum sd_status db_captcha_purge(
    struct arena *a, long *purged, struct sd_error *err);

#endif
