-- Deploy platform:events/fill_source_tables to pg
-- The batch path's source-table rows (github_events, linear_events, slack_events,
-- deployment_events): one set-based INSERT per source present.
-- Reworked after v1.0.0: every function pins its search_path (base/pin_search_path), so the planner
-- no longer inlines the per-source extractors (events.github_fields and the others); called once
-- per row they cost ingest_events a quarter of its throughput. fill_source_tables now writes the
-- same expressions out. The extractors stay the public definition of the fields (ingest_event's
-- single-row path uses them); tests/pgtap/events/02_ingest.sql checks on every source that both
-- give the same row.

--
-- Bare parameter names (the exposed schemas' rule, docs/conventions.md): PostgreSQL renames a
-- parameter only by DROP FUNCTION and CREATE FUNCTION, in this transaction.
-- squawk-ignore-file ban-drop-function
begin;

set local lock_timeout = '5s';

drop function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]);
create function events.fill_source_tables(
  organization_ids   uuid[],
  event_ids          uuid[],
  received_ats       timestamptz[],
  sources            text[],
  event_types        text[],
  payloads           jsonb[])
returns void
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
-- Parallel arrays, one element per stored event; events of other sources are skipped. Each
-- source's field expressions are those of its extractor (events.github_fields and the others).
begin
  if greatest(cardinality(fill_source_tables.organization_ids), cardinality(fill_source_tables.event_ids), cardinality(fill_source_tables.received_ats),
              cardinality(fill_source_tables.sources), cardinality(fill_source_tables.event_types), cardinality(fill_source_tables.payloads)) > 10000 then
    raise exception 'fill_source_tables takes at most 10000 events at a time (a batch of ingest_events)'
      using errcode = '22023';
  end if;
  -- The extractors' own bound: no payload over 1 MiB (22023).
  perform base.refuse_oversized('payloads', pg_column_size(p.p), 1048576)
     from unnest(fill_source_tables.payloads) as p(p)
    where pg_column_size(p.p) > 1048576;
  if 'github' = any (fill_source_tables.sources) then
    insert into events.github_events
      (organization_id, event_id, received_at, event_type, repository_full_name, action, sender_login, ref, number, commit_sha)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           left(u.payload -> 'repository' ->> 'full_name', 200),
           left(u.payload ->> 'action', 100),
           left(u.payload -> 'sender' ->> 'login', 100),
           left(coalesce(u.payload ->> 'ref', u.payload -> 'pull_request' -> 'head' ->> 'ref',
                         u.payload -> 'workflow_run' ->> 'head_branch'), 500),
           case when jsonb_typeof(n.number) = 'number'
                then case when n.number::numeric between 0 and 2147483647 then n.number::numeric::integer end
           end,
           left(coalesce(u.payload ->> 'after', u.payload -> 'pull_request' -> 'head' ->> 'sha',
                         u.payload -> 'workflow_run' ->> 'head_sha'), 64)
      from unnest(fill_source_tables.organization_ids, fill_source_tables.event_ids, fill_source_tables.received_ats, fill_source_tables.sources, fill_source_tables.event_types, fill_source_tables.payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     cross join lateral (select coalesce(u.payload -> 'pull_request' -> 'number', u.payload -> 'issue' -> 'number',
                                         u.payload -> 'number') as number) as n
     where u.source = 'github';
  end if;
  if 'linear' = any (fill_source_tables.sources) then
    insert into events.linear_events
      (organization_id, event_id, received_at, event_type, action, entity_type, entity_id, issue_identifier, team_key,
       state_name, priority)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           left(u.payload ->> 'action', 100),
           left(u.payload ->> 'type', 100),
           left(u.payload -> 'data' ->> 'id', 100),
           left(coalesce(u.payload -> 'data' ->> 'identifier', u.payload -> 'data' -> 'issue' ->> 'identifier'), 100),
           left(u.payload -> 'data' -> 'team' ->> 'key', 100),
           left(u.payload -> 'data' -> 'state' ->> 'name', 200),
           case when jsonb_typeof(u.payload -> 'data' -> 'priority') = 'number'
                then case when (u.payload -> 'data' -> 'priority')::numeric between 0 and 100
                          then (u.payload -> 'data' -> 'priority')::numeric::integer end
           end
      from unnest(fill_source_tables.organization_ids, fill_source_tables.event_ids, fill_source_tables.received_ats, fill_source_tables.sources, fill_source_tables.event_types, fill_source_tables.payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     where u.source = 'linear';
  end if;
  if 'slack' = any (fill_source_tables.sources) then
    insert into events.slack_events
      (organization_id, event_id, received_at, event_type, team_id, channel_id, user_id, message_ts, thread_ts)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           left(u.payload ->> 'team_id', 50),
           left(coalesce(u.payload -> 'event' ->> 'channel', u.payload -> 'event' -> 'item' ->> 'channel'), 50),
           left(u.payload -> 'event' ->> 'user', 50),
           left(coalesce(u.payload -> 'event' ->> 'ts', u.payload -> 'event' -> 'item' ->> 'ts'), 50),
           left(u.payload -> 'event' ->> 'thread_ts', 50)
      from unnest(fill_source_tables.organization_ids, fill_source_tables.event_ids, fill_source_tables.received_ats, fill_source_tables.sources, fill_source_tables.event_types, fill_source_tables.payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     where u.source = 'slack';
  end if;
  if 'deployment' = any (fill_source_tables.sources) then
    insert into events.deployment_events
      (organization_id, event_id, received_at, event_type, environment, service, version, status, commit_sha,
       duration_seconds)
    select u.organization_id, u.event_id, u.received_at, u.event_type,
           left(u.payload ->> 'environment', 100),
           left(u.payload ->> 'service', 200),
           left(u.payload ->> 'version', 200),
           left(coalesce(u.payload ->> 'status', u.event_type), 50),
           left(u.payload ->> 'commit_sha', 64),
           case when jsonb_typeof(u.payload -> 'duration_seconds') = 'number'
                then case when (u.payload -> 'duration_seconds')::numeric >= 0 and (u.payload -> 'duration_seconds')::numeric < 1e9
                          then round((u.payload -> 'duration_seconds')::numeric, 3) end
           end
      from unnest(fill_source_tables.organization_ids, fill_source_tables.event_ids, fill_source_tables.received_ats, fill_source_tables.sources, fill_source_tables.event_types, fill_source_tables.payloads)
             as u(organization_id, event_id, received_at, source, event_type, payload)
     where u.source = 'deployment';
  end if;
end
$$;
comment on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) is
  'Inserts the source-table rows (github_events, linear_events, slack_events, deployment_events) of stored events given as parallel arrays, one set-based INSERT per source present. Called by ingest_events.';
revoke execute on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) from public;
grant execute on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) to service_role;

commit;
