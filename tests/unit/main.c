/*
 * The unit test runner: every suite of suites.h in one SRunner. Run from the
 * repository root (the bad-input cases are read from tests/unit/cases/).
 * Check's own environment applies: CK_FORK, CK_RUN_SUITE, CK_RUN_CASE,
 * CK_INCLUDE_TAGS, CK_EXCLUDE_TAGS (e.g. CK_EXCLUDE_TAGS=bug).
 */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int
main(void)
{
	SRunner *sr;
	int failed;

	sr = srunner_create(arena_suite());
	srunner_add_suite(sr, core_suite());
	srunner_add_suite(sr, parse_suite());
	srunner_add_suite(sr, router_suite());
	srunner_add_suite(sr, validate_suite());
	srunner_add_suite(sr, cases_suite());
	srunner_add_suite(sr, response_suite());
	srunner_add_suite(sr, jwt_suite());
	srunner_add_suite(sr, cursor_suite());
	srunner_add_suite(sr, input_suite());
	srunner_add_suite(sr, db_suite());
	srunner_add_suite(sr, metrics_suite());
	srunner_add_suite(sr, captcha_suite());
	srunner_add_suite(sr, subtoken_suite());
	srunner_add_suite(sr, contact_suite());
	srunner_add_suite(sr, webhook_sign_suite());
	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, mailmsg_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
