/* Subscriber routes (endpoints 39-46 and the captcha challenge). */
#ifndef STATUSD_HANDLERS_SUBSCRIBERS_H
#define STATUSD_HANDLERS_SUBSCRIBERS_H

#include "handler.h"

HANDLER(subscriber_create);
HANDLER(subscriber_captcha_challenge);
HANDLER(subscriber_validate_token);
HANDLER(subscriber_unsubscribe);
HANDLER(subscribers_list);
HANDLER(subscribers_list_connection);
HANDLER(subscribers_stats);
HANDLER(subscribers_total_in_cloud);
HANDLER(subscribers_delete);

#endif
