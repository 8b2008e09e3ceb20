/* The one signature every handler has: a plain function of (request,
 * principal, response), callable without a socket. On an error it returns
 * the status with res->err filled; on success res->body is set. */
#ifndef STATUSD_HANDLER_H
#define STATUSD_HANDLER_H

#include "http.h"

#define HANDLER(name)                                                          \
	enum sd_status name(struct request *req, const struct principal *who,  \
	    struct response *res)

#endif
