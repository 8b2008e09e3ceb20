#include "page_state.h"

#include <stddef.h>
#include <string.h>

static const char *const names[PS__MAX] = {
	[PS_DRAFT] = "DRAFT",
	[PS_PUBLISHED] = "PUBLISHED",
	[PS_UNPUBLISHED] = "UNPUBLISHED",
	[PS_PUBLISHED_WITH_CHANGES] = "PUBLISHED_WITH_CHANGES",
	[PS_UNPUBLISHED_WITH_CHANGES] = "UNPUBLISHED_WITH_CHANGES",
	[PS_SOFT_DELETED] = "SOFT_DELETED",
};

const char *
page_status_name(enum page_status s)
{
	return s >= 0 && s < PS__MAX ? names[s] : NULL;
}

enum page_status
page_status_parse(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < PS__MAX; i++)
		if (strcmp(names[i], s) == 0)
			return (enum page_status)i;
	return PS__MAX;
}

#define T(e, n)                                                                \
	{                                                                      \
		.effect = e, .next = n                                         \
	}
#define NO(msg)                                                                \
	{                                                                      \
		.effect = EF_REFUSE, .next = PS__MAX, .refusal = msg           \
	}
/* The page stays as it is. */
#define SAME(s) [s] = T(EF_NONE, s)

static const char deleted[] = "page is deleted; recover it first";
static const char no_draft[] = "page has no draft";
static const char not_deleted[] = "page is not deleted";

/* An action that changes no status and is refused only on a deleted
 * page. */
#define UNLESS_DELETED                                                         \
	{                                                                      \
		SAME(PS_DRAFT), SAME(PS_PUBLISHED), SAME(PS_UNPUBLISHED),      \
		    SAME(PS_PUBLISHED_WITH_CHANGES),                           \
		    SAME(PS_UNPUBLISHED_WITH_CHANGES),                         \
		    [PS_SOFT_DELETED] = NO(deleted),                           \
	}

/* transitions[action][current status] */
static const struct page_transition transitions[ACT__MAX][PS__MAX] = {
	[ACT_PUBLISH] = {
	    [PS_DRAFT] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_PUBLISHED] = NO("page has no draft to publish"),
	    /* Publishing an unpublished page puts its live version back. */
	    [PS_UNPUBLISHED] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_PUBLISHED_WITH_CHANGES] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_UNPUBLISHED_WITH_CHANGES] = T(EF_PUBLISH, PS_PUBLISHED),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	[ACT_DISCARD_DRAFT] = {
	    [PS_DRAFT] = T(EF_DELETE_PAGE, PS__MAX),
	    [PS_PUBLISHED] = NO(no_draft),
	    [PS_UNPUBLISHED] = NO(no_draft),
	    [PS_PUBLISHED_WITH_CHANGES] = T(EF_DISCARD_DRAFT, PS_PUBLISHED),
	    [PS_UNPUBLISHED_WITH_CHANGES] = T(EF_DISCARD_DRAFT, PS_UNPUBLISHED),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	[ACT_UNPUBLISH] = {
	    [PS_DRAFT] = NO("page was never published"),
	    [PS_PUBLISHED] = T(EF_SET_STATUS, PS_UNPUBLISHED),
	    SAME(PS_UNPUBLISHED),
	    [PS_PUBLISHED_WITH_CHANGES] =
		T(EF_SET_STATUS, PS_UNPUBLISHED_WITH_CHANGES),
	    SAME(PS_UNPUBLISHED_WITH_CHANGES),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	[ACT_SOFT_DELETE] = {
	    [PS_DRAFT] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_PUBLISHED] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_UNPUBLISHED] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_PUBLISHED_WITH_CHANGES] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    [PS_UNPUBLISHED_WITH_CHANGES] = T(EF_SOFT_DELETE, PS_SOFT_DELETED),
	    SAME(PS_SOFT_DELETED),
	},
	[ACT_RECOVER] = {
	    [PS_DRAFT] = NO(not_deleted),
	    [PS_PUBLISHED] = NO(not_deleted),
	    [PS_UNPUBLISHED] = NO(not_deleted),
	    [PS_PUBLISHED_WITH_CHANGES] = NO(not_deleted),
	    [PS_UNPUBLISHED_WITH_CHANGES] = NO(not_deleted),
	    [PS_SOFT_DELETED] = T(EF_RECOVER, PS__MAX),
	},
	/* A page with a live version gets (or keeps) unpublished changes;
	 * a never-published one changes in place. */
	[ACT_EDIT] = {
	    [PS_DRAFT] = T(EF_EDIT_IN_PLACE, PS_DRAFT),
	    [PS_PUBLISHED] = T(EF_EDIT_DRAFT, PS_PUBLISHED_WITH_CHANGES),
	    [PS_UNPUBLISHED] = T(EF_EDIT_DRAFT, PS_UNPUBLISHED_WITH_CHANGES),
	    [PS_PUBLISHED_WITH_CHANGES] =
		T(EF_EDIT_DRAFT, PS_PUBLISHED_WITH_CHANGES),
	    [PS_UNPUBLISHED_WITH_CHANGES] =
		T(EF_EDIT_DRAFT, PS_UNPUBLISHED_WITH_CHANGES),
	    [PS_SOFT_DELETED] = NO(deleted),
	},
	/* The live version changes (a pending draft follows); the status
	 * stays. */
	[ACT_UPDATE_LIVE] = UNLESS_DELETED,
	[ACT_REPORT_INCIDENT] = UNLESS_DELETED,
};

const struct page_transition *
page_transition(enum page_action a, enum page_status s)
{
	static const struct page_transition unknown = NO("unknown page state");

	if (a < 0 || a >= ACT__MAX || s < 0 || s >= PS__MAX)
		return &unknown;
	return &transitions[a][s];
}
