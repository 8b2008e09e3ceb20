/*
 * Unit tests for core/jwt.c. Tokens are minted here with OpenSSL (HMAC for
 * HS256, a fresh RSA 2048 key and EVP_DigestSign for RS256), so each test
 * states the exact bytes it feeds the verifier. Every token is handed over in
 * a heap copy without a terminating NUL: under AddressSanitizer any read past
 * token_len fails the test.
 */
#include <check.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../core/jwt.h"

#define NOW 1700000000LL
#define ISSUER "https://id.statusd.example/"
#define AUDIENCE "statusd"
#define SCOPE "read:stakeholder-comms.page:jira-service-management"
#define HS_HEADER "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define RS_HEADER "{\"alg\":\"RS256\",\"typ\":\"JWT\"}"

static const unsigned char secret[] = "unit-test-secret-0123456789abcdef";

/* Made by the unchecked fixture of each RSA test case; read-only in tests. */
static EVP_PKEY *rsa_priv;
static EVP_PKEY *rsa_pub; /* loaded back from pem_path */
#define PEM_TEMPLATE "/tmp/statusd-jwt-pub-XXXXXX"
static char pem_path[sizeof(PEM_TEMPLATE)];
static char *pem_bytes; /* the public key PEM text, for key confusion */
static size_t pem_len;

/* --- helpers: encoding and minting ------------------------------------- */

/* New: base64url without padding. */
static char *
b64url(const void *data, size_t len)
{
	char *out, *r, *w;

	out = malloc(4 * ((len + 2) / 3) + 1);
	ck_assert_ptr_nonnull(out);
	EVP_EncodeBlock((unsigned char *)out, data, (int)len);
	for (r = w = out; *r != '\0'; r++) {
		if (*r == '=')
			continue;
		*w++ = *r == '+' ? '-' : *r == '/' ? '_' : *r;
	}
	*w = '\0';
	return out;
}

/* New: a "." b. */
static char *
join(const char *a, const char *b)
{
	char *out;

	ck_assert_int_ge(asprintf(&out, "%s.%s", a, b), 0);
	return out;
}

/* New: b64(header) "." b64(payload). */
static char *
signing_input(const char *header, const char *payload)
{
	char *h, *p, *in;

	h = b64url(header, strlen(header));
	p = b64url(payload, strlen(payload));
	in = join(h, p);
	free(h);
	free(p);
	return in;
}

/* New: a token with the given raw signature part (may be ""). */
static char *
mint_raw(const char *header, const char *payload, const char *sig_b64)
{
	char *in, *tok;

	in = signing_input(header, payload);
	tok = join(in, sig_b64);
	free(in);
	return tok;
}

/* New: input "." b64(HMAC-SHA256(key, input)); input is used as given. */
static char *
sign_hs(const char *input, const void *key, size_t keylen)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *sig, *tok;

	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)keylen,
	    (const unsigned char *)input, strlen(input), mac, &maclen));
	sig = b64url(mac, maclen);
	tok = join(input, sig);
	free(sig);
	return tok;
}

/* New: HMAC-SHA256 signed token; the key is arbitrary bytes. */
static char *
mint_hs(const char *header, const char *payload, const void *key, size_t keylen)
{
	char *in, *tok;

	in = signing_input(header, payload);
	tok = sign_hs(in, key, keylen);
	free(in);
	return tok;
}

/* New: RSASSA-PKCS1-v1_5 SHA-256 signed token. */
static char *
mint_rs(const char *header, const char *payload, EVP_PKEY *key)
{
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md;
	char *in, *s, *tok;

	in = signing_input(header, payload);
	md = EVP_MD_CTX_new();
	ck_assert_ptr_nonnull(md);
	ck_assert_int_eq(
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key), 1);
	ck_assert_int_eq(
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)in, strlen(in)),
	    1);
	EVP_MD_CTX_free(md);
	s = b64url(sig, siglen);
	tok = join(in, s);
	free(in);
	free(s);
	return tok;
}

/* New: claims that pass every check against hs_cfg() / rs_cfg(). */
static json_t *
base_claims(void)
{
	json_t *c;

	c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:[s,s]}", "iss", ISSUER,
	    "aud", AUDIENCE, "sub", "user-42", "scope", SCOPE, "exp",
	    (json_int_t)(NOW + 3600), "iat", (json_int_t)NOW, "cloud_ids",
	    "cloud-a", "cloud-b");
	ck_assert_ptr_nonnull(c);
	return c;
}

/* New: compact JSON text; steals claims. */
static char *
dump(json_t *claims)
{
	char *s;

	s = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	ck_assert_ptr_nonnull(s);
	return s;
}

/* New: HS256 token over claims (stolen). */
static char *
hs_token(json_t *claims)
{
	char *payload, *tok;

	payload = dump(claims);
	tok = mint_hs(HS_HEADER, payload, secret, sizeof(secret) - 1);
	free(payload);
	return tok;
}

/* New: RS256 token over claims (stolen). */
static char *
rs_token(json_t *claims)
{
	char *payload, *tok;

	payload = dump(claims);
	tok = mint_rs(RS_HEADER, payload, rsa_priv);
	free(payload);
	return tok;
}

static struct jwt_config
hs_cfg(void)
{
	struct jwt_config cfg = {
		.issuer = ISSUER,
		.audience = AUDIENCE,
		.hs256_secret = secret,
		.hs256_secret_len = sizeof(secret) - 1,
		.leeway_seconds = 30,
	};

	return cfg;
}

static struct jwt_config
rs_cfg(void)
{
	struct jwt_config cfg = {
		.issuer = ISSUER,
		.audience = AUDIENCE,
		.rs256_key = rsa_pub,
		.leeway_seconds = 30,
	};

	return cfg;
}

/* Verifies an exact-size heap copy of tok[0..len), without a NUL after it. */
static enum jwt_status
verify_n(const struct jwt_config *cfg, const char *tok, size_t len,
    struct jwt_claims *out)
{
	enum jwt_status st;
	char *copy;

	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, tok, len);
	st = jwt_verify(cfg, copy, len, NOW, out);
	free(copy);
	return st;
}

static enum jwt_status
verify(const struct jwt_config *cfg, const char *tok, struct jwt_claims *out)
{
	return verify_n(cfg, tok, strlen(tok), out);
}

/* Mints claims (stolen) with HS256, verifies with hs_cfg(), frees. */
static enum jwt_status
hs_check(json_t *claims, struct jwt_claims *out)
{
	struct jwt_config cfg = hs_cfg();
	enum jwt_status st;
	char *tok;

	tok = hs_token(claims);
	st = verify(&cfg, tok, out);
	free(tok);
	return st;
}

/* Same as hs_check with a given leeway. */
static enum jwt_status
hs_check_leeway(json_t *claims, long leeway)
{
	struct jwt_config cfg = hs_cfg();
	enum jwt_status st;
	char *tok;

	cfg.leeway_seconds = leeway;
	tok = hs_token(claims);
	st = verify(&cfg, tok, NULL);
	free(tok);
	return st;
}

/* base_claims() with key set to value (stolen). */
static json_t *
claims_with(const char *key, json_t *value)
{
	json_t *c = base_claims();

	ck_assert_int_eq(json_object_set_new(c, key, value), 0);
	return c;
}

/* base_claims() without key. */
static json_t *
claims_without(const char *key)
{
	json_t *c = base_claims();

	ck_assert_int_eq(json_object_del(c, key), 0);
	return c;
}

/* New: a string of n copies of ch. */
static char *
repeat(char ch, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

/* Writes data to a new temp file; path must end in XXXXXX. */
static void
write_temp(char *path, const void *data, size_t len)
{
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Writes key's public half as a PEM "PUBLIC KEY" to a new temp file. */
static void
write_pubkey(char *path, EVP_PKEY *key)
{
	FILE *fp;
	int fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(PEM_write_PUBKEY(fp, key), 1);
	fclose(fp);
}

static void
suite_setup(void)
{
	BIO *bio;
	char *p;
	long n;

	/* Runs once per test case; mkstemp needs a fresh template each time. */
	memcpy(pem_path, PEM_TEMPLATE, sizeof(PEM_TEMPLATE));
	rsa_priv = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(rsa_priv);
	write_pubkey(pem_path, rsa_priv);
	rsa_pub = jwt_load_rs256_public_key(pem_path);
	ck_assert_ptr_nonnull(rsa_pub);

	bio = BIO_new(BIO_s_mem());
	ck_assert_ptr_nonnull(bio);
	ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, rsa_priv), 1);
	n = BIO_get_mem_data(bio, &p);
	ck_assert_int_gt(n, 0);
	pem_len = (size_t)n;
	pem_bytes = malloc(pem_len);
	ck_assert_ptr_nonnull(pem_bytes);
	memcpy(pem_bytes, p, pem_len);
	BIO_free(bio);
}

static void
suite_teardown(void)
{
	unlink(pem_path);
	EVP_PKEY_free(rsa_pub);
	EVP_PKEY_free(rsa_priv);
	free(pem_bytes);
	rsa_pub = rsa_priv = NULL;
	pem_bytes = NULL;
}

/* --- valid tokens ------------------------------------------------------- */

START_TEST(test_hs256_valid)
{
	struct jwt_claims c;

	ck_assert_int_eq(hs_check(base_claims(), &c), JWT_OK);
	ck_assert_str_eq(c.subject, "user-42");
	ck_assert_str_eq(c.scope, SCOPE);
	ck_assert_int_eq(c.exp, NOW + 3600);
	ck_assert_uint_eq(c.nclouds, 2);
	ck_assert_str_eq(c.clouds[0], "cloud-a");
	ck_assert_str_eq(c.clouds[1], "cloud-b");
}
END_TEST

START_TEST(test_rs256_valid)
{
	struct jwt_config cfg = rs_cfg();
	struct jwt_claims c;
	char *tok;

	tok = rs_token(base_claims());
	ck_assert_int_eq(verify(&cfg, tok, &c), JWT_OK);
	ck_assert_str_eq(c.subject, "user-42");
	ck_assert_str_eq(c.scope, SCOPE);
	ck_assert_uint_eq(c.nclouds, 2);
	free(tok);
}
END_TEST

START_TEST(test_both_algs_configured)
{
	struct jwt_config cfg = hs_cfg();
	char *hs, *rs;

	cfg.rs256_key = rsa_pub;
	hs = hs_token(base_claims());
	rs = rs_token(base_claims());
	ck_assert_int_eq(verify(&cfg, hs, NULL), JWT_OK);
	ck_assert_int_eq(verify(&cfg, rs, NULL), JWT_OK);
	free(hs);
	free(rs);
}
END_TEST

START_TEST(test_email_preferred_over_sub)
{
	struct jwt_claims c;

	ck_assert_int_eq(
	    hs_check(claims_with("email", json_string("ops@example.com")), &c),
	    JWT_OK);
	ck_assert_str_eq(c.subject, "ops@example.com");
}
END_TEST

START_TEST(test_subject_required)
{
	json_t *c = claims_without("sub");

	ck_assert_int_eq(hs_check(c, NULL), JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(claims_with("sub", json_string("")), NULL), JWT_MALFORMED);
	ck_assert_int_eq(hs_check(claims_with("email", json_integer(7)), NULL),
	    JWT_MALFORMED);
}
END_TEST

/* --- algorithm confusion -------------------------------------------------- */

START_TEST(test_alg_none_with_signature)
{
	struct jwt_config hs = hs_cfg(), rs = rs_cfg();
	char *payload, *tok;

	payload = dump(base_claims());
	tok = mint_raw("{\"alg\":\"none\",\"typ\":\"JWT\"}", payload, "c2ln");
	ck_assert_int_eq(verify(&hs, tok, NULL), JWT_BAD_ALG);
	ck_assert_int_eq(verify(&rs, tok, NULL), JWT_BAD_ALG);
	free(tok);
	tok = mint_raw("{\"alg\":\"None\"}", payload, "c2ln");
	ck_assert_int_eq(verify(&hs, tok, NULL), JWT_BAD_ALG);
	free(tok);
	free(payload);
}
END_TEST

START_TEST(test_alg_none_without_signature)
{
	struct jwt_config cfg = hs_cfg();
	char *payload, *tok, *in;

	payload = dump(base_claims());
	/* "header.payload." : the classic unsecured JWT. */
	tok = mint_raw("{\"alg\":\"none\"}", payload, "");
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	/* "header.payload" : no third part at all. */
	in = signing_input("{\"alg\":\"none\"}", payload);
	ck_assert_int_eq(verify(&cfg, in, NULL), JWT_MALFORMED);
	free(in);
	free(payload);
}
END_TEST

START_TEST(test_key_confusion_hs256_with_rsa_pem)
{
	struct jwt_config cfg = rs_cfg();
	char *payload, *tok;

	/* HMAC keyed with the public key the server verifies RS256 with. */
	payload = dump(base_claims());
	tok = mint_hs(HS_HEADER, payload, pem_bytes, pem_len);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_ALG);
	/* Also with a (different) HS256 secret configured beside the key. */
	cfg.hs256_secret = secret;
	cfg.hs256_secret_len = sizeof(secret) - 1;
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	free(payload);
}
END_TEST

START_TEST(test_alg_not_allowed)
{
	static const char *const headers[] = {
		"{\"alg\":\"HS384\"}",
		"{\"alg\":\"HS512\"}",
		"{\"alg\":\"RS512\"}",
		"{\"alg\":\"PS256\"}",
		"{\"alg\":\"ES256\"}",
		"{\"alg\":\"hs256\"}",
		"{\"alg\":\"HS256 \"}",
		"{\"alg\":\"\"}",
		"{\"alg\":256}",
		"{\"alg\":null}",
		"{\"alg\":[\"HS256\"]}",
		"{\"typ\":\"JWT\"}",
	};
	struct jwt_config cfg = hs_cfg();
	char *payload, *tok;
	size_t i;

	payload = dump(base_claims());
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		tok = mint_hs(headers[i], payload, secret, sizeof(secret) - 1);
		ck_assert_msg(verify(&cfg, tok, NULL) == JWT_BAD_ALG,
		    "header %s", headers[i]);
		free(tok);
	}
	free(payload);
}
END_TEST

START_TEST(test_alg_without_configured_key)
{
	struct jwt_config hs = hs_cfg(), rs = rs_cfg(), empty = hs_cfg();
	char *hs_tok, *rs_tok;

	hs_tok = hs_token(base_claims());
	rs_tok = rs_token(base_claims());
	ck_assert_int_eq(verify(&hs, rs_tok, NULL), JWT_BAD_ALG);
	ck_assert_int_eq(verify(&rs, hs_tok, NULL), JWT_BAD_ALG);
	/* An empty secret is as good as none. */
	empty.hs256_secret_len = 0;
	ck_assert_int_eq(verify(&empty, hs_tok, NULL), JWT_BAD_ALG);
	empty.hs256_secret = NULL;
	empty.hs256_secret_len = sizeof(secret) - 1;
	ck_assert_int_eq(verify(&empty, hs_tok, NULL), JWT_BAD_ALG);
	free(hs_tok);
	free(rs_tok);
}
END_TEST

START_TEST(test_rs256_non_rsa_key)
{
	struct jwt_config cfg = rs_cfg();
	EVP_PKEY *ec;
	char *tok;

	ec = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(ec);
	cfg.rs256_key = ec;
	tok = rs_token(base_claims());
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_ALG);
	free(tok);
	EVP_PKEY_free(ec);
}
END_TEST

/* --- signatures ----------------------------------------------------------- */

START_TEST(test_bad_signature_hs256)
{
	static const unsigned char other[] = "another-secret";
	struct jwt_config cfg = hs_cfg();
	unsigned char short_mac[31] = { 0 };
	char *payload, *tok, *sig;

	payload = dump(base_claims());
	tok = mint_hs(HS_HEADER, payload, other, sizeof(other) - 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	/* A MAC of the wrong length never reaches the comparison. */
	sig = b64url(short_mac, sizeof(short_mac));
	tok = mint_raw(HS_HEADER, payload, sig);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	free(sig);
	free(payload);
}
END_TEST

START_TEST(test_bad_signature_rs256)
{
	struct jwt_config cfg = rs_cfg();
	EVP_PKEY *other;
	char *tok;
	size_t len;

	other = EVP_RSA_gen(2048);
	ck_assert_ptr_nonnull(other);
	tok = mint_rs(RS_HEADER, "{\"exp\":1}", other);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	EVP_PKEY_free(other);

	/* One flipped signature character (kept inside the alphabet). */
	tok = rs_token(base_claims());
	len = strlen(tok);
	tok[len - 10] = tok[len - 10] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_BAD_SIGNATURE);
	/* A failed verification leaves nothing on OpenSSL's error queue. */
	ck_assert_uint_eq(ERR_peek_error(), 0);
	free(tok);
}
END_TEST

/* Replaces the payload part of tok with b64(payload). */
static char *
swap_payload(const char *tok, const char *payload)
{
	const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
	char *p, *out;

	p = b64url(payload, strlen(payload));
	ck_assert_int_ge(
	    asprintf(&out, "%.*s.%s%s", (int)(d1 - tok), tok, p, d2), 0);
	free(p);
	return out;
}

START_TEST(test_tampered_payload)
{
	struct jwt_config hs = hs_cfg(), rs = rs_cfg();
	char *evil, *tok, *forged;

	evil = dump(claims_with("scope", json_string(SCOPE " delete:x")));
	tok = hs_token(base_claims());
	forged = swap_payload(tok, evil);
	ck_assert_int_eq(verify(&hs, tok, NULL), JWT_OK);
	ck_assert_int_eq(verify(&hs, forged, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	free(forged);
	tok = rs_token(base_claims());
	forged = swap_payload(tok, evil);
	ck_assert_int_eq(verify(&rs, forged, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	free(forged);
	free(evil);
}
END_TEST

START_TEST(test_tampered_header)
{
	struct jwt_config cfg = hs_cfg();
	char *tok, *h, *forged;
	const char *dot;

	/* Same payload and signature under a different (allowed) header. */
	tok = hs_token(base_claims());
	dot = strchr(tok, '.');
	h = b64url("{\"alg\":\"HS256\",\"kid\":\"x\"}",
	    strlen("{\"alg\":\"HS256\",\"kid\":\"x\"}"));
	forged = join(h, dot + 1);
	ck_assert_int_eq(verify(&cfg, forged, NULL), JWT_BAD_SIGNATURE);
	free(tok);
	free(h);
	free(forged);
}
END_TEST

/* --- time claims ---------------------------------------------------------- */

START_TEST(test_expired)
{
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_integer(NOW - 100)), NULL),
	    JWT_EXPIRED);
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_integer(0)), NULL), JWT_EXPIRED);
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_integer(-5)), NULL), JWT_EXPIRED);
}
END_TEST

START_TEST(test_nbf_in_future)
{
	ck_assert_int_eq(
	    hs_check(claims_with("nbf", json_integer(NOW + 100)), NULL),
	    JWT_NOT_YET_VALID);
	ck_assert_int_eq(
	    hs_check(claims_with("nbf", json_integer(NOW - 100)), NULL),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check(claims_with("nbf", json_string("soon")), NULL),
	    JWT_MALFORMED);
}
END_TEST

START_TEST(test_leeway)
{
	/* Leeway 30: exp + 30 <= now is expired, nbf - 30 > now is early. */
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("exp", json_integer(NOW - 10)), 30),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("exp", json_integer(NOW - 29)), 30),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("exp", json_integer(NOW - 30)), 30),
	    JWT_EXPIRED);
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("nbf", json_integer(NOW + 30)), 30),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("nbf", json_integer(NOW + 31)), 30),
	    JWT_NOT_YET_VALID);
	/* Leeway 0: exp == now is already expired. */
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("exp", json_integer(NOW)), 0),
	    JWT_EXPIRED);
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("exp", json_integer(NOW + 1)), 0),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("nbf", json_integer(NOW + 1)), 0),
	    JWT_NOT_YET_VALID);
	/* A negative leeway counts as none, never as extra strictness. */
	ck_assert_int_eq(
	    hs_check_leeway(claims_with("exp", json_integer(NOW + 1)), -100),
	    JWT_OK);
	/* Huge values saturate instead of overflowing. */
	ck_assert_int_eq(
	    hs_check_leeway(
	        claims_with("exp", json_integer(LLONG_MAX)), LONG_MAX),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check_leeway(
	        claims_with("nbf", json_integer(LLONG_MIN)), LONG_MAX),
	    JWT_OK);
}
END_TEST

START_TEST(test_exp_forms)
{
	struct jwt_claims c;

	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_real((double)NOW + 3600.5)), &c),
	    JWT_OK);
	ck_assert_int_eq(c.exp, NOW + 3600);
	/* A real exp rounds down: NOW + 0.5 is NOW, expired with no leeway. */
	ck_assert_int_eq(
	    hs_check_leeway(
	        claims_with("exp", json_real((double)NOW + 0.5)), 0),
	    JWT_EXPIRED);
	/* A real nbf rounds up. */
	ck_assert_int_eq(
	    hs_check_leeway(
	        claims_with("nbf", json_real((double)NOW + 0.5)), 0),
	    JWT_NOT_YET_VALID);
	ck_assert_int_eq(hs_check(claims_with("exp", json_real(1e300)), NULL),
	    JWT_MALFORMED);
	ck_assert_int_eq(hs_check(claims_without("exp"), NULL), JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_string("1900000000")), NULL),
	    JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_null()), NULL), JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_true()), NULL), JWT_MALFORMED);
}
END_TEST

/* --- issuer and audience -------------------------------------------------- */

START_TEST(test_issuer)
{
	struct jwt_config cfg = hs_cfg();
	char *tok;

	ck_assert_int_eq(
	    hs_check(
	        claims_with("iss", json_string("https://evil.example/")), NULL),
	    JWT_BAD_ISSUER);
	ck_assert_int_eq(
	    hs_check(
	        claims_with("iss", json_string("https://id.statusd.example")),
	        NULL),
	    JWT_BAD_ISSUER);
	ck_assert_int_eq(hs_check(claims_without("iss"), NULL), JWT_BAD_ISSUER);
	ck_assert_int_eq(hs_check(claims_with("iss", json_integer(1)), NULL),
	    JWT_BAD_ISSUER);
	/* Not checked when no issuer is configured. */
	cfg.issuer = NULL;
	tok = hs_token(claims_with("iss", json_string("anyone")));
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_OK);
	free(tok);
}
END_TEST

START_TEST(test_audience)
{
	struct jwt_config cfg = hs_cfg();
	char *tok;

	ck_assert_int_eq(
	    hs_check(claims_with("aud", json_string("other")), NULL),
	    JWT_BAD_AUDIENCE);
	ck_assert_int_eq(
	    hs_check(claims_with("aud", json_string("statusd2")), NULL),
	    JWT_BAD_AUDIENCE);
	ck_assert_int_eq(
	    hs_check(claims_without("aud"), NULL), JWT_BAD_AUDIENCE);
	ck_assert_int_eq(hs_check(claims_with("aud", json_integer(3)), NULL),
	    JWT_BAD_AUDIENCE);
	cfg.audience = NULL;
	tok = hs_token(claims_with("aud", json_string("other")));
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_OK);
	free(tok);
}
END_TEST

START_TEST(test_audience_array)
{
	ck_assert_int_eq(
	    hs_check(claims_with("aud", json_pack("[s,s]", "other", AUDIENCE)),
	        NULL),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check(claims_with("aud", json_pack("[i,s]", 1, AUDIENCE)), NULL),
	    JWT_OK);
	ck_assert_int_eq(
	    hs_check(
	        claims_with("aud", json_pack("[s,s]", "other", "more")), NULL),
	    JWT_BAD_AUDIENCE);
	ck_assert_int_eq(
	    hs_check(claims_with("aud", json_array()), NULL), JWT_BAD_AUDIENCE);
}
END_TEST

/* --- scope and clouds ----------------------------------------------------- */

START_TEST(test_missing_scope)
{
	ck_assert_int_eq(hs_check(claims_without("scope"), NULL), JWT_NO_SCOPE);
	ck_assert_int_eq(hs_check(claims_with("scope", json_string("")), NULL),
	    JWT_NO_SCOPE);
	ck_assert_int_eq(
	    hs_check(claims_with("scope", json_string("   ")), NULL),
	    JWT_NO_SCOPE);
	ck_assert_int_eq(hs_check(claims_with("scope", json_integer(1)), NULL),
	    JWT_MALFORMED);
}
END_TEST

START_TEST(test_scp_array)
{
	struct jwt_claims c;
	json_t *claims;

	claims = claims_without("scope");
	json_object_set_new(
	    claims, "scp", json_pack("[s,s,s]", "read:a", "", "write:b"));
	ck_assert_int_eq(hs_check(claims, &c), JWT_OK);
	ck_assert_str_eq(c.scope, "read:a write:b");

	claims = claims_without("scope");
	json_object_set_new(claims, "scp", json_string("read:a write:b"));
	ck_assert_int_eq(hs_check(claims, &c), JWT_OK);
	ck_assert_str_eq(c.scope, "read:a write:b");

	claims = claims_without("scope");
	json_object_set_new(claims, "scp", json_array());
	ck_assert_int_eq(hs_check(claims, NULL), JWT_NO_SCOPE);

	claims = claims_without("scope");
	json_object_set_new(claims, "scp", json_pack("[s,i]", "read:a", 5));
	ck_assert_int_eq(hs_check(claims, NULL), JWT_MALFORMED);

	/* "scope" wins over "scp". */
	claims = base_claims();
	json_object_set_new(claims, "scp", json_pack("[s]", "write:x"));
	ck_assert_int_eq(hs_check(claims, &c), JWT_OK);
	ck_assert_str_eq(c.scope, SCOPE);
}
END_TEST

START_TEST(test_cloud_ids)
{
	struct jwt_claims c;
	json_t *claims, *ids;
	char id[32];
	int i;

	ids = json_array();
	for (i = 0; i < JWT_MAX_CLOUDS; i++) {
		snprintf(id, sizeof(id), "cloud-%d", i);
		json_array_append_new(ids, json_string(id));
	}
	ck_assert_int_eq(hs_check(claims_with("cloud_ids", ids), &c), JWT_OK);
	ck_assert_uint_eq(c.nclouds, JWT_MAX_CLOUDS);
	ck_assert_str_eq(c.clouds[0], "cloud-0");
	ck_assert_str_eq(c.clouds[JWT_MAX_CLOUDS - 1], "cloud-15");

	claims = claims_without("cloud_ids");
	ck_assert_int_eq(hs_check(claims, &c), JWT_OK);
	ck_assert_uint_eq(c.nclouds, 0);

	ck_assert_int_eq(
	    hs_check(claims_with("cloud_ids", json_array()), &c), JWT_OK);
	ck_assert_uint_eq(c.nclouds, 0);

	ck_assert_int_eq(
	    hs_check(
	        claims_with("cloud_ids", json_pack("[s,i]", "a", 1)), NULL),
	    JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(
	        claims_with("cloud_ids", json_pack("[s,s]", "a", "")), NULL),
	    JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(claims_with("cloud_ids", json_string("a")), NULL),
	    JWT_MALFORMED);
}
END_TEST

START_TEST(test_single_cloud_id)
{
	struct jwt_claims c;
	json_t *claims;

	claims = claims_without("cloud_ids");
	json_object_set_new(claims, "cloud_id", json_string("cloud-z"));
	ck_assert_int_eq(hs_check(claims, &c), JWT_OK);
	ck_assert_uint_eq(c.nclouds, 1);
	ck_assert_str_eq(c.clouds[0], "cloud-z");

	/* Both forms at once are ambiguous. */
	ck_assert_int_eq(
	    hs_check(claims_with("cloud_id", json_string("cloud-z")), NULL),
	    JWT_MALFORMED);
	claims = claims_without("cloud_ids");
	json_object_set_new(claims, "cloud_id", json_pack("[s]", "cloud-z"));
	ck_assert_int_eq(hs_check(claims, NULL), JWT_MALFORMED);
}
END_TEST

START_TEST(test_too_many_clouds)
{
	json_t *ids;
	char id[32];
	int i;

	ids = json_array();
	for (i = 0; i < JWT_MAX_CLOUDS + 1; i++) {
		snprintf(id, sizeof(id), "cloud-%d", i);
		json_array_append_new(ids, json_string(id));
	}
	ck_assert_int_eq(
	    hs_check(claims_with("cloud_ids", ids), NULL), JWT_MALFORMED);
}
END_TEST

START_TEST(test_overlong_strings)
{
	struct claim_len {
		const char *key;
		size_t fits; /* longest accepted */
	} cases[] = {
		{ "sub", sizeof(((struct jwt_claims *)0)->subject) - 1 },
		{ "email", sizeof(((struct jwt_claims *)0)->subject) - 1 },
		{ "scope", sizeof(((struct jwt_claims *)0)->scope) - 1 },
		{ "cloud_id", sizeof(((struct jwt_claims *)0)->clouds[0]) - 1 },
	};
	struct jwt_claims c;
	json_t *claims;
	char *s;
	size_t i, extra;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (extra = 0; extra < 2; extra++) {
			s = repeat('x', cases[i].fits + extra);
			claims = claims_with(cases[i].key, json_string(s));
			if (strcmp(cases[i].key, "cloud_id") == 0)
				json_object_del(claims, "cloud_ids");
			ck_assert_msg(hs_check(claims, &c) ==
			        (extra ? JWT_MALFORMED : JWT_OK),
			    "%s length %zu", cases[i].key, strlen(s));
			if (!extra && strcmp(cases[i].key, "scope") == 0)
				ck_assert_str_eq(c.scope, s);
			free(s);
		}
	}
	/* The joined "scp" array is held to the same limit. */
	s = repeat('y', 1023);
	claims = claims_without("scope");
	json_object_set_new(claims, "scp", json_pack("[s,s]", s, s));
	ck_assert_int_eq(hs_check(claims, &c), JWT_OK);
	ck_assert_uint_eq(strlen(c.scope), 2047);
	claims = claims_without("scope");
	json_object_set_new(claims, "scp", json_pack("[s,s,s]", s, s, "z"));
	ck_assert_int_eq(hs_check(claims, NULL), JWT_MALFORMED);
	free(s);
}
END_TEST

START_TEST(test_control_characters)
{
	ck_assert_int_eq(
	    hs_check(claims_with("sub", json_string("a\nFAKE LOG LINE")), NULL),
	    JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(claims_with("cloud_ids", json_pack("[s]", "c\r")), NULL),
	    JWT_MALFORMED);
	ck_assert_int_eq(
	    hs_check(
	        claims_with("scope", json_string("read:a\twrite:b")), NULL),
	    JWT_MALFORMED);
}
END_TEST

/* --- shape and encoding --------------------------------------------------- */

START_TEST(test_non_base64url_chars)
{
	static const char bad[] = { '+', '/', ' ', '*', '\0', '\n', '%',
		(char)0xc3 };
	struct jwt_config cfg = hs_cfg();
	char *tok;
	size_t i, len, pos[3];

	tok = hs_token(base_claims());
	len = strlen(tok);
	pos[0] = 3; /* in the header */
	pos[1] = strchr(tok, '.') - tok + 5; /* in the payload */
	pos[2] = len - 5; /* in the signature */
	for (i = 0; i < sizeof(bad) * 3; i++) {
		char *copy = strdup(tok);

		copy[pos[i % 3]] = bad[i / 3];
		ck_assert_msg(verify_n(&cfg, copy, len, NULL) == JWT_MALFORMED,
		    "char 0x%02x at %zu", (unsigned char)bad[i / 3],
		    pos[i % 3]);
		free(copy);
	}
	free(tok);
}
END_TEST

START_TEST(test_padding)
{
	static const char hdr[] = "{\"alg\":\"HS256\",\"x\":12}";
	struct jwt_config cfg = hs_cfg();
	char *tok, *padded, *h, *p, *payload, *in;
	size_t pad;

	/* The 32-byte MAC would need one '=' in padded base64. */
	tok = hs_token(base_claims());
	ck_assert_int_ge(asprintf(&padded, "%s=", tok), 0);
	ck_assert_int_eq(verify(&cfg, padded, NULL), JWT_MALFORMED);
	free(padded);
	free(tok);

	/* A 22-byte header would need "=="; the MAC covers the padded text,
	 * so only the padding itself can be the reason for refusal. */
	ck_assert_uint_eq(strlen(hdr) % 3, 1);
	h = b64url(hdr, strlen(hdr));
	payload = dump(base_claims());
	p = b64url(payload, strlen(payload));
	ck_assert_int_ge(asprintf(&in, "%s==.%s", h, p), 0);
	tok = sign_hs(in, secret, sizeof(secret) - 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	free(in);

	/* Padding on the payload, likewise signed. */
	pad = (3 - strlen(payload) % 3) % 3;
	ck_assert_int_ge(
	    asprintf(&in, "%s.%s%s", h, p, pad == 2 ? "==" : "="), 0);
	tok = sign_hs(in, secret, sizeof(secret) - 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	free(in);
	free(payload);
	free(h);
	free(p);
}
END_TEST

START_TEST(test_noncanonical_base64)
{
	struct jwt_config cfg = hs_cfg();
	char *tok;
	size_t len;
	char last;

	/* 43 characters carry 258 bits: the last two must be zero. */
	tok = hs_token(base_claims());
	len = strlen(tok);
	last = tok[len - 1];
	/* Flipping the lowest bit of the character's code also sets one of
	 * the two low bits of its base64 value ('A' ^ 1 is outside it). */
	tok[len - 1] = last == 'A' ? 'B' : (char)(last ^ 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	/* A part of length 1 mod 4 cannot be base64 at all. */
	tok = mint_raw(HS_HEADER, "{}", "AAAAA");
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
}
END_TEST

START_TEST(test_structure)
{
	static const char *const bad[] = {
		"",
		"abc",
		"abc.def",
		"..",
		"a..c",
		".b.c",
		"a.b.",
		"a.b.c.d",
		"eyJhbGciOiJIUzI1NiJ9.e30.e30.e30",
		"...",
	};
	struct jwt_config cfg = hs_cfg();
	char *tok, *four;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(verify(&cfg, bad[i], NULL) == JWT_MALFORMED,
		    "token \"%s\"", bad[i]);
	/* A valid token with a fourth part appended. */
	tok = hs_token(base_claims());
	four = join(tok, "e30");
	ck_assert_int_eq(verify(&cfg, four, NULL), JWT_MALFORMED);
	free(four);
	free(tok);
}
END_TEST

/* New: a valid HS256 token padded with a filler claim to about len bytes. */
static char *
token_of_length(size_t want)
{
	char *filler, *tok = NULL;
	size_t n;

	for (n = want > 600 ? (want - 600) * 3 / 4 : 0; n < want; n++) {
		filler = repeat('f', n);
		tok = hs_token(claims_with("filler", json_string(filler)));
		free(filler);
		if (strlen(tok) >= want)
			return tok;
		free(tok);
	}
	ck_abort_msg("no token of length %zu", want);
	return NULL;
}

START_TEST(test_length_cap)
{
	struct jwt_config cfg = hs_cfg();
	char *tok;
	size_t len;

	tok = token_of_length(9000);
	ck_assert_uint_ge(strlen(tok), 9000);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);

	/* Exactly at the cap still verifies; one byte over does not. */
	tok = token_of_length(JWT_TOKEN_MAX);
	len = strlen(tok);
	ck_assert_uint_eq(len, JWT_TOKEN_MAX);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_OK);
	free(tok);
	tok = token_of_length(JWT_TOKEN_MAX + 1);
	ck_assert_uint_eq(strlen(tok), JWT_TOKEN_MAX + 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
}
END_TEST

START_TEST(test_token_len_respected)
{
	struct jwt_config cfg = hs_cfg();
	char *tok, *longer;
	size_t len;

	/* Bytes after token_len are neither read nor trusted. */
	tok = hs_token(base_claims());
	len = strlen(tok);
	ck_assert_int_ge(asprintf(&longer, "%s.garbage", tok), 0);
	ck_assert_int_eq(verify_n(&cfg, longer, len, NULL), JWT_OK);
	/* One byte short is a different (broken) signature. */
	ck_assert_int_ne(verify_n(&cfg, tok, len - 1, NULL), JWT_OK);
	free(longer);
	free(tok);
}
END_TEST

/* --- JSON ----------------------------------------------------------------- */

START_TEST(test_header_not_json)
{
	static const char *const headers[] = {
		"not json",
		"{\"alg\":\"HS256\"",
		"[\"HS256\"]",
		"\"HS256\"",
		"{\"alg\":\"HS256\"} trailing",
		"",
	};
	struct jwt_config cfg = hs_cfg();
	char *payload, *tok;
	size_t i;

	payload = dump(base_claims());
	for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		tok = mint_hs(headers[i], payload, secret, sizeof(secret) - 1);
		ck_assert_msg(verify(&cfg, tok, NULL) == JWT_MALFORMED,
		    "header %s", headers[i]);
		free(tok);
	}
	free(payload);
}
END_TEST

START_TEST(test_payload_not_object)
{
	static const char *const payloads[] = {
		"[1,2,3]",
		"[{\"exp\":1900000000}]",
		"\"x\"",
		"42",
		"not json",
		"{\"exp\":1900000000",
		"{} {}",
	};
	struct jwt_config cfg = hs_cfg();
	char *tok;
	size_t i;

	/* Correctly signed, so only the payload's shape can fail. */
	for (i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		tok =
		    mint_hs(HS_HEADER, payloads[i], secret, sizeof(secret) - 1);
		ck_assert_msg(verify(&cfg, tok, NULL) == JWT_MALFORMED,
		    "payload %s", payloads[i]);
		free(tok);
	}
}
END_TEST

START_TEST(test_duplicate_keys)
{
	struct jwt_config cfg = hs_cfg();
	char *payload, *dup, *tok;

	payload = dump(base_claims());
	tok = mint_hs("{\"alg\":\"HS256\",\"alg\":\"none\"}", payload, secret,
	    sizeof(secret) - 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	/* A second "scope" smuggled into a signed payload. */
	ck_assert_int_ge(asprintf(&dup, "%.*s,\"scope\":\"delete:x\"}",
	                     (int)strlen(payload) - 1, payload),
	    0);
	tok = mint_hs(HS_HEADER, dup, secret, sizeof(secret) - 1);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	free(dup);
	free(payload);
}
END_TEST

/* A token's lifetime: exp - iat, and exp - now, within the limit. */
START_TEST(test_lifetime_limit)
{
	static const struct {
		long long iat, exp; /* relative to NOW; iat 0 = none */
		int has_iat;
		enum jwt_status want;
	} cases[] = {
		{ 0, 86400, 1, JWT_OK }, /* exactly the limit */
		{ 0, 86401, 1, JWT_TOO_LONG_LIVED },
		{ -86000, 401, 1, JWT_TOO_LONG_LIVED }, /* issued long ago */
		{ -3600, 3600, 1, JWT_OK },
		{ 0, 86400 + 30, 0, JWT_OK }, /* no iat: exp - now, leeway */
		{ 0, 86400 + 31, 0, JWT_TOO_LONG_LIVED },
		{ 0, 400L * 86400, 0, JWT_TOO_LONG_LIVED },
		/* A late iat cannot stretch the token's life. */
		{ 300L * 86400, 300L * 86400 + 60, 1, JWT_TOO_LONG_LIVED },
		{ 0, LLONG_MAX / 2, 1, JWT_TOO_LONG_LIVED },
	};
	struct jwt_config cfg = hs_cfg();
	json_t *claims;
	char *tok;
	size_t i;

	cfg.max_lifetime_seconds = 86400;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		claims = base_claims();
		json_object_set_new(
		    claims, "exp", json_integer(NOW + cases[i].exp));
		if (cases[i].has_iat)
			json_object_set_new(
			    claims, "iat", json_integer(NOW + cases[i].iat));
		else
			json_object_del(claims, "iat");
		tok = hs_token(claims);
		ck_assert_msg(verify(&cfg, tok, NULL) == cases[i].want,
		    "case %zu: %s", i,
		    jwt_status_message(verify(&cfg, tok, NULL)));
		free(tok);
	}
	/* 0 = no limit, as before the setting existed. */
	cfg.max_lifetime_seconds = 0;
	claims = base_claims();
	json_object_set_new(claims, "exp", json_integer(NOW + 400L * 86400));
	tok = hs_token(claims);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_OK);
	free(tok);
	ck_assert_str_eq(
	    jwt_status_message(JWT_TOO_LONG_LIVED), "token lifetime too long");
}
END_TEST

/* iat is a NumericDate when present; extreme values never overflow. */
START_TEST(test_lifetime_iat_shapes)
{
	struct jwt_config cfg = hs_cfg();
	json_t *claims;
	char *tok;

	cfg.max_lifetime_seconds = 86400;
	claims = base_claims();
	json_object_set_new(claims, "iat", json_string("yesterday"));
	tok = hs_token(claims);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_MALFORMED);
	free(tok);
	claims = base_claims();
	json_object_set_new(claims, "iat", json_integer(LLONG_MIN));
	tok = hs_token(claims);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_TOO_LONG_LIVED);
	free(tok);
	claims = base_claims();
	json_object_set_new(claims, "iat", json_real((double)NOW - 0.5));
	tok = hs_token(claims);
	ck_assert_int_eq(verify(&cfg, tok, NULL), JWT_OK);
	free(tok);
}
END_TEST

START_TEST(test_typ_and_crit)
{
	static const struct {
		const char *header;
		enum jwt_status want;
	} cases[] = {
		{ "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"jwt\"}", JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"at+jwt\"}", JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"application/at+jwt\"}",
		    JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"Application/AT+JWT\"}",
		    JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"application/jwt\"}", JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"application/json\"}",
		    JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"typ\":\"application/\"}",
		    JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"typ\":\"text/at+jwt\"}",
		    JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"typ\":\"at+jwt \"}", JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"typ\":\"dpop+jwt\"}", JWT_MALFORMED },
		{ "{\"alg\":\"HS256\"}", JWT_OK },
		{ "{\"alg\":\"HS256\",\"kid\":\"k1\"}", JWT_OK },
		{ "{\"alg\":\"HS256\",\"typ\":\"JOSE\"}", JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"typ\":\"\"}", JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"typ\":1}", JWT_MALFORMED },
		{ "{\"alg\":\"HS256\",\"crit\":[\"exp\"],\"exp\":1}",
		    JWT_MALFORMED },
	};
	struct jwt_config cfg = hs_cfg();
	char *payload, *tok;
	size_t i;

	payload = dump(base_claims());
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tok = mint_hs(
		    cases[i].header, payload, secret, sizeof(secret) - 1);
		ck_assert_msg(verify(&cfg, tok, NULL) == cases[i].want,
		    "header %s", cases[i].header);
		free(tok);
	}
	free(payload);
}
END_TEST

/* --- API contract --------------------------------------------------------- */

START_TEST(test_out_untouched_on_failure)
{
	struct jwt_claims c, before;

	memset(&c, 0x5a, sizeof(c));
	memcpy(&before, &c, sizeof(c));
	/* Fails late, after the subject and scope were already looked at. */
	ck_assert_int_eq(
	    hs_check(claims_with("cloud_ids", json_pack("[s,i]", "a", 1)), &c),
	    JWT_MALFORMED);
	ck_assert_int_eq(memcmp(&c, &before, sizeof(c)), 0);
	ck_assert_int_eq(
	    hs_check(claims_with("exp", json_integer(1)), &c), JWT_EXPIRED);
	ck_assert_int_eq(memcmp(&c, &before, sizeof(c)), 0);
}
END_TEST

START_TEST(test_null_arguments)
{
	struct jwt_config cfg = hs_cfg();
	char *tok;

	tok = hs_token(base_claims());
	ck_assert_int_eq(
	    jwt_verify(NULL, tok, strlen(tok), NOW, NULL), JWT_MALFORMED);
	ck_assert_int_eq(jwt_verify(&cfg, NULL, 10, NOW, NULL), JWT_MALFORMED);
	ck_assert_int_eq(jwt_verify(&cfg, tok, strlen(tok), NOW, NULL), JWT_OK);
	free(tok);
}
END_TEST

START_TEST(test_status_messages)
{
	const char *m, *p;
	int i, j;

	ck_assert_str_eq(jwt_status_message(JWT_EXPIRED), "token expired");
	for (i = 0; i < JWT_STATUS__MAX; i++) {
		m = jwt_status_message((enum jwt_status)i);
		ck_assert_ptr_nonnull(m);
		ck_assert_uint_gt(strlen(m), 0);
		ck_assert_int_ne(m[strlen(m) - 1], '.');
		for (p = m; *p != '\0'; p++)
			ck_assert_msg(!(*p >= 'A' && *p <= 'Z'), "%s", m);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(
			    m, jwt_status_message((enum jwt_status)j));
	}
	ck_assert_ptr_nonnull(jwt_status_message(JWT_STATUS__MAX));
	ck_assert_ptr_nonnull(jwt_status_message((enum jwt_status) - 1));
}
END_TEST

START_TEST(test_load_public_key)
{
	char missing[] = "/tmp/statusd-jwt-none-XXXXXX";
	char garbage[] = "/tmp/statusd-jwt-junk-XXXXXX";
	char ecpath[] = "/tmp/statusd-jwt-ec-XXXXXX";
	char smallpath[] = "/tmp/statusd-jwt-1024-XXXXXX";
	char privpath[] = "/tmp/statusd-jwt-priv-XXXXXX";
	EVP_PKEY *ec, *small, *key;
	FILE *fp;
	int fd;

	key = jwt_load_rs256_public_key(pem_path);
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(EVP_PKEY_eq(key, rsa_priv), 1);
	EVP_PKEY_free(key);

	ck_assert_ptr_null(jwt_load_rs256_public_key(NULL));
	fd = mkstemp(missing);
	ck_assert_int_ge(fd, 0);
	close(fd);
	unlink(missing);
	ck_assert_ptr_null(jwt_load_rs256_public_key(missing));

	write_temp(garbage, "-----BEGIN PUBLIC KEY-----\nnope\n",
	    strlen("-----BEGIN PUBLIC KEY-----\nnope\n"));
	ck_assert_ptr_null(jwt_load_rs256_public_key(garbage));
	unlink(garbage);

	ec = EVP_EC_gen("P-256");
	ck_assert_ptr_nonnull(ec);
	write_pubkey(ecpath, ec);
	ck_assert_ptr_null(jwt_load_rs256_public_key(ecpath));
	unlink(ecpath);
	EVP_PKEY_free(ec);

	small = EVP_RSA_gen(1024);
	ck_assert_ptr_nonnull(small);
	write_pubkey(smallpath, small);
	ck_assert_ptr_null(jwt_load_rs256_public_key(smallpath));
	unlink(smallpath);
	EVP_PKEY_free(small);

	/* A private key file is not what the verifier should be given. */
	fd = mkstemp(privpath);
	ck_assert_int_ge(fd, 0);
	fp = fdopen(fd, "w");
	ck_assert_ptr_nonnull(fp);
	ck_assert_int_eq(
	    PEM_write_PrivateKey(fp, rsa_priv, NULL, NULL, 0, NULL, NULL), 1);
	fclose(fp);
	ck_assert_ptr_null(jwt_load_rs256_public_key(privpath));
	unlink(privpath);
	ERR_clear_error();
}
END_TEST

Suite *
jwt_suite(void)
{
	Suite *s;
	TCase *tc;

	s = suite_create("jwt");

	tc = tcase_create("valid");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_hs256_valid);
	tcase_add_test(tc, test_rs256_valid);
	tcase_add_test(tc, test_both_algs_configured);
	tcase_add_test(tc, test_email_preferred_over_sub);
	tcase_add_test(tc, test_subject_required);
	suite_add_tcase(s, tc);

	tc = tcase_create("alg");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_test(tc, test_alg_none_with_signature);
	tcase_add_test(tc, test_alg_none_without_signature);
	tcase_add_test(tc, test_key_confusion_hs256_with_rsa_pem);
	tcase_add_test(tc, test_alg_not_allowed);
	tcase_add_test(tc, test_alg_without_configured_key);
	tcase_add_test(tc, test_rs256_non_rsa_key);
	suite_add_tcase(s, tc);

	tc = tcase_create("signature");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_bad_signature_hs256);
	tcase_add_test(tc, test_bad_signature_rs256);
	tcase_add_test(tc, test_tampered_payload);
	tcase_add_test(tc, test_tampered_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("claims");
	tcase_add_test(tc, test_expired);
	tcase_add_test(tc, test_nbf_in_future);
	tcase_add_test(tc, test_leeway);
	tcase_add_test(tc, test_exp_forms);
	tcase_add_test(tc, test_issuer);
	tcase_add_test(tc, test_audience);
	tcase_add_test(tc, test_audience_array);
	tcase_add_test(tc, test_missing_scope);
	tcase_add_test(tc, test_scp_array);
	tcase_add_test(tc, test_cloud_ids);
	tcase_add_test(tc, test_single_cloud_id);
	tcase_add_test(tc, test_too_many_clouds);
	tcase_add_test(tc, test_overlong_strings);
	tcase_add_test(tc, test_control_characters);
	suite_add_tcase(s, tc);

	tc = tcase_create("shape");
	tcase_add_test(tc, test_non_base64url_chars);
	tcase_add_test(tc, test_padding);
	tcase_add_test(tc, test_noncanonical_base64);
	tcase_add_test(tc, test_structure);
	tcase_add_test(tc, test_length_cap);
	tcase_add_test(tc, test_token_len_respected);
	tcase_add_test(tc, test_header_not_json);
	tcase_add_test(tc, test_payload_not_object);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_typ_and_crit);
	tcase_add_test(tc, test_lifetime_limit);
	tcase_add_test(tc, test_lifetime_iat_shapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_out_untouched_on_failure);
	tcase_add_test(tc, test_null_arguments);
	tcase_add_test(tc, test_status_messages);
	tcase_add_test(tc, test_load_public_key);
	suite_add_tcase(s, tc);

	return s;
}
