/* parse -> route -> authenticate -> handler, with no FastCGI in sight. */
#ifndef STATUSD_DISPATCH_H
#define STATUSD_DISPATCH_H

#include "http.h"

/* Runs the request (already parsed into req) and fills res. who receives
 * the principal (subject empty when authentication failed), for the log. */
void dispatch_request(
    struct request *req, struct principal *who, struct response *res);

#endif
