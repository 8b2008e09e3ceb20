-- A custom domain points at one page: unique across every cloud, like
-- subdomains, and freed when the page is permanently deleted.
CREATE UNIQUE INDEX pages_domain_key ON pages (lower(attrs ->> 'domain'))
	WHERE archived_at IS NULL AND attrs ? 'domain';
