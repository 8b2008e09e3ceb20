/*
 * Every Check suite of the unit runner (tests/unit/main.c). Each suite is a
 * function returning a new Suite; the runner adds them all.
 */
#ifndef STATUSD_TESTS_SUITES_H
#define STATUSD_TESTS_SUITES_H

#include <check.h>

Suite *arena_suite(void);
Suite *core_suite(void);
Suite *parse_suite(void);
Suite *router_suite(void);
Suite *validate_suite(void);
Suite *cases_suite(void);
Suite *response_suite(void);
Suite *jwt_suite(void);
Suite *cursor_suite(void);
Suite *input_suite(void);
Suite *db_suite(void);
Suite *metrics_suite(void);
Suite *captcha_suite(void);
Suite *subtoken_suite(void);
Suite *contact_suite(void);
Suite *webhook_sign_suite(void);
Suite *log_suite(void);
Suite *mailmsg_suite(void);

/*
 * Tests that demonstrate a defect still present in the code under test carry
 * this tag, so `CK_EXCLUDE_TAGS=bug make test-unit` runs only the rest.
 */
#define TAG_BUG "bug"

#endif
