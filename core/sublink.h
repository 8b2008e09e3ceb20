/*
 * The public confirm and unsubscribe links a subscriber's messages carry:
 *
 *   https://<page subdomain>.<public_domain>/subscriptions/confirm?token=T
 *   https://<page subdomain>.<public_domain>/subscriptions/unsubscribe?token=T
 *
 * statusd serves those paths without credentials (handlers/
 * subscription_links.c); a notifier builds the same links here, so both
 * agree on one shape. The token is percent-encoded: a key id may hold
 * characters a query cannot carry as they are.
 */
#ifndef STATUSD_SUBLINK_H
#define STATUSD_SUBLINK_H

#include <stddef.h>

#include "subtoken.h"

#define SUBLINK_CONFIRM_PATH "/subscriptions/confirm"
#define SUBLINK_UNSUBSCRIBE_PATH "/subscriptions/unsubscribe"

/* The path a token of this purpose is used at (manage tokens unsubscribe
 * too), or NULL for an unknown purpose. */
const char *sublink_path(enum subtoken_purpose purpose);

/* Writes the link into out (cap bytes, NUL included). 0, or -1 when an
 * argument is empty, the purpose unknown, or the link does not fit. */
int sublink_build(const char *public_domain, const char *subdomain,
    enum subtoken_purpose purpose, const char *token, char *out, size_t cap);

#endif
