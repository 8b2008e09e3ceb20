/*
 * Directory-driven page body cases (tests/unit/cases/page_body/, see the
 * README there): each case runs the path a page handler takes, parse
 * (handler_body_object) then validate (page_validate_body), and compares the
 * HTTP status and the error detail with the case's expected file. Paths are
 * relative to the repository root, where the tests run.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "handlers/common.h"
#include "handlers/pages.h"
#include "suites.h"

#define CASES_DIR "tests/unit/cases/page_body"
#define MAX_CASES 512

static char *case_names[MAX_CASES];
static int ncases;
static int scan_errno;

/* New (malloc): the whole file, NUL-terminated; *len excludes the NUL. */
static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

START_TEST(test_case)
{
	const char *name = case_names[_i];
	char path[512], *input, *expected, *want, *nl;
	struct arena *arena;
	struct request req;
	struct sd_error err;
	const json_t *page;
	json_t *body;
	size_t input_len, expected_len;
	enum sd_status st;
	int want_status;

	snprintf(path, sizeof(path), CASES_DIR "/%s/input", name);
	input = slurp(path, &input_len);
	ck_assert_msg(input != NULL, "%s: cannot read input", name);
	snprintf(path, sizeof(path), CASES_DIR "/%s/expected", name);
	expected = slurp(path, &expected_len);
	ck_assert_msg(expected != NULL, "%s: cannot read expected", name);

	/* Line 1: status; line 2 (optional): detail substring. */
	want_status = atoi(expected);
	ck_assert_msg(want_status >= 200 && want_status <= 599,
	    "%s: bad expected file", name);
	want = strchr(expected, '\n');
	want = want ? want + 1 : expected + expected_len;
	if ((nl = strchr(want, '\n')) != NULL)
		*nl = '\0';

	arena = arena_new(4096);
	ck_assert_ptr_nonnull(arena);
	memset(&req, 0, sizeof(req));
	req.arena = arena;
	req.body = input;
	req.body_len = input_len;
	sd_error_clear(&err);
	page = NULL;
	st = handler_body_object(&req, &body, &err);
	if (st == SD_OK)
		st = page_validate_body(body,
		    strncmp(name, "update-", 7) == 0 ? VALIDATE_UPDATE
		                                     : VALIDATE_CREATE,
		    &page, &err);

	ck_assert_msg(sd_status_http(st) == want_status,
	    "%s: status %d, expected %d (%s: %s)", name, sd_status_http(st),
	    want_status, err.message, err.detail);
	if (st == SD_OK) {
		ck_assert_msg(json_is_object(page), "%s: no page", name);
		ck_assert_msg(*want == '\0', "%s: accepted, but expected '%s'",
		    name, want);
	} else {
		ck_assert_msg(*want != '\0', "%s: no detail in expected", name);
		ck_assert_msg(strstr(err.detail, want) != NULL ||
		        strstr(err.message, want) != NULL,
		    "%s: got '%s' / '%s', expected '%s'", name, err.message,
		    err.detail, want);
		/* Errors are lower case without a final period. */
		ck_assert_msg(err.message[strlen(err.message) - 1] != '.',
		    "%s: message ends in a period", name);
	}
	/* The parsed body is released with the arena. */
	arena_free(arena);
	free(input);
	free(expected);
}
END_TEST

START_TEST(test_cases_found)
{
	ck_assert_msg(scan_errno == 0, "%s: %s (run from the repository root)",
	    CASES_DIR, strerror(scan_errno));
	ck_assert_int_ge(ncases, 25);
}
END_TEST

static int
is_case_dir(const struct dirent *d)
{
	char path[512];
	struct stat sb;

	if (d->d_name[0] == '.')
		return 0;
	snprintf(path, sizeof(path), CASES_DIR "/%s", d->d_name);
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void
scan_cases(void)
{
	struct dirent **list;
	int n, i;

	if (ncases > 0)
		return;
	n = scandir(CASES_DIR, &list, is_case_dir, alphasort);
	if (n < 0) {
		scan_errno = errno;
		return;
	}
	for (i = 0; i < n; i++) {
		if (ncases < MAX_CASES)
			case_names[ncases++] = strdup(list[i]->d_name);
		free(list[i]);
	}
	free(list);
}

Suite *
cases_suite(void)
{
	Suite *s = suite_create("cases");
	TCase *tc = tcase_create("page_body");

	scan_cases();
	tcase_add_test(tc, test_cases_found);
	if (ncases > 0)
		tcase_add_loop_test(tc, test_case, 0, ncases);
	suite_add_tcase(s, tc);
	return s;
}
