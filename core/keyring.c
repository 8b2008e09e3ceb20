#include "keyring.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"

int
keyring_id_valid(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > KEYRING_ID_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* "<id>:<hex of KEYRING_MIN_BYTES..KEYRING_MAX_BYTES bytes>". */
static int
parse_key(struct keyring_key *key, const char *setting, const char *value,
    char *err, size_t errlen)
{
	const char *colon = strchr(value, ':');
	long n;

	if (colon == NULL ||
	    !keyring_id_valid(value, (size_t)(colon - value))) {
		snprintf(err, errlen,
		    "%s: expected <id>:<hex key>, the id 1-%d of "
		    "[A-Za-z0-9_-]",
		    setting, KEYRING_ID_MAX);
		return -1;
	}
	n = crypto_hex_decode(
	    colon + 1, strlen(colon + 1), key->bytes, sizeof(key->bytes));
	if (n < KEYRING_MIN_BYTES) {
		snprintf(err, errlen,
		    "%s: the key must be %d to %d random bytes in hex", setting,
		    KEYRING_MIN_BYTES, KEYRING_MAX_BYTES);
		return -1;
	}
	memcpy(key->id, value, (size_t)(colon - value));
	key->id[colon - value] = '\0';
	key->len = (size_t)n;
	return 0;
}

int
keyring_parse(struct keyring *k, const char *setting, const char *current,
    const char *previous, char *err, size_t errlen)
{
	char name[96];

	memset(k, 0, sizeof(*k));
	if (current == NULL || *current == '\0') {
		snprintf(err, errlen, "%s is not set", setting);
		return -1;
	}
	if (parse_key(&k->current, setting, current, err, errlen) != 0)
		return -1;
	if (previous == NULL || *previous == '\0')
		return 0;
	snprintf(name, sizeof(name), "%s_previous", setting);
	if (parse_key(&k->previous, name, previous, err, errlen) != 0)
		return -1;
	/* Equal ids would make the previous key unreachable. */
	if (strcmp(k->previous.id, k->current.id) == 0) {
		snprintf(err, errlen, "%s: the id must differ from %s's", name,
		    setting);
		return -1;
	}
	return 0;
}

const struct keyring_key *
keyring_find(const struct keyring *k, const char *id, size_t len)
{
	const struct keyring_key *keys[2] = { &k->current, &k->previous };
	int i;

	for (i = 0; i < 2; i++) {
		if (keys[i]->len > 0 && strlen(keys[i]->id) == len &&
		    memcmp(keys[i]->id, id, len) == 0)
			return keys[i];
	}
	return NULL;
}
