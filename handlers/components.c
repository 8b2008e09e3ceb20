/*
 * POST /components/batch_process edits a page's draft component tree in
 * one transaction: every item is validated before anything is written, and
 * any failure rolls the whole batch back. Publishing the page makes the
 * draft tree live (db_page_publish).
 */
#include "components.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "crypto.h"
#include "db/components.h"
#include "db/db.h"
#include "db/pages.h"
#include "enums.h"
#include "input.h"
#include "page_lifecycle.h"
#include "pages.h"
#include "paging.h"
#include "settings.h"

static const char *const component_types[] = { "COMPONENT", "GROUP_COMPONENT",
	NULL };

static const char page_id_message[] = "must be a page id (a UUID)";

/* StakeholderCommsNestedDraftComponentInput; "components" nests the same
 * table (one level: enforced when flattening). As in the official schema,
 * only pageId and type are required: a new item without a name gets
 * untitled_name(). */
static const struct field item_fields[] = {
	{ .name = "id",
	    .type = FT_UUID,
	    .message = "must be a component id (a UUID)" },
	{ .name = "pageId",
	    .type = FT_UUID,
	    .flags = F_REQUIRED,
	    .message = page_id_message },
	{ .name = "type",
	    .type = FT_ENUM,
	    .flags = F_REQUIRED,
	    .values = component_types },
	{ .name = "name",
	    .type = FT_STRING,
	    .flags = F_NOT_NULL,
	    .max = 255,
	    .check = validate_not_blank,
	    .message = "must not be blank" },
	{ .name = "description", .type = FT_STRING, .max = 1000 },
	{ .name = "status",
	    .type = FT_ENUM,
	    .flags = F_NOT_NULL,
	    .values = component_statuses },
	{ .name = "serviceId", .type = FT_STRING, .max = 255 },
	{ .name = "position",
	    .type = FT_INT,
	    .flags = F_NOT_NULL,
	    .max_int = 100000 },
	{ .name = "components",
	    .type = FT_OBJECT_ARRAY,
	    .max = COMPONENTS_PER_PAGE_MAX,
	    .children = item_fields },
	FIELDS_END,
};

/* The document marks the batch's pageId optional: without it the items
 * name the page (read_batch). */
const struct field component_batch_fields[] = {
	{ .name = "pageId", .type = FT_UUID, .message = page_id_message },
	{ .name = "createUpdateComponents",
	    .type = FT_OBJECT_ARRAY,
	    .max = COMPONENTS_PER_PAGE_MAX,
	    .children = item_fields },
	{ .name = "deleteComponents",
	    .type = FT_STRING_ARRAY,
	    .max = COMPONENTS_PER_PAGE_MAX,
	    .check = validate_uuid,
	    .message = "must be a component id (a UUID)" },
	FIELDS_END,
};

struct batch {
	const char *page_id;
	struct component_row *rows;
	size_t nrows, cap;
	const char **deletes;
	size_t ndeletes;
};

static const char *
str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static enum sd_status
item_error(struct response *res, const char *path, const char *what)
{
	return sd_fail(&res->err, SD_BAD_REQUEST, "invalid request body",
	    "%s: %s", path, what);
}

/* The name of a component created without one (the official schema does
 * not require it; a name column holds something readable). */
static const char *
untitled_name(const char *type)
{
	return strcmp(type, "GROUP_COMPONENT") == 0 ? "Untitled group"
	                                            : "Untitled component";
}

/* Appends one item (and its children) to the flat list. position_default
 * is its index among its siblings. */
static enum sd_status
flatten(struct request *req, struct response *res, struct batch *b,
    const json_t *item, const char *parent, long position_default,
    const char *path)
{
	struct component_row *row;
	const json_t *children = json_object_get(item, "components");
	const json_t *pos = json_object_get(item, "position");
	char sub[128], *id;
	size_t i;
	enum sd_status st;

	if (strcmp(str(item, "pageId"), b->page_id) != 0)
		return item_error(
		    res, path, "pageId must be the batch's pageId");
	if (b->nrows == b->cap)
		return sd_fail(&res->err, SD_BAD_REQUEST, "too many components",
		    "a page holds at most %d components",
		    COMPONENTS_PER_PAGE_MAX);
	row = &b->rows[b->nrows++];
	memset(row, 0, sizeof(*row));
	row->is_new = str(item, "id") == NULL;
	if (row->is_new) {
		if ((id = arena_alloc(req->arena, 37)) == NULL ||
		    crypto_uuid_v7(id))
			return sd_fail(&res->err, SD_INTERNAL,
			    "random source failed", NULL);
		row->id = id;
	} else {
		row->id = str(item, "id");
	}
	row->parent_id = parent;
	row->type = str(item, "type");
	row->name = str(item, "name");
	if (row->is_new && row->name == NULL)
		row->name = untitled_name(row->type);
	row->description = str(item, "description");
	row->service_id = str(item, "serviceId");
	row->status = str(item, "status");
	row->position = json_is_integer(pos) ? (long)json_integer_value(pos)
	    : row->is_new                    ? position_default
	                                     : -1;
	if (json_array_size(children) == 0)
		return SD_OK;
	if (strcmp(row->type, "GROUP_COMPONENT") != 0 || parent != NULL)
		return item_error(res, path,
		    "only a top-level GROUP_COMPONENT holds components");
	for (i = 0; i < json_array_size(children); i++) {
		snprintf(sub, sizeof(sub), "%s.components[%zu]", path, i);
		st = flatten(req, res, b, json_array_get(children, i), row->id,
		    (long)i, sub);
		if (st != SD_OK)
			return st;
	}
	return SD_OK;
}

/* The ids to delete (validated as UUIDs by the field table). */
static enum sd_status
read_deletes(struct request *req, struct response *res, struct batch *b,
    const json_t *list)
{
	size_t i, n = json_array_size(list);

	b->deletes = arena_alloc(req->arena, sizeof(char *) * (n + 1));
	if (b->deletes == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < n; i++)
		b->deletes[i] = json_string_value(json_array_get(list, i));
	b->ndeletes = n;
	return SD_OK;
}

/* An id may appear once in a batch, and not both updated and deleted. */
static enum sd_status
check_unique_ids(struct response *res, const struct batch *b)
{
	size_t i, j;

	for (i = 0; i < b->nrows; i++) {
		for (j = i + 1; !b->rows[i].is_new && j < b->nrows; j++)
			if (strcmp(b->rows[i].id, b->rows[j].id) == 0)
				return sd_fail(&res->err, SD_BAD_REQUEST,
				    "invalid request body",
				    "component %s appears twice",
				    b->rows[i].id);
		for (j = 0; !b->rows[i].is_new && j < b->ndeletes; j++)
			if (strcmp(b->rows[i].id, b->deletes[j]) == 0)
				return sd_fail(&res->err, SD_BAD_REQUEST,
				    "invalid request body",
				    "component %s is both updated and deleted",
				    b->rows[i].id);
	}
	return SD_OK;
}

static enum sd_status
read_batch(struct request *req, struct response *res, struct batch *b)
{
	const json_t *items, *body = req->input->body;
	char path[64];
	size_t i;
	enum sd_status st;

	st = read_deletes(
	    req, res, b, json_object_get(body, "deleteComponents"));
	if (st != SD_OK)
		return st;
	items = json_object_get(body, "createUpdateComponents");
	b->page_id = str(body, "pageId");
	if (b->page_id == NULL && json_array_size(items) > 0)
		b->page_id = str(json_array_get(items, 0), "pageId");
	if (b->page_id == NULL)
		return sd_fail(&res->err, SD_BAD_REQUEST,
		    "invalid request body",
		    "body.pageId: is required when createUpdateComponents "
		    "is empty");
	b->cap = COMPONENTS_PER_PAGE_MAX;
	b->rows = arena_alloc(req->arena, sizeof(*b->rows) * b->cap);
	if (b->rows == NULL)
		return sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
	for (i = 0; i < json_array_size(items); i++) {
		snprintf(
		    path, sizeof(path), "body.createUpdateComponents[%zu]", i);
		st = flatten(
		    req, res, b, json_array_get(items, i), NULL, (long)i, path);
		if (st != SD_OK)
			return st;
	}
	return check_unique_ids(res, b);
}

static enum sd_status
apply_batch(struct request *req, struct response *res, const struct batch *b,
    const char **tree)
{
	const struct page_transition *t;
	struct page_state ps;
	const char *doc;
	enum sd_status st;

	/* Editing components is a draft change. */
	st = page_lock_for(req, res, b->page_id, ACT_EDIT, &ps, &t);
	if (st == SD_OK)
		st = db_components_apply(req->arena, req->cloud_id, b->page_id,
		    b->rows, b->nrows, b->deletes, b->ndeletes, &res->err);
	if (st == SD_OK)
		st = db_page_set_status(req->arena, req->cloud_id, b->page_id,
		    t->next, &doc, &res->err);
	if (st == SD_OK)
		st = db_components_draft_tree(
		    req->arena, req->cloud_id, b->page_id, tree, &res->err);
	return st;
}

enum sd_status
components_batch_process(
    struct request *req, const struct principal *who, struct response *res)
{
	struct batch b;
	const char *tree;
	enum sd_status st;

	(void)who;
	memset(&b, 0, sizeof(b));
	st = read_batch(req, res, &b);
	if (st != SD_OK)
		return st;
	st = db_begin(&res->err);
	if (st == SD_OK)
		st = handler_tx_end(apply_batch(req, res, &b, &tree), res);
	return st != SD_OK ? st : handler_respond_text(res, SD_OK, tree);
}

enum sd_status
components_draft_list(
    struct request *req, const struct principal *who, struct response *res)
{
	const char *tree;
	enum sd_status st;

	(void)who;
	st = page_exists(req, res, req->params[0]);
	if (st == SD_OK)
		st = db_components_draft_tree(req->arena, req->cloud_id,
		    req->params[0], &tree, &res->err);
	if (st != SD_OK)
		return st;
	tree = arena_printf(req->arena, "{\"components\":%s}", tree);
	return tree ? handler_respond_text(res, SD_OK, tree)
	            : sd_fail(&res->err, SD_INTERNAL, "out of memory", NULL);
}

enum sd_status
components_draft_list_v2(
    struct request *req, const struct principal *who, struct response *res)
{
	const struct input *in = req->input;
	struct component_page cp;
	enum sd_status st;

	(void)who;
	st = page_exists(req, res, req->params[0]);
	if (st == SD_OK)
		st = db_components_draft_keyset(req->arena, req->cloud_id,
		    req->params[0], in->cursor_key, in->cursor_id,
		    in->paging.backward, in->paging.limit, &cp, &res->err);
	if (st != SD_OK)
		return st;
	return paging_respond(req, res, "components", 1, &in->paging,
	    in->cursor_scope, cp.items, cp.positions, cp.ids, cp.count,
	    cp.total);
}
