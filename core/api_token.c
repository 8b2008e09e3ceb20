#include "api_token.h"

#include <string.h>

/* 43 = base64url_len(API_TOKEN_RANDOM_BYTES), as a constant for buffers. */
_Static_assert(API_TOKEN_RANDOM_BYTES == 32, "API_TOKEN_LEN assumes 32 bytes");

int
api_token_new(char *token, size_t tokenlen, unsigned char digest[SHA256_LEN])
{
	unsigned char raw[API_TOKEN_RANDOM_BYTES];
	size_t prefix = strlen(API_TOKEN_PREFIX);

	if (tokenlen < API_TOKEN_LEN + 1)
		return -1;
	if (crypto_random(raw, sizeof(raw)) != 0)
		return -1;
	memcpy(token, API_TOKEN_PREFIX, prefix);
	base64url_encode(raw, sizeof(raw), token + prefix);
	crypto_sha256(token, strlen(token), digest);
	return 0;
}

int
api_token_shaped(const char *token, size_t len)
{
	return len == API_TOKEN_LEN &&
	    strncmp(token, API_TOKEN_PREFIX, strlen(API_TOKEN_PREFIX)) == 0;
}
