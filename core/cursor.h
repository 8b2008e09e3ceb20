/*
 * Opaque keyset cursors: base64url(payload) "." base64url(tag), where the
 * payload names the list it belongs to (scope: list kind and owner) and the
 * sort key and id of the row to continue after, and the tag is an
 * HMAC-SHA256 under the configured secret. A forged, truncated or foreign
 * cursor fails to decode and is answered with 400.
 */
#ifndef STATUSD_CURSOR_H
#define STATUSD_CURSOR_H

#include <stddef.h>

#include "arena.h"

/* Cursors are tagged with the current key; during a rotation, cursors
 * tagged with the previous key are still accepted. */
struct cursor_key {
	unsigned char bytes[64];
	size_t len;
	unsigned char previous[64];
	size_t previous_len; /* 0: no previous key */
};

/* Sets the key from the configured secret (hex, or any text); with an
 * empty secret, a random key (cursors then only last for this process
 * tree). previous (may be NULL or empty) is the secret being rotated out.
 * -1 when the random source fails. */
int cursor_key_init(
    struct cursor_key *k, const char *secret, const char *previous);

/* New arena string, NULL on OOM. */
char *cursor_encode(struct arena *a, const struct cursor_key *k,
    const char *scope, const char *sort_key, const char *id);
/* 0 with *sort_key and *id (arena strings) set, or -1 when the cursor is
 * malformed, forged, or belongs to another scope. */
int cursor_decode(struct arena *a, const struct cursor_key *k,
    const char *scope, const char *cursor, const char **sort_key,
    const char **id);

#endif
