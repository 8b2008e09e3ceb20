-- Subscribers: who is told about a page, an incident or a component, the
-- captchas already spent, and counters kept in the same transaction as the
-- rows so that stats, totals and page summaries never count rows. The
-- functions and the counting trigger are in db/sql/60_subscribers.sql.

CREATE TABLE subscribers (
	cloud_id text NOT NULL,
	id uuid NOT NULL,
	page_id uuid NOT NULL, -- the page the item belongs to
	item_type text NOT NULL CHECK (item_type IN ('PAGE_SUBSCRIBER',
		'INCIDENT_SUBSCRIBER', 'COMPONENT_SUBSCRIBER')),
	item_id uuid NOT NULL,
	subscription_type text NOT NULL CHECK (subscription_type IN ('EMAIL',
		'SMS', 'WEBHOOK', 'SLACK')),
	-- The address, number or URL, checked in C before it is stored.
	contact text NOT NULL CHECK (length(contact) BETWEEN 1 AND 2048),
	phone_country text,
	status text NOT NULL CHECK (status IN ('PENDING_CONFIRMATION',
		'SUBSCRIBED', 'UNSUBSCRIBED', 'SUSPENDED', 'DEACTIVATED',
		'QUARANTINED', 'UNVERIFIED')),
	skip_confirmation boolean NOT NULL DEFAULT false,
	-- Standard Webhooks signing secret (whsec_...), for the notifier;
	-- shown once, in the creating response.
	webhook_secret text,
	confirmed_at timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, id),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);
-- One subscription per item, kind and contact (emails without regard to
-- case; URLs and numbers as given).
CREATE UNIQUE INDEX subscribers_contact_key ON subscribers (cloud_id,
	item_id, item_type, subscription_type,
	(CASE WHEN subscription_type = 'EMAIL' THEN lower(contact)
		ELSE contact END));
-- Keyset lists in creation order: the cloud's, a page's, an item's.
CREATE INDEX subscribers_recent ON subscribers (cloud_id, created_at, id);
CREATE INDEX subscribers_page_recent ON subscribers
	(cloud_id, page_id, created_at, id);
CREATE INDEX subscribers_item_recent ON subscribers
	(cloud_id, item_id, created_at, id);

-- A captcha challenge admits one subscription: this row, written in the
-- subscriber's transaction, is what makes a second use (or a concurrent
-- one in another worker) fail. Rows past expires_at can go.
CREATE TABLE used_captchas (
	cloud_id text NOT NULL,
	challenge text NOT NULL CHECK (challenge ~ '^[0-9a-f]{64}$'),
	expires_at timestamptz NOT NULL,
	PRIMARY KEY (cloud_id, challenge)
);
CREATE INDEX used_captchas_expiry ON used_captchas (expires_at);

-- Subscribers per (page, item, status), and per cloud.
CREATE TABLE subscriber_counts (
	cloud_id text NOT NULL,
	page_id uuid NOT NULL,
	item_type text NOT NULL,
	item_id uuid NOT NULL,
	status text NOT NULL,
	n bigint NOT NULL CHECK (n >= 0),
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (cloud_id, page_id, item_type, item_id, status),
	FOREIGN KEY (cloud_id, page_id) REFERENCES pages (cloud_id, id)
		ON DELETE CASCADE
);
CREATE INDEX subscriber_counts_item ON subscriber_counts
	(cloud_id, item_id, item_type);

CREATE TABLE subscriber_cloud_totals (
	cloud_id text PRIMARY KEY,
	n bigint NOT NULL CHECK (n >= 0)
);
