#include "listing.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct listing {
	int json;
	json_t *rows;
};

struct listing *
listing_new(int json)
{
	struct listing *l = calloc(1, sizeof(*l));

	if (l == NULL || (json && (l->rows = json_array()) == NULL)) {
		fprintf(stderr, "statusctl: out of memory\n");
		exit(1);
	}
	l->json = json;
	return l;
}

static json_t *
scope_array(const char *scopes)
{
	json_t *a = json_array();
	const char *p = scopes;
	size_t n;

	while (a != NULL && *p != '\0') {
		n = strcspn(p, " ");
		if (n > 0)
			json_array_append_new(a, json_stringn(p, n));
		p += n + (p[n] == ' ');
	}
	return a;
}

static json_t *
expiry(long long t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t == 0)
		return json_null();
	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

void
listing_token(const struct token_row *t, void *ctx)
{
	struct listing *l = ctx;

	if (!l->json) {
		printf("%s\t%s\t%s\t%s\t%s%s\t%s\n", t->id, t->cloud_id,
		    t->email, t->created_at, t->revoked ? "revoked" : "active",
		    t->trusted ? ",trusted" : "", t->scopes);
		return;
	}
	json_array_append_new(l->rows,
	    json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:o,s:o}", "id", t->id,
	        "cloudId", t->cloud_id, "email", t->email, "createdAt",
	        t->created_at, "status", t->revoked ? "revoked" : "active",
	        "trusted", t->trusted, "scopes", scope_array(t->scopes),
	        "expiresAt", expiry(t->expires_at)));
}

/* A text column: "-" for none. */
static const char *
col(const char *v)
{
	return v != NULL ? v : "-";
}

void
listing_attempt(const struct attempt_row *r, void *ctx)
{
	struct listing *l = ctx;

	if (!l->json) {
		printf("%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
		    r->started_at, r->delivery_id, r->attempt, r->event_id,
		    col(r->kind), r->subscriber_id, r->channel, r->outcome,
		    r->status_code, col(r->error), col(r->next_attempt_at),
		    r->notifier);
		return;
	}
	json_array_append_new(l->rows,
	    json_pack("{s:s,s:s?,s:s,s:i,s:s,s:s?,s:s,s:s,s:s,s:o,s:s?,s:s?,"
	              "s:s}",
	        "startedAt", r->started_at, "finishedAt", r->finished_at,
	        "deliveryId", r->delivery_id, "attempt", r->attempt, "eventId",
	        r->event_id, "kind", r->kind, "subscriberId", r->subscriber_id,
	        "channel", r->channel, "outcome", r->outcome, "statusCode",
	        r->status_code ? json_integer(r->status_code) : json_null(),
	        "error", r->error, "nextAttemptAt", r->next_attempt_at,
	        "notifier", r->notifier));
}

static void
print_json(json_t *doc)
{
	char *text = json_dumps(doc, JSON_INDENT(2));

	if (text == NULL) {
		fprintf(stderr, "statusctl: out of memory\n");
		exit(1);
	}
	printf("%s\n", text);
	free(text);
}

void
listing_finish(struct listing *l)
{
	if (l->json)
		print_json(l->rows);
	json_decref(l->rows);
	free(l);
}

/* database_url with any password replaced, as key=value pairs. */
static void
redacted_url(const char *url, char *buf, size_t len)
{
	PQconninfoOption *opts = PQconninfoParse(url, NULL), *o;
	size_t used = 0;

	buf[0] = '\0';
	for (o = opts; o != NULL && o->keyword != NULL && used < len; o++) {
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s=%s",
		    used ? " " : "", o->keyword,
		    strcmp(o->keyword, "password") == 0 ? "(set)" : o->val);
	}
	PQconninfoFree(opts);
}

static void
display_value(const struct config *cfg, const char *key, char *buf, size_t len)
{
	config_value_text(cfg, key, buf, len);
	if (config_key_is_secret(key) && buf[0] != '\0')
		snprintf(buf, len, "(set)");
	else if (strcmp(key, "database_url") == 0)
		redacted_url(cfg->database_url, buf, len);
}

void
listing_config(const struct config *cfg, int json)
{
	json_t *doc = json ? json_object() : NULL;
	char value[CONFIG_STR * 2];
	const char *key;
	size_t i;

	for (i = 0; (key = config_key_name(i)) != NULL; i++) {
		display_value(cfg, key, value, sizeof(value));
		if (json)
			json_object_set_new(doc, key, json_string(value));
		else
			printf("%s = %s\n", key, value);
	}
	if (json)
		print_json(doc);
	json_decref(doc);
}

void
listing_outbox(const struct outbox_stats *o, int json)
{
	json_t *doc, *totals;
	int i;

	if (!json) {
		printf("events_pending = %lld\ndeliveries_pending = %lld\n"
		       "oldest_undelivered_age_seconds = %.3f\n",
		    o->events_pending, o->deliveries_pending,
		    o->oldest_undelivered_age_s);
		for (i = 0; i < DELIVERY_OUTCOMES; i++)
			printf("attempts_%s = %lld\n", delivery_outcomes[i],
			    o->outcome_totals[i]);
		return;
	}
	totals = json_object();
	for (i = 0; i < DELIVERY_OUTCOMES; i++)
		json_object_set_new(totals, delivery_outcomes[i],
		    json_integer(o->outcome_totals[i]));
	doc = json_pack("{s:I,s:I,s:f,s:o}", "eventsPending",
	    (json_int_t)o->events_pending, "deliveriesPending",
	    (json_int_t)o->deliveries_pending, "oldestUndeliveredAgeSeconds",
	    o->oldest_undelivered_age_s, "attemptsByOutcome", totals);
	print_json(doc);
	json_decref(doc);
}
