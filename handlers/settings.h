/* What handlers need from the configuration, set once per process. */
#ifndef STATUSD_HANDLER_SETTINGS_H
#define STATUSD_HANDLER_SETTINGS_H

#include "config.h"
#include "cursor.h"

struct handler_settings {
	int archive_retention_days;
	int summary_v1_max_pages; /* GET /pages/summary lists at most this */
	struct cursor_key cursor_key;
	struct subscriber_keys subscriber_keys;
	long subscriber_quota; /* per cloud; 0: no limit */
};

/* Borrowed; must outlive the workers. */
void handlers_configure(const struct handler_settings *s);
const struct handler_settings *handlers_settings(void);

#endif
