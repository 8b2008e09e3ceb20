/*
 * Idempotency-Key on POST creates (DESIGN.md section 8). The handler runs
 * inside a transaction that also claims the key and stores the response,
 * so a retry gets the first response back, never a second creation, and a
 * concurrent duplicate waits for the first and then replays it.
 */
#ifndef STATUSD_IDEMPOTENCY_H
#define STATUSD_IDEMPOTENCY_H

#include "router.h"

#define IDEMPOTENCY_KEY_MAX 255

/* Runs route->handler for req under req->idempotency_key. */
enum sd_status idempotent_run(struct request *req, const struct route *route,
    const struct principal *who, struct response *res);

#endif
