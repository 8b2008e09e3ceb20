/* Page lifecycle actions (DESIGN.md section 7), one transaction each. */
#ifndef STATUSD_HANDLERS_PAGE_LIFECYCLE_H
#define STATUSD_HANDLERS_PAGE_LIFECYCLE_H

#include "handler.h"

HANDLER(page_publish);
HANDLER(page_unpublish);
HANDLER(page_recover);
HANDLER(page_discard_draft);
HANDLER(page_soft_delete);
HANDLER(page_permanent_delete);
HANDLER(page_recover_deleted);
HANDLER(page_draft_update);

#endif
