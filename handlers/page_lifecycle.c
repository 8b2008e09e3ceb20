/*
 * The page lifecycle of DESIGN.md section 7: drafts, publishing,
 * unpublishing, soft and permanent deletion, recovery. Each action runs in
 * one transaction under the page's row lock, so concurrent actions on one
 * page end as some serial order of them would.
 */
#include "page_lifecycle.h"

#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "crypto.h"
#include "db/db.h"
#include "db/pages.h"
#include "pages.h"
#include "settings.h"

enum lifecycle_state {
	PS_DRAFT,
	PS_PUBLISHED,
	PS_UNPUBLISHED,
	PS_PUBLISHED_WITH_CHANGES,
	PS_UNPUBLISHED_WITH_CHANGES,
	PS_SOFT_DELETED,
	PS__MAX
};

static const char *const state_names[PS__MAX + 1] = { "DRAFT", "PUBLISHED",
	"UNPUBLISHED", "PUBLISHED_WITH_CHANGES", "UNPUBLISHED_WITH_CHANGES",
	"SOFT_DELETED", NULL };

enum action {
	ACT_PUBLISH,
	ACT_DISCARD_DRAFT,
	ACT_UNPUBLISH,
	ACT_SOFT_DELETE,
	ACT_RECOVER,
	ACT__MAX
};

enum effect {
	EF_REFUSE, /* 409 with the message */
	EF_NONE, /* already there: answer as if done */
	EF_SET_STATUS, /* pageStatus := next */
	EF_PUBLISH, /* draft version (if any) becomes live */
	EF_DISCARD_DRAFT, /* draft version goes; pageStatus := next */
	EF_DELETE_PAGE, /* never published: the page goes entirely */
	EF_SOFT_DELETE,
	EF_RECOVER,
};

struct transition {
	enum effect effect;
	enum lifecycle_state next;
	const char *refusal;
};

#define T(e, n)                                                                \
	{                                                                      \
		e, n, NULL                                                     \
	}
#define NO(msg)                                                                \
	{                                                                      \
		EF_REFUSE, PS__MAX, msg                                        \
	}

static const char no_draft[] = "page has no draft to publish";
static const char deleted[] = "page is deleted; recover it first";

/* transitions[action][current state] */
static const struct transition transitions[ACT__MAX][PS__MAX] = {
	[ACT_PUBLISH] = {
	    [PS_DRAFT] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_PUBLISHED] = NO(no_draft),
	    /* Publishing an unpublished page puts its live version back. */
	    [PS_UNPUBLISHED] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_PUBLISHED_WITH_CHANGES] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_UNPUBLISHED_WITH_CHANGES] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	[ACT_DISCARD_DRAFT] = {
	    [PS_DRAFT] = T(EF_DELETE_PAGE, PS__MAX),
	    [PS_PUBLISHED] = NO("page has no draft"),
	    [PS_UNPUBLISHED] = NO("page has no draft"),
	    [PS_PUBLISHED_WITH_CHANGES] = T(EF_DISCARD_DRAFT, PS_PUBLISHED),
	    [PS_UNPUBLISHED_WITH_CHANGES] = T(EF_DISCARD_DRAFT, PS_UNPUBLISHED),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	[ACT_UNPUBLISH] = {
	    [PS_DRAFT] = NO("page was never published"),
	    [PS_PUBLISHED] = T(EF_SET_STATUS, PS_UNPUBLISHED),
	    [PS_UNPUBLISHED] = T(EF_NONE, PS_UNPUBLISHED),
	    [PS_PUBLISHED_WITH_CHANGES] =
		T(EF_SET_STATUS, PS_UNPUBLISHED_WITH_CHANGES),
	    [PS_UNPUBLISHED_WITH_CHANGES] =
		T(EF_NONE, PS_UNPUBLISHED_WITH_CHANGES),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	[ACT_SOFT_DELETE] = {
	    [PS_DRAFT] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_PUBLISHED] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_UNPUBLISHED] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_PUBLISHED_WITH_CHANGES] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_UNPUBLISHED_WITH_CHANGES] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_SOFT_DELETED] = T(EF_NONE, PS_SOFT_DELETED),
	},
	[ACT_RECOVER] = {
	    [PS_DRAFT] = NO("page is not deleted"),
	    [PS_PUBLISHED] = NO("page is not deleted"),
	    [PS_UNPUBLISHED] = NO("page is not deleted"),
	    [PS_PUBLISHED_WITH_CHANGES] = NO("page is not deleted"),
	    [PS_UNPUBLISHED_WITH_CHANGES] = NO("page is not deleted"),
	    [PS_SOFT_DELETED] = T(EF_RECOVER, PS__MAX),
	},
};

static enum sd_status
not_found(struct response *res)
{
	return sd_fail(&res->err, SD_NOT_FOUND, "page not found", NULL);
}

/* {"success": true, "message": m} as a constant: nothing is allocated
 * after the commit, so a committed action never answers 500. */
#define MUTATION_OK(m) "{\"success\":true,\"message\":\"" m "\"}"

static enum sd_status
mutation_ok(struct response *res, const char *json)
{
	return respond_text(res, SD_OK, json);
}

/* The optional {"deletedBy": "..."} body of the delete actions; defaults
 * to the caller. */
static const struct field deleted_by_fields[] = {
	{ "deletedBy", FT_STRING, 0, 255, 0, 0, NULL, NULL, check_not_blank,
	    "must not be blank" },
	{ NULL, FT_TYPE__MAX, 0, 0, 0, 0, NULL, NULL, NULL, NULL },
};

static enum sd_status
deleted_by(struct request *req, const struct principal *who,
    struct response *res, const char **by)
{
	json_t *body;
	const char *s;
	enum sd_status st;

	*by = who->subject;
	if (req->body_len == 0)
		return SD_OK;
	st = body_json_object(req, &body, &res->err);
	if (st == SD_OK)
		st = validate_object(body, deleted_by_fields, VALIDATE_UPDATE,
		    "body", &res->err);
	if (st == SD_OK &&
	    (s = json_string_value(json_object_get(body, "deletedBy"))) != NULL)
		*by = s;
	return st;
}

/* Starts the transaction and locks the page; on success *state is set. */
static enum sd_status
begin_locked(struct request *req, struct response *res, struct page_state *ps,
    enum lifecycle_state *state)
{
	enum sd_status st;
	int i;

	if (!uuid_valid(req->params[0]))
		return not_found(res);
	st = db_begin(&res->err);
	if (st == SD_OK)
		st = db_page_lock(
		    req->arena, req->cloud_id, req->params[0], ps, &res->err);
	if (st != SD_OK)
		return st;
	i = enum_index(state_names, ps->status);
	if (i < 0)
		return sd_fail(
		    &res->err, SD_INTERNAL, "unknown page state", NULL);
	*state = (enum lifecycle_state)i;
	return SD_OK;
}

static enum sd_status
apply(struct request *req, const struct transition *t, const char *by,
    const char **doc, struct response *res)
{
	const char *cloud = req->cloud_id, *id = req->params[0];
	enum sd_status st;

	switch (t->effect) {
	case EF_REFUSE:
		return sd_fail(&res->err, SD_CONFLICT, t->refusal, NULL);
	case EF_NONE: return db_page_get(req->arena, cloud, id, doc, &res->err);
	case EF_SET_STATUS:
		return db_page_set_status(req->arena, cloud, id,
		    state_names[t->next], doc, &res->err);
	case EF_PUBLISH:
		return db_page_publish(req->arena, cloud, id, doc, &res->err);
	case EF_DISCARD_DRAFT:
		st = db_page_discard_draft(req->arena, cloud, id, &res->err);
		return st != SD_OK ? st
		                   : db_page_set_status(req->arena, cloud, id,
		                         state_names[t->next], doc, &res->err);
	case EF_DELETE_PAGE:
		return db_page_delete(req->arena, cloud, id, &res->err);
	case EF_SOFT_DELETE:
		return db_page_soft_delete(
		    req->arena, cloud, id, by, &res->err);
	case EF_RECOVER:
		return db_page_recover(req->arena, cloud, id, doc, &res->err);
	}
	return sd_fail(&res->err, SD_INTERNAL, "unknown transition", NULL);
}

/* Runs action on the page named by the path; *doc is the page after it
 * (NULL when the page is gone). */
static enum sd_status
run_action(struct request *req, enum action action, const char *by,
    const char **doc, struct response *res)
{
	struct page_state ps;
	enum lifecycle_state state;
	enum sd_status st;

	*doc = NULL;
	st = begin_locked(req, res, &ps, &state);
	if (st == SD_OK)
		st = apply(req, &transitions[action][state], by, doc, res);
	return tx_end(st, res);
}

static enum sd_status
page_action(struct request *req, struct response *res, enum action action)
{
	const char *doc;
	enum sd_status st = run_action(req, action, NULL, &doc, res);

	return st != SD_OK ? st : respond_text(res, SD_OK, doc);
}

enum sd_status
page_publish(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return page_action(req, res, ACT_PUBLISH);
}

enum sd_status
page_unpublish(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return page_action(req, res, ACT_UNPUBLISH);
}

enum sd_status
page_recover(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return page_action(req, res, ACT_RECOVER);
}

enum sd_status
page_discard_draft(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *doc;
	enum sd_status st;

	(void)who;
	st = run_action(req, ACT_DISCARD_DRAFT, NULL, &doc, res);
	if (st != SD_OK)
		return st;
	return mutation_ok(res,
	    doc == NULL ? MUTATION_OK("draft page deleted")
	                : MUTATION_OK("draft discarded"));
}

enum sd_status
page_soft_delete(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *by, *doc;
	enum sd_status st;

	st = deleted_by(req, who, res, &by);
	if (st == SD_OK)
		st = run_action(req, ACT_SOFT_DELETE, by, &doc, res);
	return st != SD_OK ? st
	                   : mutation_ok(res, MUTATION_OK("page archived"));
}

enum sd_status
page_permanent_delete(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *by;
	enum sd_status st;

	if (!uuid_valid(req->params[0]))
		return not_found(res);
	st = deleted_by(req, who, res, &by);
	if (st == SD_OK)
		st = db_page_archive(
		    req->arena, req->cloud_id, req->params[0], by, &res->err);
	return st != SD_OK
	    ? st
	    : mutation_ok(res, MUTATION_OK("page permanently deleted"));
}

enum sd_status
page_recover_deleted(
    struct request *req, const struct principal *who, struct response *res)
{
	struct page_state ps;
	enum sd_status st;

	(void)who;
	if (!uuid_valid(req->params[0]))
		return not_found(res);
	st = db_page_restore(req->arena, req->cloud_id, req->params[0],
	    handlers_settings()->archive_retention_days, &res->err);
	if (st == SD_NOT_FOUND &&
	    db_page_lock(req->arena, req->cloud_id, req->params[0], &ps,
	        &res->err) == SD_OK)
		return sd_fail(&res->err, SD_CONFLICT,
		    "page is not permanently deleted", NULL);
	if (st != SD_OK)
		return st == SD_NOT_FOUND ? not_found(res) : st;
	return mutation_ok(res, MUTATION_OK("page recovered"));
}

/* PUT /pages/draft/{id}: a never-published page changes in place; one
 * with a live version gets (or changes) its draft version. */
static enum sd_status
write_draft(struct request *req, struct page_write *w,
    const struct page_state *ps, enum lifecycle_state state,
    struct response *res)
{
	const char *doc;
	enum sd_status st;

	if (state == PS_SOFT_DELETED)
		return sd_fail(&res->err, SD_CONFLICT, deleted, NULL);
	if (w->expected_version != NULL &&
	    atoi(w->expected_version) != ps->version)
		return sd_fail(&res->err, SD_CONFLICT, "version conflict",
		    "the page is at version %d; read it again and retry",
		    ps->version);
	if (state == PS_DRAFT)
		return db_page_update(req->arena, w, &doc, &res->err);
	st = db_page_draft_write(req->arena, w, &res->err);
	if (st != SD_OK)
		return st;
	return db_page_set_status(req->arena, w->cloud_id, w->id,
	    state == PS_PUBLISHED || state == PS_PUBLISHED_WITH_CHANGES
	        ? "PUBLISHED_WITH_CHANGES"
	        : "UNPUBLISHED_WITH_CHANGES",
	    &doc, &res->err);
}

enum sd_status
page_draft_update(
    struct request *req, const struct principal *who, struct response *res)
{
	struct page_write w;
	struct page_state ps;
	enum lifecycle_state state;
	const char *doc;
	enum sd_status st;

	(void)who;
	if (!uuid_valid(req->params[0]))
		return not_found(res);
	st = page_write_from_body(req, res, &w);
	if (st == SD_OK)
		st = begin_locked(req, res, &ps, &state);
	if (st == SD_OK)
		st = write_draft(req, &w, &ps, state, res);
	if (st == SD_OK)
		st = db_page_draft_get(
		    req->arena, req->cloud_id, req->params[0], &doc, &res->err);
	st = tx_end(st, res);
	return st != SD_OK ? st : respond_text(res, SD_OK, doc);
}
