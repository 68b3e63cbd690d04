-- Deploy platform:events/fill_source_tables to pg
-- The typed source tables are filled from the payload at ingest, by one AFTER INSERT trigger on
-- events.events rather than by code in each ingest function: every path that stores an event
-- (ingest_event, ingest_events, a bulk load by the owner) fills them the same way, and the
-- payload paths of each source are written once, here. The WHEN clause keeps the trigger from
-- firing at all for custom sources.
-- Casts never fail: text is cut to the column's limit, a number is taken only when it is a
-- JSON number in range; anything else becomes NULL. The payload was already validated against
-- its type's required keys.

begin;

create function events.tg_events__fill_source_table()
returns trigger
language plpgsql
volatile
as $$
declare
  p jsonb := new.payload;
begin
  case new.source
  when 'github' then
    insert into events.github_events
      (organization_id, event_id, received_at, event_type, repository_full_name, action, sender_login,
       ref, number, commit_sha)
    values
      (new.organization_id, new.id, new.received_at, new.event_type,
       left(p -> 'repository' ->> 'full_name', 200),
       left(p ->> 'action', 100),
       left(p -> 'sender' ->> 'login', 100),
       left(coalesce(p ->> 'ref', p -> 'pull_request' -> 'head' ->> 'ref', p -> 'workflow_run' ->> 'head_branch'), 500),
       (select case when jsonb_typeof(x.n) = 'number'
                    then case when x.n::numeric between 0 and 2147483647 then x.n::numeric::integer end end
          from (select coalesce(p -> 'pull_request' -> 'number', p -> 'issue' -> 'number', p -> 'number')) as x(n)),
       left(coalesce(p ->> 'after', p -> 'pull_request' -> 'head' ->> 'sha', p -> 'workflow_run' ->> 'head_sha'), 64));
  when 'linear' then
    insert into events.linear_events
      (organization_id, event_id, received_at, event_type, action, entity_type, entity_id,
       issue_identifier, team_key, state_name, priority)
    values
      (new.organization_id, new.id, new.received_at, new.event_type,
       left(p ->> 'action', 100),
       left(p ->> 'type', 100),
       left(p -> 'data' ->> 'id', 100),
       left(coalesce(p -> 'data' ->> 'identifier', p -> 'data' -> 'issue' ->> 'identifier'), 100),
       left(p -> 'data' -> 'team' ->> 'key', 100),
       left(p -> 'data' -> 'state' ->> 'name', 200),
       (select case when jsonb_typeof(x.n) = 'number'
                    then case when x.n::numeric between 0 and 100 then x.n::numeric::integer end end
          from (select p -> 'data' -> 'priority') as x(n)));
  when 'slack' then
    insert into events.slack_events
      (organization_id, event_id, received_at, event_type, team_id, channel_id, user_id, message_ts, thread_ts)
    values
      (new.organization_id, new.id, new.received_at, new.event_type,
       left(p ->> 'team_id', 50),
       left(coalesce(p -> 'event' ->> 'channel', p -> 'event' -> 'item' ->> 'channel'), 50),
       left(p -> 'event' ->> 'user', 50),
       left(coalesce(p -> 'event' ->> 'ts', p -> 'event' -> 'item' ->> 'ts'), 50),
       left(p -> 'event' ->> 'thread_ts', 50));
  when 'deployment' then
    insert into events.deployment_events
      (organization_id, event_id, received_at, event_type, environment, service, version, status,
       commit_sha, duration_seconds)
    values
      (new.organization_id, new.id, new.received_at, new.event_type,
       left(p ->> 'environment', 100),
       left(p ->> 'service', 200),
       left(p ->> 'version', 200),
       left(coalesce(p ->> 'status', new.event_type), 50),
       left(p ->> 'commit_sha', 64),
       (select case when jsonb_typeof(x.n) = 'number'
                    then case when x.n::numeric >= 0 and x.n::numeric < 1e9 then round(x.n::numeric, 3) end end
          from (select p -> 'duration_seconds') as x(n)));
  else
    null;  -- unreachable: the trigger's WHEN clause lists the sources above
  end case;
  return null;
end
$$;

comment on function events.tg_events__fill_source_table() is
  'AFTER INSERT trigger on events.events: copies the typed fields of github, linear, slack and deployment events from the payload into their source table.';
revoke execute on function events.tg_events__fill_source_table() from public;

create trigger _300_fill_source_table
  after insert on events.events
  for each row when (new.source in ('github', 'linear', 'slack', 'deployment'))
  execute function events.tg_events__fill_source_table();

commit;
