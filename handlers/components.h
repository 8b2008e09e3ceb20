/* Components: the draft tree of a page (batch_process, lists). */
#ifndef STATUSD_HANDLERS_COMPONENTS_H
#define STATUSD_HANDLERS_COMPONENTS_H

#include "http.h"
#include "validate.h"

enum sd_status components_batch_process(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status components_draft_list(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status components_draft_list_v2(
    struct request *req, const struct principal *who, struct response *res);

/* The batch body's field tables (for tests and the fuzz harness). */
extern const struct field component_batch_fields[];

#endif
