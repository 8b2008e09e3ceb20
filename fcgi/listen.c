#include "listen.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BACKLOG 1024

static int
set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL, 0);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

static int
open_unix(const char *path, int mode, const char *group, char *err,
    unsigned long errlen)
{
	struct sockaddr_un sa;
	struct group *gr;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long");
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	unlink(path); /* a stale socket from a previous run */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, (mode_t)mode) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (group != NULL && *group != '\0') {
		gr = getgrnam(group);
		if (gr == NULL || chown(path, (uid_t)-1, gr->gr_gid) != 0) {
			snprintf(err, errlen, "socket group %s: %s", group,
			    gr ? strerror(errno) : "no such group");
			close(fd);
			return -1;
		}
	}
	return fd;
}

static int
open_tcp(const char *addr, char *err, unsigned long errlen)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *ai = NULL;
	int fd, one = 1, rc;

	if (colon == NULL || (size_t)(colon - addr) >= sizeof(host)) {
		snprintf(err, errlen, "listen: expected a path or host:port");
		return -1;
	}
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	rc = getaddrinfo(host[0] ? host : NULL, colon + 1, &hints, &ai);
	if (rc != 0) {
		snprintf(err, errlen, "listen %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		snprintf(err, errlen, "listen %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	return fd;
}

int
listen_open(const char *addr, int mode, const char *group, char *err,
    unsigned long errlen)
{
	int fd;

	fd = strchr(addr, '/') != NULL
	    ? open_unix(addr, mode, group, err, errlen)
	    : open_tcp(addr, err, errlen);
	if (fd < 0)
		return -1;
	if (listen(fd, BACKLOG) != 0 || set_nonblocking(fd) != 0) {
		snprintf(err, errlen, "listen: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int
listen_drop_privileges(const char *user, char *err, unsigned long errlen)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		snprintf(err, errlen, "no such user: %s", user);
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0) {
		snprintf(
		    err, errlen, "cannot become %s: %s", user, strerror(errno));
		return -1;
	}
	/* Make sure there is no way back. */
	if (setuid(0) == 0) {
		snprintf(err, errlen, "privileges could not be dropped");
		return -1;
	}
	return 0;
}
