/*
 * HMAC keys with an id, for values that outlive a request (captcha
 * challenges, subscriber tokens): the id travels with the signed value, so
 * during a rotation the previous key still verifies what it signed while
 * the current key signs everything new.
 *
 * Configured as "<id>:<hex>": the id is 1-16 of [A-Za-z0-9_-], the key at
 * least KEYRING_MIN_BYTES random bytes in hex. Weak or malformed keys are
 * refused at start-up, never used.
 */
#ifndef STATUSD_KEYRING_H
#define STATUSD_KEYRING_H

#include <stddef.h>

#define KEYRING_MIN_BYTES 32
#define KEYRING_MAX_BYTES 64
#define KEYRING_ID_MAX 16

struct keyring_key {
	char id[KEYRING_ID_MAX + 1]; /* "" when unset */
	unsigned char bytes[KEYRING_MAX_BYTES];
	size_t len;
};

struct keyring {
	struct keyring_key current;
	struct keyring_key previous; /* id "" when none */
};

/* Parses the current key (required) and the previous one (NULL or "" for
 * none). Returns 0, or -1 with a message in err that names `setting` but
 * quotes no key material. */
int keyring_parse(struct keyring *k, const char *setting, const char *current,
    const char *previous, char *err, size_t errlen);

/* The key with this id (id of len bytes, not NUL-terminated), or NULL. */
const struct keyring_key *keyring_find(
    const struct keyring *k, const char *id, size_t len);

/* 1 when s[0..len) is a well-formed key id. */
int keyring_id_valid(const char *s, size_t len);

#endif
