-- Deploy platform:events/fill_source_tables to pg
-- The typed source tables are filled from the payload at ingest. The payload paths of each
-- source are written once, as an immutable SQL function per source (events.github_fields,
-- linear_fields, slack_fields, deployment_fields) that the planner inlines into the INSERT, and
-- events.fill_source_tables() inserts the rows of many events set-based (ingest_events).
-- ingest_event writes its one row with a plain INSERT over the same function, and a bulk loader
-- (bench/data/05_events.sql) uses them too.
-- Why not an AFTER INSERT trigger on events: a row trigger costs one more statement per event
-- (about as much as the event's own INSERT), a statement trigger adds transition-table capture
-- to every insert; filling explicitly costs one INSERT per source present.
-- Casts never fail: text is cut to the column's limit, a number is taken only when it is a JSON
-- number in range; anything else becomes NULL. The payload was already validated against its
-- type's required keys.

begin;

create function events.github_fields(payload jsonb)
returns table (repository_full_name text, action text, sender_login text, ref text, number integer, commit_sha text)
language sql
immutable
parallel safe
as $$
  select left(payload -> 'repository' ->> 'full_name', 200),
         left(payload ->> 'action', 100),
         left(payload -> 'sender' ->> 'login', 100),
         left(coalesce(payload ->> 'ref', payload -> 'pull_request' -> 'head' ->> 'ref',
                       payload -> 'workflow_run' ->> 'head_branch'), 500),
         case when jsonb_typeof(coalesce(payload -> 'pull_request' -> 'number', payload -> 'issue' -> 'number', payload -> 'number')) = 'number'
              then case when (coalesce(payload -> 'pull_request' -> 'number', payload -> 'issue' -> 'number', payload -> 'number'))::numeric
                             between 0 and 2147483647
                        then (coalesce(payload -> 'pull_request' -> 'number', payload -> 'issue' -> 'number', payload -> 'number'))::numeric::integer
                   end
         end,
         left(coalesce(payload ->> 'after', payload -> 'pull_request' -> 'head' ->> 'sha',
                       payload -> 'workflow_run' ->> 'head_sha'), 64)
   where (coalesce(pg_column_size(payload), 0) <= 1048576 or base.refuse_oversized('payload', pg_column_size(payload), 1048576))
$$;
comment on function events.github_fields(jsonb) is
  'Typed fields of a GitHub webhook payload: repository.full_name, action, sender.login, ref (or the pull request''s head ref), the pull request or issue number, the commit (after, or the head sha).';

create function events.linear_fields(payload jsonb)
returns table (action text, entity_type text, entity_id text, issue_identifier text, team_key text, state_name text, priority integer)
language sql
immutable
parallel safe
as $$
  select left(payload ->> 'action', 100),
         left(payload ->> 'type', 100),
         left(payload -> 'data' ->> 'id', 100),
         left(coalesce(payload -> 'data' ->> 'identifier', payload -> 'data' -> 'issue' ->> 'identifier'), 100),
         left(payload -> 'data' -> 'team' ->> 'key', 100),
         left(payload -> 'data' -> 'state' ->> 'name', 200),
         case when jsonb_typeof(payload -> 'data' -> 'priority') = 'number'
              then case when (payload -> 'data' -> 'priority')::numeric between 0 and 100
                        then (payload -> 'data' -> 'priority')::numeric::integer end
         end
   where (coalesce(pg_column_size(payload), 0) <= 1048576 or base.refuse_oversized('payload', pg_column_size(payload), 1048576))
$$;
comment on function events.linear_fields(jsonb) is
  'Typed fields of a Linear webhook payload: action, type, data.id, data.identifier (or the commented issue''s), data.team.key, data.state.name, data.priority.';

create function events.slack_fields(payload jsonb)
returns table (team_id text, channel_id text, user_id text, message_ts text, thread_ts text)
language sql
immutable
parallel safe
as $$
  select left(payload ->> 'team_id', 50),
         left(coalesce(payload -> 'event' ->> 'channel', payload -> 'event' -> 'item' ->> 'channel'), 50),
         left(payload -> 'event' ->> 'user', 50),
         left(coalesce(payload -> 'event' ->> 'ts', payload -> 'event' -> 'item' ->> 'ts'), 50),
         left(payload -> 'event' ->> 'thread_ts', 50)
   where (coalesce(pg_column_size(payload), 0) <= 1048576 or base.refuse_oversized('payload', pg_column_size(payload), 1048576))
$$;
comment on function events.slack_fields(jsonb) is
  'Typed fields of a Slack Events API payload: team_id, event.channel (or event.item.channel), event.user, event.ts (or event.item.ts), event.thread_ts.';

create function events.deployment_fields(payload jsonb, event_type text)
returns table (environment text, service text, version text, status text, commit_sha text, duration_seconds numeric)
language sql
immutable
parallel safe
as $$
  select left(payload ->> 'environment', 100),
         left(payload ->> 'service', 200),
         left(payload ->> 'version', 200),
         left(coalesce(payload ->> 'status', event_type), 50),
         left(payload ->> 'commit_sha', 64),
         case when jsonb_typeof(payload -> 'duration_seconds') = 'number'
              then case when (payload -> 'duration_seconds')::numeric >= 0 and (payload -> 'duration_seconds')::numeric < 1e9
                        then round((payload -> 'duration_seconds')::numeric, 3) end
         end
   where (coalesce(pg_column_size(payload), 0) <= 1048576 or base.refuse_oversized('payload', pg_column_size(payload), 1048576))
     and (coalesce(length(event_type), 0) <= 100 or base.refuse_oversized('event_type', length(event_type), 100))
$$;
comment on function events.deployment_fields(jsonb, text) is
  'Typed fields of a deployment payload: environment, service, version, status (or the event type), commit_sha, duration_seconds.';

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

revoke execute on function events.github_fields(jsonb) from public;
revoke execute on function events.linear_fields(jsonb) from public;
revoke execute on function events.slack_fields(jsonb) from public;
revoke execute on function events.deployment_fields(jsonb, text) from public;
revoke execute on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) from public;
grant execute on function events.github_fields(jsonb) to authenticated, service_role;
grant execute on function events.linear_fields(jsonb) to authenticated, service_role;
grant execute on function events.slack_fields(jsonb) to authenticated, service_role;
grant execute on function events.deployment_fields(jsonb, text) to authenticated, service_role;
grant execute on function events.fill_source_tables(uuid[], uuid[], timestamptz[], text[], text[], jsonb[]) to service_role;

commit;
