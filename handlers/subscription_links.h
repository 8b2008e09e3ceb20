/*
 * The public subscription links (core/sublink.h): /subscriptions/confirm
 * and /subscriptions/unsubscribe, outside the API prefix and without
 * credentials; the token in the query is the only authority.
 *
 *   GET, HEAD  a minimal HTML page with one button; never changes anything
 *              (mail scanners follow links)
 *   POST       confirms (PENDING_CONFIRMATION -> SUBSCRIBED) or
 *              unsubscribes; the body is not read, so an RFC 8058
 *              one-click POST (List-Unsubscribe=One-Click) works as is
 *
 * A token that is malformed, tampered, expired, of another purpose or of a
 * subscriber that is gone gets one neutral page with 400.
 */
#ifndef STATUSD_SUBSCRIPTION_LINKS_H
#define STATUSD_SUBSCRIPTION_LINKS_H

#include "http.h"

/* 1 when req is one of the link paths (res is then filled, as HTML, and
 * req->route_pattern names it), else 0. */
int subscription_links_serve(struct request *req, struct response *res);

#endif
