-- Revert platform:events/extractors_in_plpgsql from pg
-- Back to the SQL bodies of v1.0.0, with the search_path base/pin_search_path gave them.

begin;

set local lock_timeout = '5s';

drop function events.effective_event_type(uuid, text, text);
create function events.effective_event_type(p_organization_id uuid, p_source text, p_name text)
returns setof events.event_types
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select t.*
    from events.event_types as t
   where t.source = p_source and t.name = p_name
     and (coalesce(length(p_source), 0) <= 50 or base.refuse_oversized('p_source', length(p_source), 50))
     and (coalesce(length(p_name), 0) <= 100 or base.refuse_oversized('p_name', length(p_name), 100))
     and (t.organization_id = p_organization_id or t.organization_id is null)
   order by t.organization_id nulls last
   limit 1
$$;

create or replace function events.github_fields(payload jsonb)
returns table (repository_full_name text, action text, sender_login text, ref text, number integer, commit_sha text)
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
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

create or replace function events.linear_fields(payload jsonb)
returns table (action text, entity_type text, entity_id text, issue_identifier text, team_key text, state_name text, priority integer)
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
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

create or replace function events.slack_fields(payload jsonb)
returns table (team_id text, channel_id text, user_id text, message_ts text, thread_ts text)
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
as $$
  select left(payload ->> 'team_id', 50),
         left(coalesce(payload -> 'event' ->> 'channel', payload -> 'event' -> 'item' ->> 'channel'), 50),
         left(payload -> 'event' ->> 'user', 50),
         left(coalesce(payload -> 'event' ->> 'ts', payload -> 'event' -> 'item' ->> 'ts'), 50),
         left(payload -> 'event' ->> 'thread_ts', 50)
   where (coalesce(pg_column_size(payload), 0) <= 1048576 or base.refuse_oversized('payload', pg_column_size(payload), 1048576))
$$;

create or replace function events.deployment_fields(payload jsonb, event_type text)
returns table (environment text, service text, version text, status text, commit_sha text, duration_seconds numeric)
language sql
immutable
parallel safe
set search_path = pg_catalog, pg_temp
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

comment on function events.effective_event_type(uuid, text, text) is
  'The event type an organization''s events of this source and name use: the organization''s own definition, else the built-in one; no row when neither exists. Inlined by the planner.';
revoke execute on function events.effective_event_type(uuid, text, text) from public;
grant execute on function events.effective_event_type(uuid, text, text) to authenticated, service_role;

commit;
