-- Deploy platform:events/extractors_in_plpgsql to pg
-- events.effective_event_type and the four source-field extractors (github_fields, linear_fields,
-- slack_fields, deployment_fields) become PL/pgSQL, same signatures, results and errors.
-- Why: since base/pin_search_path every function has its own search_path, and PostgreSQL never
-- inlines a SQL function that has its own settings; a set-returning SQL function that is not
-- inlined is planned again on every call. Ingest calls these once or more per event, and a single
-- ingest_event went from 0.26 to 0.85 ms (track_functions, 600 events, one session). PL/pgSQL keeps
-- the plan of its query for the session. The size guards become IFs ahead of the query.

--
-- Bare parameter names (the exposed schemas' rule, docs/conventions.md): PostgreSQL renames a
-- parameter only by DROP FUNCTION and CREATE FUNCTION, in this transaction.
-- squawk-ignore-file ban-drop-function
begin;

set local lock_timeout = '5s';

drop function events.effective_event_type(uuid, text, text);
create function events.effective_event_type(organization_id uuid, source text, name text)
returns setof events.event_types
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if length(effective_event_type.source) > 50 then
    perform base.refuse_oversized('source', length(effective_event_type.source), 50);
  end if;
  if length(effective_event_type.name) > 100 then
    perform base.refuse_oversized('name', length(effective_event_type.name), 100);
  end if;
  return query
    select t.*
      from events.event_types as t
     where t.source = effective_event_type.source and t.name = effective_event_type.name
       and (t.organization_id = effective_event_type.organization_id or t.organization_id is null)
     order by t.organization_id nulls last
     limit 1;
end
$$;

create or replace function events.github_fields(payload jsonb)
returns table (repository_full_name text, action text, sender_login text, ref text, number integer, commit_sha text)
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if pg_column_size(payload) > 1048576 then
    perform base.refuse_oversized('payload', pg_column_size(payload), 1048576);
  end if;
  return query
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
                         payload -> 'workflow_run' ->> 'head_sha'), 64);
end
$$;

create or replace function events.linear_fields(payload jsonb)
returns table (action text, entity_type text, entity_id text, issue_identifier text, team_key text, state_name text, priority integer)
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if pg_column_size(payload) > 1048576 then
    perform base.refuse_oversized('payload', pg_column_size(payload), 1048576);
  end if;
  return query
    select left(payload ->> 'action', 100),
           left(payload ->> 'type', 100),
           left(payload -> 'data' ->> 'id', 100),
           left(coalesce(payload -> 'data' ->> 'identifier', payload -> 'data' -> 'issue' ->> 'identifier'), 100),
           left(payload -> 'data' -> 'team' ->> 'key', 100),
           left(payload -> 'data' -> 'state' ->> 'name', 200),
           case when jsonb_typeof(payload -> 'data' -> 'priority') = 'number'
                then case when (payload -> 'data' -> 'priority')::numeric between 0 and 100
                          then (payload -> 'data' -> 'priority')::numeric::integer end
           end;
end
$$;

create or replace function events.slack_fields(payload jsonb)
returns table (team_id text, channel_id text, user_id text, message_ts text, thread_ts text)
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if pg_column_size(payload) > 1048576 then
    perform base.refuse_oversized('payload', pg_column_size(payload), 1048576);
  end if;
  return query
    select left(payload ->> 'team_id', 50),
           left(coalesce(payload -> 'event' ->> 'channel', payload -> 'event' -> 'item' ->> 'channel'), 50),
           left(payload -> 'event' ->> 'user', 50),
           left(coalesce(payload -> 'event' ->> 'ts', payload -> 'event' -> 'item' ->> 'ts'), 50),
           left(payload -> 'event' ->> 'thread_ts', 50);
end
$$;

create or replace function events.deployment_fields(payload jsonb, event_type text)
returns table (environment text, service text, version text, status text, commit_sha text, duration_seconds numeric)
language plpgsql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
begin
  if pg_column_size(payload) > 1048576 then
    perform base.refuse_oversized('payload', pg_column_size(payload), 1048576);
  end if;
  if length(event_type) > 100 then
    perform base.refuse_oversized('event_type', length(event_type), 100);
  end if;
  return query
    select left(payload ->> 'environment', 100),
           left(payload ->> 'service', 200),
           left(payload ->> 'version', 200),
           left(coalesce(payload ->> 'status', event_type), 50),
           left(payload ->> 'commit_sha', 64),
           case when jsonb_typeof(payload -> 'duration_seconds') = 'number'
                then case when (payload -> 'duration_seconds')::numeric >= 0 and (payload -> 'duration_seconds')::numeric < 1e9
                          then round((payload -> 'duration_seconds')::numeric, 3) end
           end;
end
$$;

comment on function events.effective_event_type(uuid, text, text) is
  'The event type an organization''s events of this source and name use: the organization''s own definition, else the built-in one; no row when neither exists. 22023 when source is over 50 or name over 100 characters.';
revoke execute on function events.effective_event_type(uuid, text, text) from public;
grant execute on function events.effective_event_type(uuid, text, text) to authenticated, service_role;

commit;
