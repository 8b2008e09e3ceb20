-- Unset optional fields are left out of every response instead of being
-- sent as null: the official schemas type them as strings (deletedAt,
-- customDomainConfig.certificateExpiresAt, serviceId, ...), so a strict
-- validator or a generated client refuses a null. The documents are
-- rendered here, once, so the hot page read stays one select of stored
-- text; jsonb_strip_nulls and json_strip_nulls drop null members at every
-- depth (array items are kept).

CREATE OR REPLACE FUNCTION page_custom_domain_config(domain text,
	subdomain text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(CASE WHEN domain IS NULL THEN
		jsonb_build_object('sslStatus', 'NOT_CONFIGURED',
			'recordTypes', '[]'::jsonb)
	ELSE
		jsonb_build_object('domain', domain, 'sslStatus', 'PENDING',
			'recordTypes', jsonb_build_array(jsonb_build_object(
				'name', 'CNAME',
				'description', 'Point the custom domain at the status page',
				'records', jsonb_build_array(jsonb_build_object(
					'id', 'cname', 'purpose', 'ROUTING',
					'type', 'CNAME', 'name', domain,
					'value', subdomain || '.' || page_public_domain(),
					'status', 'PENDING')))))
	END)
$$;

CREATE OR REPLACE FUNCTION page_render_version(p pages, v_name text,
	v_subdomain text, v_page_type text, v_attrs jsonb, v_components jsonb)
RETURNS text LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('page',
		jsonb_merge_deep(page_attr_defaults(), v_attrs) ||
		jsonb_build_object(
			'id', p.id, 'name', v_name, 'subdomain', v_subdomain,
			'version', p.version,
			'url', 'https://' || coalesce(v_attrs ->> 'domain',
				v_subdomain || '.' || page_public_domain()),
			'cloudId', p.cloud_id,
			'pageType', v_page_type, 'pageStatus', p.page_status,
			'createdBy', p.created_by,
			'createdAt', rfc3339(p.created_at),
			'updatedAt', rfc3339(p.updated_at),
			'deletedAt', rfc3339(p.deleted_at),
			'unpublishedAt', rfc3339(p.unpublished_at),
			'components', v_components,
			'activityScore', 0, 'blackHole', false,
			'externalAccounts', '[]'::jsonb,
			'customDomainConfig', page_custom_domain_config(
				v_attrs ->> 'domain', v_subdomain))))::text
$$;

CREATE OR REPLACE FUNCTION page_summary_item(p pages, component_count integer)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object(
		'id', p.id, 'name', p.name,
		'domain', p.subdomain || '.' || page_public_domain(),
		'customDomain', p.attrs ->> 'domain',
		'componentCount', component_count,
		'stakeholderCount', page_subscriber_count(p),
		'isDraft', page_is_draft(p.page_status),
		'status', p.page_status, 'pageType', p.page_type,
		'customDomainConfig', page_custom_domain_config(
			p.attrs ->> 'domain', p.subdomain)))
$$;

CREATE OR REPLACE FUNCTION component_json(c component_drafts, children jsonb)
RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT jsonb_strip_nulls(jsonb_build_object('id', c.id, 'name', c.name,
		'pageId', c.page_id, 'serviceId', c.service_id,
		'status', c.status, 'type', c.type,
		'description', c.description, 'position', c.position,
		'components', coalesce(children, '[]'::jsonb)))
$$;

CREATE OR REPLACE FUNCTION incident_update_json(u incident_updates)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('incidentId', u.incident_id,
		'status', u.status, 'body', u.body,
		'createdAt', rfc3339(u.created_at),
		'updatedAt', rfc3339(u.updated_at),
		'hidden', u.hidden, 'oldStatus', u.old_status,
		'affectedComponents', u.affected_components,
		'shouldSendNotifications', u.should_send_notifications))
$$;

CREATE OR REPLACE FUNCTION incident_node(i incidents, page_url text)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('incident', json_build_object(
		'id', i.id, 'name', i.name, 'pageId', i.page_id,
		'status', i.status, 'impact', i.impact,
		'createdAt', rfc3339(i.created_at),
		'updatedAt', rfc3339(i.updated_at),
		'startedAt', rfc3339(i.started_at),
		'monitoringAt', rfc3339(i.monitoring_at),
		'autoInProgress', false,
		'autoCompleted', false, 'reminderIntervals', '[]'::json,
		'components', (SELECT coalesce(json_agg(json_build_object(
				'componentId', c.component_id, 'status', c.status)
				ORDER BY c.first_seq, c.first_pos), '[]'::json)
			FROM incident_components c WHERE c.cloud_id = i.cloud_id
			AND c.incident_id = i.id),
		'templateId', i.template_id,
		'externalIncidentId', i.external_id,
		'externalIncidentSource', i.external_source,
		'shortlink', page_url || '/incidents/' || i.code,
		'incidentCode', i.code,
		'resolvedAt', rfc3339(i.resolved_at)),
		'incidentUpdates', (SELECT coalesce(json_agg(
				incident_update_json(u) ORDER BY u.seq DESC),
				'[]'::json)
			FROM incident_updates u WHERE u.cloud_id = i.cloud_id
			AND u.incident_id = i.id)))
$$;

CREATE OR REPLACE FUNCTION incident_template_json(t incident_templates)
RETURNS json LANGUAGE sql STABLE AS $$
	SELECT json_strip_nulls(json_build_object('id', t.id,
		'pageId', t.page_id, 'name', t.name, 'body', t.body,
		'title', t.title, 'groupId', t.group_id,
		'updateStatus', t.update_status, 'shouldTweet', t.should_tweet,
		'shouldSendNotifications', t.should_send_notifications,
		'createAt', rfc3339(t.created_at),
		'updatedAt', rfc3339(t.updated_at)))
$$;

-- Stored page documents were rendered with nulls: render them again (the
-- trigger renders doc on every update).
UPDATE pages SET doc = page_render(pages);
