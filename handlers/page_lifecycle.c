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
#include "input.h"
#include "pages.h"
#include "settings.h"

/* {"success": true, "message": m} as a constant: nothing is allocated
 * after the commit, so a committed action never answers 500. */
#define MUTATION_OK(m) "{\"success\":true,\"message\":\"" m "\"}"

static enum sd_status
mutation_ok(struct response *res, const char *json)
{
	return handler_respond_text(res, SD_OK, json);
}

/* The optional {"deletedBy": "..."} body of the delete actions; defaults
 * to the caller. */
const struct field deleted_by_fields[] = {
	{ .name = "deletedBy",
	    .type = FT_STRING,
	    .max = 255,
	    .check = validate_not_blank,
	    .message = "must not be blank" },
	FIELDS_END,
};

/* The optional body's deletedBy, else the caller. */
static const char *
deleted_by(const struct request *req, const struct principal *who)
{
	const char *by =
	    json_string_value(json_object_get(req->input->body, "deletedBy"));

	return by != NULL ? by : who->subject;
}

enum sd_status
page_allows(
    struct response *res, enum page_action action, enum page_status status)
{
	const struct page_transition *t = page_transition(action, status);

	if (t->effect == EF_REFUSE)
		return sd_fail(&res->err, SD_CONFLICT, t->refusal, NULL);
	return SD_OK;
}

size_t
page_statuses_allowing(enum page_action action, const char *names[PS__MAX])
{
	size_t n = 0;
	int s;

	for (s = 0; s < PS__MAX; s++)
		if (page_transition(action, (enum page_status)s)->effect !=
		    EF_REFUSE)
			names[n++] = page_status_name((enum page_status)s);
	return n;
}

enum sd_status
page_lock_for(struct request *req, struct response *res, const char *id,
    enum page_action action, struct page_state *ps,
    const struct page_transition **t)
{
	enum sd_status st;

	st = db_page_lock(req->arena, req->cloud_id, id, ps, &res->err);
	if (st == SD_OK)
		st = page_allows(res, action, ps->status);
	if (st == SD_OK)
		*t = page_transition(action, ps->status);
	return st;
}

/* Starts the transaction and locks the page named by the path. */
static enum sd_status
begin_locked(struct request *req, struct response *res, enum page_action action,
    struct page_state *ps, const struct page_transition **t)
{
	enum sd_status st;

	st = db_begin(&res->err);
	if (st == SD_OK)
		st = page_lock_for(req, res, req->params[0], action, ps, t);
	return st;
}

static enum sd_status
apply(struct request *req, const struct page_transition *t, const char *by,
    const char **doc, struct response *res)
{
	const char *cloud = req->cloud_id, *id = req->params[0];
	enum sd_status st;

	switch (t->effect) {
	case EF_NONE: return db_page_get(req->arena, cloud, id, doc, &res->err);
	case EF_SET_STATUS:
		return db_page_set_status(
		    req->arena, cloud, id, t->next, doc, &res->err);
	case EF_PUBLISH:
		return db_page_publish(req->arena, cloud, id, doc, &res->err);
	case EF_DISCARD_DRAFT:
		st = db_page_discard_draft(req->arena, cloud, id, &res->err);
		return st != SD_OK ? st
		                   : db_page_set_status(req->arena, cloud, id,
		                         t->next, doc, &res->err);
	case EF_DELETE_PAGE:
		return db_page_delete(req->arena, cloud, id, &res->err);
	case EF_SOFT_DELETE:
		return db_page_soft_delete(
		    req->arena, cloud, id, by, &res->err);
	case EF_RECOVER:
		return db_page_recover(req->arena, cloud, id, doc, &res->err);
	case EF_REFUSE: /* page_lock_for refused it */
	case EF_EDIT_IN_PLACE: /* not a lifecycle action's */
	case EF_EDIT_DRAFT: break;
	}
	return sd_fail(&res->err, SD_INTERNAL, "unknown transition", NULL);
}

/* Runs action on the page named by the path; *doc is the page after it
 * (NULL when the page is gone). */
static enum sd_status
run_action(struct request *req, enum page_action action, const char *by,
    const char **doc, struct response *res)
{
	const struct page_transition *t;
	struct page_state ps;
	enum sd_status st;

	*doc = NULL;
	st = begin_locked(req, res, action, &ps, &t);
	if (st == SD_OK)
		st = apply(req, t, by, doc, res);
	return handler_tx_end(st, res);
}

static enum sd_status
run_simple(struct request *req, struct response *res, enum page_action action)
{
	const char *doc;
	enum sd_status st = run_action(req, action, NULL, &doc, res);

	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

enum sd_status
page_publish(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return run_simple(req, res, ACT_PUBLISH);
}

enum sd_status
page_unpublish(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return run_simple(req, res, ACT_UNPUBLISH);
}

enum sd_status
page_recover(
    struct request *req, const struct principal *who, struct response *res)
{
	(void)who;
	return run_simple(req, res, ACT_RECOVER);
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
	const char *doc;
	enum sd_status st;

	st = run_action(req, ACT_SOFT_DELETE, deleted_by(req, who), &doc, res);
	return st != SD_OK ? st
	                   : mutation_ok(res, MUTATION_OK("page archived"));
}

enum sd_status
page_permanent_delete(
    struct request *req, const struct principal *who, struct response *res)
{
	enum sd_status st;

	st = db_page_archive(req->arena, req->cloud_id, req->params[0],
	    deleted_by(req, who), &res->err);
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
	st = db_page_restore(req->arena, req->cloud_id, req->params[0],
	    handlers_settings()->archive_retention_days, &res->err);
	if (st == SD_NOT_FOUND &&
	    db_page_lock(req->arena, req->cloud_id, req->params[0], &ps,
	        &res->err) == SD_OK)
		return sd_fail(&res->err, SD_CONFLICT,
		    "page is not permanently deleted", NULL);
	if (st != SD_OK)
		return st == SD_NOT_FOUND ? page_not_found(res) : st;
	return mutation_ok(res, MUTATION_OK("page recovered"));
}

enum sd_status
page_version_check(struct response *res, const struct page_write *w,
    const struct page_state *ps)
{
	if (w->expected_version == NULL ||
	    atoi(w->expected_version) == ps->version)
		return SD_OK;
	return sd_fail(&res->err, SD_CONFLICT, "version conflict",
	    "the page is at version %d; read it again and retry", ps->version);
}

/* PUT /pages/draft/{id}: a never-published page changes in place; one
 * with a live version gets (or changes) its draft version. */
static enum sd_status
write_draft(struct request *req, struct page_write *w,
    const struct page_transition *t, struct response *res)
{
	const char *doc;
	enum sd_status st;

	if (t->effect == EF_EDIT_IN_PLACE)
		return db_page_update(req->arena, w, &doc, &res->err);
	st = db_page_draft_write(req->arena, w, &res->err);
	if (st != SD_OK)
		return st;
	return db_page_set_status(
	    req->arena, w->cloud_id, w->id, t->next, &doc, &res->err);
}

/* The two PUTs: the body is read before the page is locked. */
static enum sd_status
run_update(struct request *req, struct response *res, enum page_action action,
    const char **doc)
{
	const struct page_transition *t;
	struct page_write w;
	struct page_state ps;
	enum sd_status st;

	st = page_write_from_body(req, res, &w);
	if (st == SD_OK)
		st = begin_locked(req, res, action, &ps, &t);
	if (st == SD_OK)
		st = page_version_check(res, &w, &ps);
	if (st == SD_OK && action == ACT_EDIT)
		st = write_draft(req, &w, t, res);
	if (st == SD_OK && action == ACT_EDIT)
		st = db_page_draft_get(
		    req->arena, req->cloud_id, req->params[0], doc, &res->err);
	if (st == SD_OK && action == ACT_UPDATE_LIVE)
		st = db_page_update(req->arena, &w, doc, &res->err);
	return handler_tx_end(st, res);
}

enum sd_status
page_draft_update(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *doc;
	enum sd_status st;

	(void)who;
	st = run_update(req, res, ACT_EDIT, &doc);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}

/* PUT /pages/{id}: first the update alone, one statement, which is all
 * the common case needs (the page is there, not deleted, at the version
 * asked for); when it finds no such page, the locked path tells what
 * stands in the way (404, 409) or, the page having changed meanwhile,
 * updates it after all. */
enum sd_status
page_update(
    struct request *req, const struct principal *who, struct response *res)
{
	struct page_write w;
	const char *doc;
	enum sd_status st;

	(void)who;
	st = page_write_from_body(req, res, &w);
	if (st == SD_OK)
		st = db_page_update(req->arena, &w, &doc, &res->err);
	if (st == SD_NOT_FOUND) {
		memset(&res->err, 0, sizeof(res->err));
		st = run_update(req, res, ACT_UPDATE_LIVE, &doc);
	}
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, doc);
}
