/*
 * API tokens as the operator hands them out: "sdt_" + base64url of 32
 * random bytes. Only their SHA-256 digest is stored. Made by statusctl,
 * recognised by the HTTP layer: both use this one definition.
 */
#ifndef STATUSD_API_TOKEN_H
#define STATUSD_API_TOKEN_H

#include <stddef.h>

#include "crypto.h"

#define API_TOKEN_PREFIX "sdt_"
#define API_TOKEN_RANDOM_BYTES 32
/* Characters of a token, without the NUL. */
#define API_TOKEN_LEN (sizeof(API_TOKEN_PREFIX) - 1 + 43)

/* Makes a new token into token (tokenlen >= API_TOKEN_LEN + 1) and its
 * digest. -1 when the buffer is short or the random source fails. */
int api_token_new(
    char *token, size_t tokenlen, unsigned char digest[SHA256_LEN]);
/* 1 when token[0..len) has a token's shape (prefix and length). */
int api_token_shaped(const char *token, size_t len);

#endif
