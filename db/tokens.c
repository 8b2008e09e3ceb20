#include "tokens.h"

#include <stdlib.h>
#include <string.h>

#include "db_internal.h"

#define TOKEN_COLUMNS                                                          \
	"id, cloud_id, email, scopes, "                                        \
	"coalesce(extract(epoch FROM expires_at)::bigint, 0), "                \
	"revoked_at IS NOT NULL, trusted"

enum token_stmt {
	TOKEN_FIND,
	TOKEN_INSERT,
	TOKEN_LIST,
	TOKEN_REVOKE,
	TOKEN_ROTATE,
	TOKEN_STMT__MAX
};

static const struct db_stmt stmts[TOKEN_STMT__MAX] = {
	DB_STMT(TOKEN_FIND,
	    /* No created_at: formatting it costs more than the look-up. */
	    "SELECT " TOKEN_COLUMNS ", NULL"
	    " FROM api_tokens WHERE digest = $1::bytea"),
	DB_STMT(TOKEN_INSERT,
	    "INSERT INTO api_tokens (cloud_id, id, digest, email,"
	    " scopes, expires_at, trusted) VALUES ($1, $2::uuid, $3::bytea,"
	    " $4, $5, $6::timestamptz, $7::boolean)"),
	DB_STMT(TOKEN_LIST,
	    "SELECT " TOKEN_COLUMNS ", rfc3339(created_at) FROM api_tokens"
	    " WHERE $1::text IS NULL OR cloud_id = $1 ORDER BY cloud_id,"
	    " created_at"),
	DB_STMT(TOKEN_REVOKE,
	    "UPDATE api_tokens SET revoked_at = now()"
	    " WHERE id = $1::uuid AND revoked_at IS NULL"),
	DB_STMT(TOKEN_ROTATE,
	    "UPDATE api_tokens SET digest = $2::bytea"
	    " WHERE id = $1::uuid AND revoked_at IS NULL"),
};

const struct db_stmt_table db_token_stmts = DB_STMT_TABLE(stmts);

/* bytea in text format: "\x" followed by hex. */
static void
digest_param(
    const unsigned char digest[SHA256_LEN], char out[2 + 2 * SHA256_LEN + 1])
{
	out[0] = '\\';
	out[1] = 'x';
	crypto_hex_encode(digest, SHA256_LEN, out + 2);
}

static void
read_row(const PGresult *r, int i, struct token_row *out)
{
	out->id = db_value(r, i, 0);
	out->cloud_id = db_value(r, i, 1);
	out->email = db_value(r, i, 2);
	out->scopes = db_value(r, i, 3);
	out->expires_at = strtoll(db_value(r, i, 4), NULL, 10);
	out->revoked = strcmp(db_value(r, i, 5), "t") == 0;
	out->trusted = strcmp(db_value(r, i, 6), "t") == 0;
	out->created_at = db_value(r, i, 7);
}

enum sd_status
db_token_find(struct arena *a, const unsigned char digest[SHA256_LEN],
    struct token_row *out, struct sd_error *err)
{
	char hex[2 + 2 * SHA256_LEN + 1];
	const char *params[1] = { hex };
	PGresult *r;

	digest_param(digest, hex);
	r = db_exec(a, &stmts[TOKEN_FIND], 1, params, err);
	if (r == NULL)
		return err->status;
	if (PQntuples(r) != 1)
		return SD_NOT_FOUND;
	read_row(r, 0, out);
	return SD_OK;
}

enum sd_status
db_token_insert(struct arena *a, const char *cloud_id, const char *id,
    const unsigned char digest[SHA256_LEN], const char *email,
    const char *scopes, const char *expires_at, int trusted,
    struct sd_error *err)
{
	char hex[2 + 2 * SHA256_LEN + 1];
	const char *params[7] = { cloud_id, id, hex, email, scopes, expires_at,
		trusted ? "true" : "false" };

	digest_param(digest, hex);
	return db_exec(a, &stmts[TOKEN_INSERT], 7, params, err) ? SD_OK
	                                                        : err->status;
}

enum sd_status
db_token_list(struct arena *a, const char *cloud_id,
    void (*fn)(const struct token_row *row, void *ctx), void *ctx,
    struct sd_error *err)
{
	const char *params[1] = { cloud_id };
	struct token_row row;
	PGresult *r;
	int i;

	r = db_exec(a, &stmts[TOKEN_LIST], 1, params, err);
	if (r == NULL)
		return err->status;
	for (i = 0; i < PQntuples(r); i++) {
		read_row(r, i, &row);
		fn(&row, ctx);
	}
	return SD_OK;
}

enum sd_status
db_token_revoke(struct arena *a, const char *id, struct sd_error *err)
{
	const char *params[1] = { id };
	PGresult *r;

	r = db_exec(a, &stmts[TOKEN_REVOKE], 1, params, err);
	if (r == NULL)
		return err->status;
	return strcmp(PQcmdTuples(r), "1") == 0 ? SD_OK : SD_NOT_FOUND;
}

enum sd_status
db_token_rotate(struct arena *a, const char *id,
    const unsigned char digest[SHA256_LEN], struct sd_error *err)
{
	char hex[2 + 2 * SHA256_LEN + 1];
	const char *params[2] = { id, hex };
	PGresult *r;

	digest_param(digest, hex);
	r = db_exec(a, &stmts[TOKEN_ROTATE], 2, params, err);
	if (r == NULL)
		return err->status;
	return strcmp(PQcmdTuples(r), "1") == 0 ? SD_OK : SD_NOT_FOUND;
}
