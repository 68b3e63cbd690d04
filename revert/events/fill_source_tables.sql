-- Revert platform:events/fill_source_tables from pg
-- Back to the v1.0.0 body (a lateral call of the extractor per row), with the search_path
-- base/pin_search_path gave it.

begin;

set local lock_timeout = '5s';

drop function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]);
create function events.fill_source_tables(
  p_organization_ids uuid[],
  p_event_ids        uuid[],
  p_received_ats     timestamptz[],
  p_sources          text[],
  p_event_types      text[],
  p_payloads         jsonb[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
-- Parallel arrays, one element per stored event; events of other sources are skipped.
begin
  if greatest(cardinality(p_organization_ids), cardinality(p_event_ids), cardinality(p_received_ats),
              cardinality(p_sources), cardinality(p_event_types), cardinality(p_payloads)) > 10000 then
    raise exception 'fill_source_tables takes at most 10000 events at a time (a batch of ingest_events)'
      using errcode = '22023';
  end if;
  if 'github' = any (p_sources) then
    insert into events.github_events
      (organization_id, event_id, received_at, event_type, repository_full_name, action, sender_login, ref, number, commit_sha)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           f.repository_full_name, f.action, f.sender_login, f.ref, f.number, f.commit_sha
      from unnest(p_organization_ids, p_event_ids, p_received_ats, p_sources, p_event_types, p_payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     cross join lateral events.github_fields(u.payload) as f
     where u.source = 'github';
  end if;
  if 'linear' = any (p_sources) then
    insert into events.linear_events
      (organization_id, event_id, received_at, event_type, action, entity_type, entity_id, issue_identifier, team_key,
       state_name, priority)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           f.action, f.entity_type, f.entity_id, f.issue_identifier, f.team_key, f.state_name, f.priority
      from unnest(p_organization_ids, p_event_ids, p_received_ats, p_sources, p_event_types, p_payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     cross join lateral events.linear_fields(u.payload) as f
     where u.source = 'linear';
  end if;
  if 'slack' = any (p_sources) then
    insert into events.slack_events
      (organization_id, event_id, received_at, event_type, team_id, channel_id, user_id, message_ts, thread_ts)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           f.team_id, f.channel_id, f.user_id, f.message_ts, f.thread_ts
      from unnest(p_organization_ids, p_event_ids, p_received_ats, p_sources, p_event_types, p_payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     cross join lateral events.slack_fields(u.payload) as f
     where u.source = 'slack';
  end if;
  if 'deployment' = any (p_sources) then
    insert into events.deployment_events
      (organization_id, event_id, received_at, event_type, environment, service, version, status, commit_sha,
       duration_seconds)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           f.environment, f.service, f.version, f.status, f.commit_sha, f.duration_seconds
      from unnest(p_organization_ids, p_event_ids, p_received_ats, p_sources, p_event_types, p_payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     cross join lateral events.deployment_fields(u.payload, u.event_type) as f
     where u.source = 'deployment';
  end if;
end
$$;
comment on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) is
  'Inserts the source-table rows (github_events, linear_events, slack_events, deployment_events) of stored events given as parallel arrays, one set-based INSERT per source present. Called by ingest_events.';
revoke execute on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) from public;
grant execute on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) to service_role;


commit;
