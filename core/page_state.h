/*
 * The page lifecycle as data (DESIGN.md section 7): the statuses a page can
 * be in, the actions that change them, and transitions[action][status],
 * which says for every pair what happens and, for a refusal, the one
 * message the client gets. Handlers carry out the effect; db stores and
 * reads the status as this enum. Nothing else decides about a status.
 */
#ifndef STATUSD_PAGE_STATE_H
#define STATUSD_PAGE_STATE_H

enum page_status {
	PS_DRAFT,
	PS_PUBLISHED,
	PS_UNPUBLISHED,
	PS_PUBLISHED_WITH_CHANGES,
	PS_UNPUBLISHED_WITH_CHANGES,
	PS_SOFT_DELETED,
	PS__MAX
};

enum page_action {
	ACT_PUBLISH, /* POST /pages/draft/{id}/publish */
	ACT_DISCARD_DRAFT, /* POST /pages/draft/{id}/delete */
	ACT_UNPUBLISH, /* POST /pages/{id}/unpublish */
	ACT_SOFT_DELETE, /* soft_delete, delete */
	ACT_RECOVER, /* recover */
	ACT_EDIT, /* the draft version changes: PUT /pages/draft/{id},
	             components/batch_process */
	ACT_UPDATE_LIVE, /* PUT /pages/{id} */
	ACT_REPORT_INCIDENT, /* an incident is created or updated */
	ACT__MAX
};

enum page_effect {
	EF_REFUSE, /* 409 with the refusal */
	EF_NONE, /* nothing to change: answer as if done */
	EF_SET_STATUS, /* pageStatus := next */
	EF_PUBLISH, /* draft version (if any) becomes live */
	EF_DISCARD_DRAFT, /* draft version goes; pageStatus := next */
	EF_DELETE_PAGE, /* never published: the page goes entirely */
	EF_SOFT_DELETE,
	EF_RECOVER,
	EF_EDIT_IN_PLACE, /* no live version: the only version changes */
	EF_EDIT_DRAFT, /* the draft version changes; pageStatus := next */
};

struct page_transition {
	enum page_effect effect;
	enum page_status next; /* PS__MAX where the effect decides */
	const char *refusal; /* EF_REFUSE only */
};

/* "PUBLISHED_WITH_CHANGES"; NULL for PS__MAX or out of range. */
const char *page_status_name(enum page_status s);
/* PS__MAX when s names no status. */
enum page_status page_status_parse(const char *s);

/* Never NULL for a valid action and status. */
const struct page_transition *page_transition(
    enum page_action a, enum page_status s);

#endif
