-- Benchmark data for the events module: set-based, sized by the psql variable :scale.
--   psql -X -v ON_ERROR_STOP=1 -v scale=1 -d "$URL" -f bench/data/05_events.sql
-- scale 1 = 10,000,000 events received over the last 6 months (UTC), from 20 organizations and
-- the four built-in sources, 80 % with an idempotency key, their source-table rows, and about
-- 1.5 deliveries per event (~15M) to 4 subscriptions per organization. Events older than an
-- hour are processed and their deliveries succeeded (97 %) or dead-lettered (3 %); the last
-- hour's events are pending, with pending deliveries: a realistic small hot set.
-- Written as a bulk loader would: ids are UUIDv7 built from each row's own time (so ids and
-- partitions agree), source rows come from the same events.*_fields functions ingest uses, and
-- each week is loaded and committed on its own. Run it on a freshly deployed database; a second
-- run finds the bench organizations and stops.

\set ON_ERROR_STOP on
\if :{?scale}
\else
  \set scale 0.01
\endif

select exists (select from base.organizations where slug = 'bench-events-01') as already_loaded \gset
\if :already_loaded
  \echo 'bench data for events already loaded (organization bench-events-01 exists): nothing to do'
  \quit
\endif

select greatest(1000, round(10000000 * :scale))::bigint as n_events,
       greatest(2, least(20, ceil(20 * :scale)))::integer as n_orgs,
       26 as n_chunks \gset
\echo 'events bench data: ' :n_events ' events, ' :n_orgs ' organizations'

-- Organizations and their subscriptions.
insert into base.organizations (name, slug)
select 'Bench events ' || g, 'bench-events-' || lpad(g::text, 2, '0')
  from generate_series(1, :n_orgs) as g;

-- A member in each (bench-events-NN@bench.test), so the latency suite (bench/cases.py) reads
-- these events as `authenticated` under RLS, as an API user would.
insert into base.users (email, display_name)
select o.slug || '@bench.test', 'Bench events member ' || right(o.slug, 2)
  from base.organizations as o
 where o.slug like 'bench-events-%'
on conflict do nothing;
insert into base.organization_members (organization_id, user_id, role)
select o.id, u.id, 'member'
  from base.organizations as o
  join base.users as u on u.email = o.slug || '@bench.test'
 where o.slug like 'bench-events-%';

insert into events.event_subscriptions
  (organization_id, name, source, event_type_pattern, payload_filter, target_kind, target)
select o.id, v.name, v.source, v.pattern, v.filter::jsonb, v.kind, v.target
  from base.organizations as o
 cross join (values
   ('archive',          null,         '*',      '{}',                                         'handler', 'archive'),
   ('ci on pushes',     'github',     'push',   '{}',                                         'queue',   'ci.builds'),
   ('api bot',          'github',     '*',      '{"repository": {"full_name": "acme/api"}}', 'webhook', 'https://hooks.example/api'),
   ('prod deploy chat', 'deployment', '*',      '{"environment": "production"}',             'handler', 'notify.chat')
 ) as v(name, source, pattern, filter, kind, target)
 where o.slug like 'bench-events-%';

-- Partitions of the six months before this one (premake already made this month and later).
select base.create_partition(t::regclass, 'month', base.partition_period_start('month', now() - m * interval '1 month'))
  from unnest(events.retained_tables()) as t, generate_series(1, 6) as m;

-- A UUIDv7 for a given time: 48-bit milliseconds, version 7, random tail (base.uuid_generate_v7
-- reads the clock; a loader needs the row's own time).
create function pg_temp.uuid_v7_at(p_at timestamptz)
returns uuid
language sql
volatile
as $$
  select encode(set_byte(b.bytes, 6, (get_byte(b.bytes, 6) & 15) | 112), 'hex')::uuid
    from (select overlay(uuid_send(gen_random_uuid())
                         placing substring(int8send((extract(epoch from p_at) * 1000)::bigint) from 3)
                         from 1 for 6) as bytes) as b
$$;

-- One chunk: events numbered [p_first, p_last], received evenly over [p_from, p_to).
create function pg_temp.load_chunk(p_first bigint, p_last bigint, p_from timestamptz, p_to timestamptz)
returns bigint
language plpgsql
as $$
declare
  v_orgs uuid[] := array(select id from base.organizations where slug like 'bench-events-%' order by slug);
  v_n    bigint;
begin
  with generated as (
    select g,
           v_orgs[1 + (g % cardinality(v_orgs))::integer] as organization_id,
           p_from + (g - p_first) * (p_to - p_from) / (p_last - p_first + 1) as received_at,
           case when g % 20 < 8 then 'github' when g % 20 < 12 then 'linear' when g % 20 < 17 then 'slack'
                else 'deployment' end as source
      from generate_series(p_first, p_last) as g
  ),
  shaped as (
    select x.*, pg_temp.uuid_v7_at(x.received_at) as id,
           case when x.g % 5 <> 0 then 'gen-' || x.g end as idempotency_key,
           case when x.received_at < now() - interval '1 hour' then 'processed' else 'pending' end as status,
           case x.source
             when 'github' then case when x.g % 3 = 0 then 'pull_request' else 'push' end
             when 'linear' then 'issue'
             when 'slack' then 'message'
             else (array['started', 'succeeded', 'succeeded', 'failed'])[1 + x.g % 4]
           end as event_type,
           case x.source
             when 'github' then jsonb_build_object(
               'ref', 'refs/heads/' || (array['main', 'develop', 'feature/login', 'fix/retry'])[1 + x.g % 4],
               'after', md5(x.g::text), 'action', case when x.g % 3 = 0 then 'opened' end,
               'repository', jsonb_build_object('full_name', (array['acme/api', 'acme/web', 'acme/infra'])[1 + x.g % 3]),
               'sender', jsonb_build_object('login', 'dev' || x.g % 50),
               'pull_request', case when x.g % 3 = 0 then jsonb_build_object('number', x.g % 5000) end)
             when 'linear' then jsonb_build_object(
               'action', (array['create', 'update', 'update', 'remove'])[1 + x.g % 4], 'type', 'Issue',
               'data', jsonb_build_object('id', 'lin-' || x.g % 100000, 'identifier', 'ENG-' || x.g % 100000,
                                          'priority', x.g % 5, 'team', jsonb_build_object('key', 'ENG'),
                                          'state', jsonb_build_object('name', (array['Todo', 'In Progress', 'Done'])[1 + x.g % 3])))
             when 'slack' then jsonb_build_object(
               'team_id', 'T0BENCH', 'event', jsonb_build_object('type', 'message', 'channel', 'C' || x.g % 40,
                                                                 'user', 'U' || x.g % 300, 'ts', x.g || '.000100',
                                                                 'text', 'message number ' || x.g))
             else jsonb_build_object(
               'environment', (array['production', 'staging'])[1 + x.g % 2], 'service', 'svc-' || x.g % 12,
               'version', '1.' || x.g % 90 || '.0', 'commit_sha', left(md5(x.g::text), 12),
               'duration_seconds', (x.g % 600) + 0.5)
           end as payload
      from generated as x
  ),
  stored as (
    insert into events.events as e
      (organization_id, id, received_at, source, event_type, occurred_at, idempotency_key, payload, metadata,
       status, attempts, processed_at)
    select s.organization_id, s.id, s.received_at, s.source, s.event_type, s.received_at - interval '2 seconds',
           s.idempotency_key, s.payload, '{"loader": "bench"}', s.status,
           case when s.status = 'processed' then 1 else 0 end,
           case when s.status = 'processed' then s.received_at + interval '1 second' end
      from shaped as s
    returning 1
  ),
  keys as (
    insert into events.event_idempotency_keys (organization_id, source, idempotency_key, event_id, event_received_at)
    select s.organization_id, s.source, s.idempotency_key, s.id, s.received_at
      from shaped as s
     where s.idempotency_key is not null
  ),
  github as (
    insert into events.github_events
      (organization_id, event_id, received_at, event_type, repository_full_name, action, sender_login, ref, number, commit_sha)
    select s.organization_id, s.id, s.received_at, s.event_type, f.*
      from shaped as s cross join lateral events.github_fields(s.payload) as f
     where s.source = 'github'
  ),
  linear as (
    insert into events.linear_events
      (organization_id, event_id, received_at, event_type, action, entity_type, entity_id, issue_identifier, team_key,
       state_name, priority)
    select s.organization_id, s.id, s.received_at, s.event_type, f.*
      from shaped as s cross join lateral events.linear_fields(s.payload) as f
     where s.source = 'linear'
  ),
  slack as (
    insert into events.slack_events
      (organization_id, event_id, received_at, event_type, team_id, channel_id, user_id, message_ts, thread_ts)
    select s.organization_id, s.id, s.received_at, s.event_type, f.*
      from shaped as s cross join lateral events.slack_fields(s.payload) as f
     where s.source = 'slack'
  ),
  deployment as (
    insert into events.deployment_events
      (organization_id, event_id, received_at, event_type, environment, service, version, status, commit_sha,
       duration_seconds)
    select s.organization_id, s.id, s.received_at, s.event_type, f.*
      from shaped as s cross join lateral events.deployment_fields(s.payload, s.event_type) as f
     where s.source = 'deployment'
  ),
  -- Deliveries: the routing rule itself (events.subscription_matches), then an outcome.
  deliveries as (
    insert into events.event_deliveries
      (organization_id, id, event_received_at, event_id, subscription_id, target_kind, status, attempts, max_attempts,
       backoff_base_seconds, backoff_cap_seconds, lease_seconds, next_attempt_at, last_attempt_at, completed_at,
       response, last_error, created_at, updated_at)
    select e.organization_id, pg_temp.uuid_v7_at(e.received_at + interval '1 second'), e.received_at, e.id, sub.id,
           sub.target_kind, o.status, o.attempts, 5, 10, 3600, sub.lease_seconds,
           e.received_at + interval '1 second', o.last_attempt_at, o.completed_at, o.response, o.last_error,
           e.received_at + interval '1 second', coalesce(o.completed_at, e.received_at + interval '1 second')
      from shaped as e
      join events.event_subscriptions as sub
        on sub.organization_id = e.organization_id and sub.is_active
       and events.subscription_matches(e.source, e.event_type, e.payload, sub.source, sub.event_type_like, sub.payload_filter)
     cross join lateral (
       select case when e.status = 'pending' then 'pending'
                   when (hashtext(e.id::text || sub.id::text) & 2147483647) % 100 < 3 then 'dead_letter'
                   else 'succeeded' end as status) as st
     cross join lateral (
       select st.status,
              case st.status when 'pending' then 0 when 'dead_letter' then 5 else 1 end as attempts,
              case when st.status <> 'pending' then e.received_at + interval '2 seconds' end as last_attempt_at,
              case when st.status <> 'pending' then e.received_at + interval '3 seconds' end as completed_at,
              case st.status when 'succeeded' then '{"status": 200}'::jsonb
                             when 'dead_letter' then '{"status": 500}'::jsonb end as response,
              case when st.status = 'dead_letter' then 'HTTP 500 Internal Server Error' end as last_error) as o
  )
  select count(*) into v_n from stored;

  return v_n;
end
$$;

-- Load week by week (each chunk its own transaction), oldest first.
select format('select pg_temp.load_chunk(%s, %s, %L, %L) as events_loaded',
              c * :n_events / :n_chunks + 1, (c + 1) * :n_events / :n_chunks,
              now() - interval '6 months' + c * (interval '6 months' - interval '1 minute') / :n_chunks,
              now() - interval '6 months' + (c + 1) * (interval '6 months' - interval '1 minute') / :n_chunks)
  from generate_series(0, :n_chunks - 1) as c
\gexec

analyze events.events;
analyze events.event_idempotency_keys;
analyze events.event_deliveries;
analyze events.github_events;
analyze events.linear_events;
analyze events.slack_events;
analyze events.deployment_events;

select (select count(*) from events.events as e join base.organizations as o on o.id = e.organization_id
         where o.slug like 'bench-events-%') as events,
       (select count(*) from events.event_deliveries as d join base.organizations as o on o.id = d.organization_id
         where o.slug like 'bench-events-%') as deliveries,
       (select pg_size_pretty(sum(pg_total_relation_size(c.oid)))
          from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
         where n.nspname = 'events' and c.relkind = 'r') as events_schema_size;
