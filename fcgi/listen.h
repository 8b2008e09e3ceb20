/* The listening socket: bound before privileges are dropped. */
#ifndef STATUSD_LISTEN_H
#define STATUSD_LISTEN_H

/* Binds addr: a path (unix socket, mode and group applied) or host:port.
 * Returns a non-blocking listening fd, or -1 with a message in err. */
int listen_open(const char *addr, int mode, const char *group, char *err,
    unsigned long errlen);
/* Becomes user (and its primary group). -1 with a message in err. */
int listen_drop_privileges(const char *user, char *err, unsigned long errlen);

#endif
