/*
 * Idempotency-Key on every state-changing route (DESIGN.md section 8). The
 * handler runs inside a transaction that also claims the key for this
 * caller (cloud, principal, key) and stores the response, so a retry gets
 * the first response back and never applies the change twice. A key whose
 * first request is still running is 409 at once (the retry does not queue
 * behind it); the same key with another request is 422.
 */
#ifndef STATUSD_IDEMPOTENCY_H
#define STATUSD_IDEMPOTENCY_H

#include "router.h"

#define IDEMPOTENCY_KEY_MAX 255

/* Whether a route changes state, and so honours Idempotency-Key. */
int route_changes_state(const struct route *route);

/* Runs route->handler for req under req->idempotency_key. */
enum sd_status idempotent_run(struct request *req, const struct route *route,
    const struct principal *who, struct response *res);

#endif
