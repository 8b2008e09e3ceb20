/* Subscriber routes (endpoints 39-46 and the captcha challenge). */
#ifndef STATUSD_HANDLERS_SUBSCRIBERS_H
#define STATUSD_HANDLERS_SUBSCRIBERS_H

#include "http.h"

enum sd_status subscriber_create(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscriber_captcha_challenge(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscriber_validate_token(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscriber_unsubscribe(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscribers_list(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscribers_list_connection(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscribers_stats(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscribers_total_in_cloud(
    struct request *req, const struct principal *who, struct response *res);
enum sd_status subscribers_delete(
    struct request *req, const struct principal *who, struct response *res);

#endif
