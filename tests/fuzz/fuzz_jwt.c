/*
 * libFuzzer harness for JWT verification (core/jwt.c). The first input byte
 * picks what the rest is:
 *   byte & 3 == 0 or 3: a token, verified as it is;
 *   byte & 3 == 1: a claims payload, signed here (HS256, or RS256 when
 *                  byte & 4) and then verified;
 *   byte & 3 == 2: four control bytes and 0xff-separated strings (subject,
 *                  scope, cloud ids) from which the harness builds the
 *                  claims itself, signs them, and knows which statuses the
 *                  verifier may answer.
 * Every token goes to three configurations (HS256 only, RS256 only, both;
 * issuer and audience set). The RS256 key is made at start-up, so no input
 * can carry a valid RS256 signature; HS256 uses a fixed test secret so that
 * committed seeds can hold valid tokens.
 * Contracts: an unsigned token is never accepted (an accepted one carries
 * the test secret's MAC, recomputed here); a token this harness signed gets
 * past the algorithm and signature checks under a configuration holding its
 * key, and fails them under the other one; a flipped signature bit is a bad
 * signature; claims out are written only on JWT_OK, NUL-terminated and
 * within their sizes; built claims give exactly JWT_OK or one of the
 * failures they were built to have; jwt_status_message is never empty.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include "crypto.h"
#include "jwt.h"
#include "text.h"
#include "fuzz_check.h"

/* 2026-01-01T00:00:00Z; fixed so that runs reproduce. */
#define NOW 1767225600LL
#define LEEWAY 30
#define ISSUER "https://auth.statusd.test/"
#define AUDIENCE "statusd-api"
/* The committed seeds are signed with this (tests/fuzz/seeds/fuzz_jwt). */
#define SECRET "statusd-fuzz-hs256-test-secret-0123456789"
#define SECRET_LEN (sizeof(SECRET) - 1)
#define MAX_FIELDS 40

static EVP_PKEY *rsa;
static struct jwt_config cfg_hs, cfg_rs, cfg_both;
static struct jwt_claims untouched;

static void
init(void)
{
	int s;

	if (rsa != NULL)
		return;
	rsa = EVP_RSA_gen(2048);
	CHECK(rsa != NULL);
	cfg_hs.issuer = ISSUER;
	cfg_hs.audience = AUDIENCE;
	cfg_hs.leeway_seconds = LEEWAY;
	cfg_hs.max_lifetime_seconds = 86400;
	cfg_rs = cfg_both = cfg_hs;
	cfg_hs.hs256_secret = (const unsigned char *)SECRET;
	cfg_hs.hs256_secret_len = SECRET_LEN;
	cfg_rs.rs256_key = rsa;
	cfg_both.hs256_secret = cfg_hs.hs256_secret;
	cfg_both.hs256_secret_len = cfg_hs.hs256_secret_len;
	cfg_both.rs256_key = rsa;
	memset(&untouched, 0xa5, sizeof(untouched));
	for (s = -2; s <= JWT_STATUS__MAX + 2; s++) {
		const char *m = jwt_status_message((enum jwt_status)s);

		CHECK(m != NULL && m[0] != '\0');
	}
}

/* No control characters (NUL included) in s[0..n). */
static int
no_controls(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

/* A claim string as jwt.h promises it: NUL-terminated inside its field,
 * UTF-8, no control characters. */
static void
check_field(const char *s, size_t cap, int may_be_empty)
{
	size_t n = strnlen(s, cap);

	CHECK(n < cap);
	CHECK(may_be_empty || n > 0);
	CHECK(utf8_valid(s, n));
	CHECK(no_controls(s, n));
}

static void
check_claims(const struct jwt_claims *c)
{
	size_t i;

	check_field(c->subject, sizeof(c->subject), 0);
	check_field(c->scope, sizeof(c->scope), 0);
	CHECK(strspn(c->scope, " ") < strlen(c->scope));
	CHECK(c->nclouds <= JWT_MAX_CLOUDS);
	for (i = 0; i < c->nclouds; i++)
		check_field(c->clouds[i], sizeof(c->clouds[i]), 0);
	CHECK(c->exp > NOW - LEEWAY);
}

/* jwt_verify with the checks every call gets; *out as written. */
static enum jwt_status
verify(const struct jwt_config *cfg, const char *tok, size_t len,
    struct jwt_claims *out)
{
	enum jwt_status st;
	const char *msg;

	memcpy(out, &untouched, sizeof(*out));
	st = jwt_verify(cfg, tok, len, NOW, out);
	CHECK((unsigned)st < JWT_STATUS__MAX);
	msg = jwt_status_message(st);
	CHECK(msg != NULL && msg[0] != '\0');
	if (st == JWT_OK)
		check_claims(out);
	else
		CHECK(memcmp(out, &untouched, sizeof(*out)) == 0);
	CHECK(jwt_verify(cfg, tok, len, NOW, NULL) == st);
	return st;
}

/* Whether tok ends in the base64url HMAC of what precedes its last dot
 * under the test secret: computed here, not by jwt.c. */
static int
carries_test_mac(const char *tok, size_t len)
{
	const char *dot = memrchr(tok, '.', len);
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char enc[64];
	size_t n;

	if (dot == NULL ||
	    HMAC(EVP_sha256(), SECRET, (int)SECRET_LEN,
	        (const unsigned char *)tok, (size_t)(dot - tok), mac,
	        &maclen) == NULL)
		return 0;
	n = base64url_encode(mac, maclen, enc);
	return len - (size_t)(dot + 1 - tok) == n &&
	    memcmp(dot + 1, enc, n) == 0;
}

static void
as_is(const char *tok, size_t len)
{
	struct jwt_claims c;
	enum jwt_status hs, rs, both;

	hs = verify(&cfg_hs, tok, len, &c);
	rs = verify(&cfg_rs, tok, len, &c);
	both = verify(&cfg_both, tok, len, &c);
	/* Nobody outside this process holds the RSA key. */
	CHECK(rs != JWT_OK);
	if (hs == JWT_OK || both == JWT_OK)
		CHECK(carries_test_mac(tok, len));
	/* The token's alg picks one of the two keys, or neither. */
	CHECK(both == hs || both == rs);
}

/* Signs header.payload with the test secret or the RSA key; returns a
 * malloc'd token (NUL-terminated) or NULL. *sig_at is where the
 * signature's text starts. */
static char *
sign(const char *header, const unsigned char *payload, size_t plen, int rs,
    size_t *len, size_t *sig_at)
{
	unsigned char sig[1024];
	size_t hlen = strlen(header), siglen = sizeof(sig), o;
	unsigned int maclen = 0;
	EVP_MD_CTX *md;
	char *tok;
	int ok;

	tok = malloc(base64url_len(hlen) + base64url_len(plen) +
	    base64url_len(sizeof(sig)) + 3);
	if (tok == NULL)
		return NULL;
	o = base64url_encode((const unsigned char *)header, hlen, tok);
	tok[o++] = '.';
	o += base64url_encode(payload, plen, tok + o);
	if (rs) {
		md = EVP_MD_CTX_new();
		CHECK(md != NULL);
		ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, rsa) ==
		        1 &&
		    EVP_DigestSign(
		        md, sig, &siglen, (const unsigned char *)tok, o) == 1;
		EVP_MD_CTX_free(md);
		CHECK(ok);
	} else {
		CHECK(HMAC(EVP_sha256(), SECRET, (int)SECRET_LEN,
		          (const unsigned char *)tok, o, sig, &maclen) != NULL);
		siglen = maclen;
	}
	tok[o++] = '.';
	*sig_at = o;
	o += base64url_encode(sig, siglen, tok + o);
	tok[o] = '\0';
	*len = o;
	return tok;
}

/* A token signed here: past alg and signature under a configuration with
 * its key, BAD_ALG under the other; a flipped signature bit is refused.
 * Returns the status under the configurations that hold the key. */
static enum jwt_status
check_signed(char *tok, size_t len, size_t sig_at, int rs, unsigned flip,
    struct jwt_claims *c)
{
	const struct jwt_config *own = rs ? &cfg_rs : &cfg_hs;
	const struct jwt_config *other = rs ? &cfg_hs : &cfg_rs;
	unsigned char sig[512];
	enum jwt_status st;
	long n;

	st = verify(own, tok, len, c);
	/* Too long, or an empty payload (hence an empty part): refused by
	 * shape, before any key is looked at. */
	if (len > JWT_TOKEN_MAX || strstr(tok, "..") != NULL) {
		CHECK(st == JWT_MALFORMED);
		CHECK(verify(other, tok, len, c) == JWT_MALFORMED);
		return st;
	}
	CHECK(st != JWT_BAD_ALG && st != JWT_BAD_SIGNATURE);
	CHECK(verify(&cfg_both, tok, len, c) == st);
	CHECK(verify(other, tok, len, c) == JWT_BAD_ALG);

	/* Same token, one signature bit flipped (re-encoded canonically). */
	n = base64url_decode(tok + sig_at, len - sig_at, sig, sizeof(sig));
	CHECK(n > 0);
	sig[flip % (unsigned)n] ^= (unsigned char)(1u << (flip / 256 % 8));
	CHECK(base64url_encode(sig, (size_t)n, tok + sig_at) == len - sig_at);
	CHECK(verify(own, tok, len, c) == JWT_BAD_SIGNATURE);
	CHECK(verify(&cfg_both, tok, len, c) == JWT_BAD_SIGNATURE);
	return st;
}

static const char *const headers[4] = {
	"{\"alg\":\"%s\",\"typ\":\"JWT\"}",
	"{\"alg\":\"%s\"}",
	"{\"typ\":\"at+jwt\",\"alg\":\"%s\",\"kid\":\"k1\"}",
	"{\"alg\":\"%s\",\"typ\":\"jwt\"}",
};

static void
signed_payload(unsigned mode, const uint8_t *data, size_t size)
{
	struct jwt_claims c, mine;
	char header[96];
	json_t *claims, *v;
	enum jwt_status st;
	size_t len, sig_at;
	int rs = (mode & 4) != 0;
	char *tok;

	snprintf(header, sizeof(header), headers[mode >> 3 & 3],
	    rs ? "RS256" : "HS256");
	tok = sign(header, data, size, rs, &len, &sig_at);
	if (tok == NULL)
		return;
	st = verify(rs ? &cfg_rs : &cfg_hs, tok, len, &mine);
	CHECK(check_signed(tok, len, sig_at, rs, mode, &c) == st);
	free(tok);
	if (st != JWT_OK)
		return;
	/* Accepted: the claims out are the payload's. */
	claims =
	    json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	CHECK(json_is_object(claims));
	v = json_object_get(claims, "email");
	if (v == NULL)
		v = json_object_get(claims, "sub");
	CHECK(json_is_string(v) &&
	    strcmp(json_string_value(v), mine.subject) == 0);
	CHECK(json_is_string(json_object_get(claims, "iss")) &&
	    strcmp(json_string_value(json_object_get(claims, "iss")), ISSUER) ==
	        0);
	v = json_object_get(claims, "exp");
	CHECK(json_is_number(v));
	if (json_is_integer(v))
		CHECK(json_integer_value(v) == mine.exp);
	json_decref(claims);
}

/* The claims a structured input asks for, and what must come of them. */
struct built {
	const char *f[MAX_FIELDS];
	size_t flen[MAX_FIELDS], n;
	unsigned bad; /* 1 << jwt_status the claims were built to fail with */
	int has_nul;
};

/* Whether jwt.c can copy s[0..len) into a field of cap bytes. */
static int
copyable(const char *s, size_t len, size_t cap)
{
	return len < cap && no_controls(s, len);
}

/* Whether s[0..len) is nothing but spaces. */
static int
blank(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len && s[i] == ' '; i++)
		;
	return i == len;
}

static json_t *
jstr(struct built *b, size_t i)
{
	if (memchr(b->f[i], '\0', b->flen[i]) != NULL)
		b->has_nul = 1;
	return json_stringn(b->f[i], b->flen[i]);
}

/* Control bytes: fa: 2 nbf, 4 wrong iss, 8 no iss, 16 aud array, 32 wrong
 * aud, 64 email (and sub), 128 scp array; fb: 1 one cloud as cloud_id,
 * 2 both cloud forms, 4 exp/nbf as reals, 8 RS256; then exp and nbf as
 * signed offsets from the edge of validity. */
static json_t *
build_claims(struct built *b, unsigned fa, unsigned fb, int dexp, int dnbf)
{
	json_t *o = json_object(), *a, *s;
	size_t i, k, start, joined = 0, cl = 0;
	int real = (fb & 4) != 0;
	long long exp = NOW - LEEWAY + dexp, nbf = NOW + LEEWAY + dnbf;

	if (o == NULL)
		return NULL;
	/* exp rounds down, nbf up: a half second more only moves nbf. */
	json_object_set_new(
	    o, "exp", real ? json_real((double)exp + 0.5) : json_integer(exp));
	if (exp + LEEWAY <= NOW)
		b->bad |= 1u << JWT_EXPIRED;
	if (fa & 2) {
		json_object_set_new(o, "nbf",
		    real ? json_real((double)nbf + 0.5) : json_integer(nbf));
		if ((real ? nbf + 1 : nbf) - LEEWAY > NOW)
			b->bad |= 1u << JWT_NOT_YET_VALID;
	}
	if (!(fa & 8))
		json_object_set_new(
		    o, "iss", json_string(fa & 4 ? ISSUER "x" : ISSUER));
	if (fa & 12)
		b->bad |= 1u << JWT_BAD_ISSUER;
	s = json_string(fa & 32 ? "other-api" : AUDIENCE);
	if (fa & 16) {
		a = json_array();
		json_array_append_new(a, json_string("someone-else"));
		json_array_append_new(a, s);
		s = a;
	}
	json_object_set_new(o, "aud", s);
	if (fa & 32)
		b->bad |= 1u << JWT_BAD_AUDIENCE;

	/* Subject: field 0, as "email" (then "sub" is ignored) or "sub". */
	if (b->n < 2 || (s = jstr(b, 0)) == NULL) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, fa & 64 ? "email" : "sub", s);
	if (fa & 64)
		json_object_set_new(o, "sub", json_string("fallback"));
	if (b->flen[0] == 0 || !copyable(b->f[0], b->flen[0], 256))
		b->bad |= 1u << JWT_MALFORMED;

	/* Scope: field 1, a string, or split at spaces into an "scp" array
	 * that jwt.c joins again (empty entries skipped). */
	if (!(fa & 128)) {
		if ((s = jstr(b, 1)) == NULL) {
			json_decref(o);
			return NULL;
		}
		json_object_set_new(o, "scope", s);
		if (!copyable(b->f[1], b->flen[1], 2048))
			b->bad |= 1u << JWT_MALFORMED;
		else if (blank(b->f[1], b->flen[1]))
			b->bad |= 1u << JWT_NO_SCOPE;
	} else {
		a = json_array();
		for (start = 0, k = 0; k <= b->flen[1]; k++) {
			if (k < b->flen[1] && b->f[1][k] != ' ')
				continue;
			s = json_stringn(b->f[1] + start, k - start);
			if (s == NULL) {
				json_decref(a);
				json_decref(o);
				return NULL;
			}
			json_array_append_new(a, s);
			/* What jwt.c makes of it: the non-empty entries, one
			 * space between them. */
			if (k > start)
				joined += (joined > 0) + k - start;
			start = k + 1;
		}
		json_object_set_new(o, "scp", a);
		if (memchr(b->f[1], '\0', b->flen[1]) != NULL)
			b->has_nul = 1;
		if (joined >= 2048 || !copyable(b->f[1], b->flen[1], SIZE_MAX))
			b->bad |= 1u << JWT_MALFORMED;
		else if (joined == 0)
			b->bad |= 1u << JWT_NO_SCOPE;
	}

	/* Cloud ids: the remaining fields. */
	cl = b->n - 2;
	if (cl > 0 || (fb & 2)) {
		a = json_array();
		for (i = 2; i < b->n; i++) {
			if ((s = jstr(b, i)) == NULL) {
				json_decref(a);
				json_decref(o);
				return NULL;
			}
			json_array_append_new(a, s);
			if (b->flen[i] == 0 ||
			    !copyable(b->f[i], b->flen[i], 128))
				b->bad |= 1u << JWT_MALFORMED;
		}
		if (cl > JWT_MAX_CLOUDS)
			b->bad |= 1u << JWT_MALFORMED;
		if ((fb & 1) && cl == 1 && !(fb & 2)) {
			json_object_set(o, "cloud_id", json_array_get(a, 0));
			json_decref(a);
		} else {
			json_object_set_new(o, "cloud_ids", a);
		}
		if (fb & 2) {
			json_object_set_new(o, "cloud_id", json_string("c1"));
			b->bad |= 1u << JWT_MALFORMED;
		}
	}
	return o;
}

static void
built_claims(const uint8_t *data, size_t size)
{
	struct jwt_claims c, mine;
	struct built b;
	char header[64], *payload, *tok;
	json_t *claims;
	enum jwt_status st;
	size_t i, start, len, sig_at;
	unsigned fa, fb;
	int rs;

	if (size < 4)
		return;
	fa = data[0], fb = data[1];
	rs = (fb & 8) != 0;
	memset(&b, 0, sizeof(b));
	for (start = 4, i = 4; i <= size && b.n < MAX_FIELDS; i++) {
		if (i < size && data[i] != 0xff)
			continue;
		b.f[b.n] = (const char *)data + start;
		b.flen[b.n++] = i - start;
		start = i + 1;
	}
	claims = build_claims(&b, fa, fb, (int8_t)data[2], (int8_t)data[3]);
	if (claims == NULL)
		return;
	payload = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	if (payload == NULL)
		return;
	snprintf(header, sizeof(header), "{\"alg\":\"%s\",\"typ\":\"JWT\"}",
	    rs ? "RS256" : "HS256");
	tok = sign(header, (const unsigned char *)payload, strlen(payload), rs,
	    &len, &sig_at);
	free(payload);
	if (tok == NULL)
		return;
	/* jansson refuses \u0000 unless asked, so a NUL fails the parse. */
	if (b.has_nul)
		b.bad = 1u << JWT_MALFORMED;
	if (len > JWT_TOKEN_MAX)
		b.bad = 1u << JWT_MALFORMED;
	st = verify(rs ? &cfg_rs : &cfg_hs, tok, len, &mine);
	if (b.bad == 0) {
		CHECK(st == JWT_OK);
		CHECK(strlen(mine.subject) == b.flen[0] &&
		    memcmp(mine.subject, b.f[0], b.flen[0]) == 0);
		CHECK(mine.nclouds == b.n - 2);
		for (i = 2; i < b.n; i++)
			CHECK(strlen(mine.clouds[i - 2]) == b.flen[i] &&
			    memcmp(mine.clouds[i - 2], b.f[i], b.flen[i]) == 0);
		CHECK(mine.exp == NOW - LEEWAY + (int8_t)data[2]);
		if (!(fa & 128))
			CHECK(strlen(mine.scope) == b.flen[1] &&
			    memcmp(mine.scope, b.f[1], b.flen[1]) == 0);
	} else {
		CHECK(st != JWT_OK && (b.bad & (1u << st)) != 0);
	}
	check_signed(tok, len, sig_at, rs, fb * 7u + fa, &c);
	free(tok);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned mode;

	init();
	if (size == 0)
		return 0;
	mode = data[0];
	switch (mode & 3) {
	case 1: signed_payload(mode, data + 1, size - 1); break;
	case 2: built_claims(data + 1, size - 1); break;
	default: as_is((const char *)data + 1, size - 1); break;
	}
	return 0;
}
