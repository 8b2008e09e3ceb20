/*
 * statusctl doctor and statusctl config check: one line per check
 * ("ok", "FAIL" or "skip", the check's name, what was found), or one JSON
 * document with --json. Exit status 1 when any check failed.
 */
#ifndef STATUSD_CLI_DOCTOR_H
#define STATUSD_CLI_DOCTOR_H

#include "config.h"

struct doctor_input {
	const char *config_path;
	int offline; /* config check: the file only, no database or socket */
	const char *nginx_url; /* http://host:port: GET /healthz through it */
	const char *nginx_user; /* else: may this user reach the socket? */
	int json;
};

/* Reads the configuration at in->config_path itself (a file that does not
 * parse is a failed check, not an error) and runs the checks. 0 when all
 * passed, else 1. */
int doctor_run(const struct doctor_input *in);

#endif
