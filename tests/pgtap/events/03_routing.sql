-- Routing: subscription matching (source, type glob, payload filter) and process_pending_events.
begin;
select plan(34);

create temporary table t (name text primary key, id uuid);
grant select, insert on t to service_role, authenticated;
insert into t select 'a', organization_id from tests.create_tenant('evt-route-a');
insert into t select 'b', organization_id from tests.create_tenant('evt-route-b');

insert into events.event_types (organization_id, source, name, max_attempts)
select (select id from t where name = 'a'), 'ci', v.name, 2
  from (values ('build_done'), ('buildxdone')) as v(name);

-- Subscriptions of a (and one of b) ---------------------------------------------------------------
with created as (
  insert into events.event_subscriptions
    (organization_id, name, source, event_type_pattern, payload_filter, target_kind, target, is_active,
     max_attempts, backoff_base_seconds, backoff_cap_seconds)
  select (select id from t where name = 'a'), v.name, v.source, v.pattern, v.filter, v.kind, v.target, v.active,
         v.max_attempts, v.backoff_base, v.backoff_cap
    from (values
      ('s_all',      null,     '*',         '{}'::jsonb,                                 'handler', 'archive',                    true,  null::integer, null::integer, null::integer),
      ('s_pull',     'github', 'pull_*',    '{}',                                        'queue',   'reviews',                    true,  null,          null,          null),
      ('s_push',     'github', 'pu?h',      '{}',                                        'queue',   'ci',                         true,  null,          600,           null),
      ('s_api',      'github', '*',         '{"repository": {"full_name": "acme/api"}}', 'webhook', 'https://hooks.example/api',  true,  3,             20,            null),
      ('s_slack',    'slack',  '*',         '{}',                                        'webhook', 'https://hooks.example/chat', true,  null,          null,          null),
      ('s_literal',  'ci',     'build_done','{}',                                        'handler', 'builds',                     true,  null,          null,          null),
      ('s_paused',   null,     '*',         '{}',                                        'handler', 'paused',                     false, null,          null,          null)
    ) as v(name, source, pattern, filter, kind, target, active, max_attempts, backoff_base, backoff_cap)
  returning name, id)
insert into t (name, id) select c.name, c.id from created as c;
with created as (
  insert into events.event_subscriptions (organization_id, name, target_kind, target)
  values ((select id from t where name = 'b'), 'everything', 'handler', 'archive') returning id)
insert into t (name, id) select 's_b', c.id from created as c;

select tests.authenticate_as_service_role();

insert into t select 'e_pr', events.ingest_event((select id from t where name = 'a'), 'github', 'pull_request',
  '{"action": "opened", "pull_request": {}, "repository": {"full_name": "acme/api"}}');
insert into t select 'e_push', events.ingest_event((select id from t where name = 'a'), 'github', 'push',
  '{"ref": "main", "repository": {"full_name": "acme/web"}}');
insert into t select 'e_slack', events.ingest_event((select id from t where name = 'a'), 'slack', 'message',
  '{"team_id": "T", "event": {}}');
insert into t select 'e_x', events.ingest_event((select id from t where name = 'a'), 'ci', 'buildxdone', '{}');
insert into t select 'e_b', events.ingest_event((select id from t where name = 'b'), 'github', 'push',
  '{"ref": "main", "repository": {"full_name": "acme/api"}}');

-- check_subscription_match ---------------------------------------------------------------------------
select ok(events.check_subscription_match((select id from t where name = 'e_pr'), (select id from t where name = 's_pull')),
  'a glob with * matches a type with that prefix (pull_* ~ pull_request)');
select ok(not events.check_subscription_match((select id from t where name = 'e_push'), (select id from t where name = 's_pull')),
  'a glob does not match a type without the prefix (pull_* !~ push)');
select ok(events.check_subscription_match((select id from t where name = 'e_push'), (select id from t where name = 's_push')),
  '? matches exactly one character (pu?h ~ push)');
select ok(not events.check_subscription_match((select id from t where name = 'e_x'), (select id from t where name = 's_literal')),
  '_ in a pattern is literal, not LIKE''s any-character (build_done !~ buildxdone)');
select ok(events.check_subscription_match((select id from t where name = 'e_pr'), (select id from t where name = 's_api')),
  'a payload containing the filter matches');
select ok(not events.check_subscription_match((select id from t where name = 'e_push'), (select id from t where name = 's_api')),
  'a payload not containing the filter does not match');
select ok(events.check_subscription_match((select id from t where name = 'e_slack'), (select id from t where name = 's_all')),
  'a subscription without source matches every source');
select ok(not events.check_subscription_match((select id from t where name = 'e_pr'), (select id from t where name = 's_slack')),
  'a subscription of another source does not match');
select ok(events.check_subscription_match((select id from t where name = 'e_pr'), (select id from t where name = 's_paused')),
  'matching is about the criteria: an inactive subscription still matches (routing skips it)');
select ok(not events.check_subscription_match((select id from t where name = 'e_b'), (select id from t where name = 's_api')),
  'an event of another organization never matches, even when source, type and payload would');
select ok(not events.check_subscription_match('00000000-0000-7000-8000-000000000000', (select id from t where name = 's_all')),
  'an unknown event matches nothing');
select throws_ok(
  $$select events.check_subscription_match((select id from t where name = 'e_pr'), '00000000-0000-7000-8000-000000000000')$$,
  'P0002', 'event subscription 00000000-0000-7000-8000-000000000000 not found',
  'an unknown subscription raises P0002');
select is(events.check_subscription_match(null, (select id from t where name = 's_all')), null, 'NULL in, NULL out');

-- process_pending_events -------------------------------------------------------------------------------
select is(events.process_pending_events(batch_size => 100), 5, 'process_pending_events routes every pending event and returns how many');
select bag_eq(
  $$select e.name as event, s.name as subscription from events.event_deliveries as d
      join t as e on e.id = d.event_id join t as s on s.id = d.subscription_id$$,
  $$values ('e_pr', 's_all'), ('e_pr', 's_pull'), ('e_pr', 's_api'),
           ('e_push', 's_all'), ('e_push', 's_push'),
           ('e_slack', 's_all'), ('e_slack', 's_slack'),
           ('e_x', 's_all'),
           ('e_b', 's_b')$$,
  'one delivery per event and matching active subscription, in its own organization');
select bag_eq(
  $$select e.name as event, s.name as subscription from t as e cross join t as s
     where e.name like 'e\_%' and s.name like 's\_%' and s.name <> 's_paused'
       and events.check_subscription_match(e.id, s.id)$$,
  $$select e.name as event, s.name as subscription from events.event_deliveries as d
      join t as e on e.id = d.event_id join t as s on s.id = d.subscription_id$$,
  'routing agrees with check_subscription_match over every event and active subscription (the original design''s join)');
select results_eq(
  $$select status, attempts, processed_at is not null from events.events where id in (select id from t where name like 'e\_%')$$,
  $$values ('processed', 1, true), ('processed', 1, true), ('processed', 1, true), ('processed', 1, true), ('processed', 1, true)$$,
  'routed events are processed, with one attempt');
select results_eq(
  $$select d.target_kind, d.status, d.attempts, d.max_attempts, d.backoff_base_seconds, d.backoff_cap_seconds, d.lease_seconds
      from events.event_deliveries as d
     where d.event_id = (select id from t where name = 'e_pr') and d.subscription_id = (select id from t where name = 's_api')$$,
  $$values ('webhook', 'pending', 0, 3, 20, 3600, 60)$$,
  'a delivery copies the target kind and the subscription''s retry policy over the type''s defaults');
select results_eq(
  $$select d.max_attempts, d.backoff_base_seconds, d.backoff_cap_seconds
      from events.event_deliveries as d
     where d.event_id = (select id from t where name = 'e_push') and d.subscription_id = (select id from t where name = 's_push')$$,
  $$values (5, 600, 3600)$$,
  'unset policy fields come from the event type, and the cap never falls under the base');
select is(
  (select max_attempts from events.event_deliveries
    where event_id = (select id from t where name = 'e_x') and subscription_id = (select id from t where name = 's_all')),
  2, 'an organization''s type supplies its own max_attempts');
select results_eq(
  $$select step, message from events.event_processing_logs where event_id = (select id from t where name = 'e_pr')$$,
  $$values ('routed', 'routed: 3 deliveries created')$$,
  'routing logs one line per event');
select is(events.process_pending_events(), 0, 'a second run finds nothing pending');
select is((select count(*)::integer from events.event_deliveries where event_id in (select id from t where name like 'e\_%')), 9,
  'a second run creates no delivery');

-- batch_size bounds each run
insert into t
select 'bulk' || g, events.ingest_event((select id from t where name = 'a'), 'slack', 'message',
                                       jsonb_build_object('team_id', 'T', 'event', jsonb_build_object('n', g)))
  from generate_series(1, 3) as g;
select is(events.process_pending_events(2), 2, 'batch_size bounds a run');
select is(events.process_pending_events(2), 1, 'the next run takes the rest');

select throws_ok($$select events.process_pending_events(0)$$, '22023', 'batch_size must be between 1 and 10000, got 0',
  'batch_size 0 raises 22023');
select throws_ok($$select events.process_pending_events(null)$$, '22023', 'batch_size must be between 1 and 10000, got null',
  'batch_size NULL raises 22023');

-- A poisoned event: its routing fails, the others of the batch still go ---------------------------------
select tests.clear_authentication();
create function pg_temp.poison() returns trigger language plpgsql as $$
begin
  if new.event_id = (select id from t where name = 'e_poison') then
    raise exception 'target registry unavailable';
  end if;
  return new;
end $$;
create trigger _999_poison before insert on events.event_deliveries for each row execute function pg_temp.poison();
select tests.authenticate_as_service_role();

insert into t select 'e_poison', events.ingest_event((select id from t where name = 'a'), 'ci', 'build_done', '{}');
insert into t select 'e_fine', events.ingest_event((select id from t where name = 'a'), 'ci', 'build_done', '{}');
select is(events.process_pending_events(10), 1, 'a batch with a poisoned event still routes the healthy one');
select results_eq(
  $$select e.status, e.attempts, e.last_error from events.events as e where e.id = (select id from t where name = 'e_poison')$$,
  $$values ('pending', 1, 'P0001: target registry unavailable')$$,
  'the poisoned event keeps its attempt count and last error and stays pending');
select is(
  (select count(*)::integer from events.event_deliveries where event_id = (select id from t where name = 'e_fine')), 2,
  'the healthy event got its deliveries');
select is(events.process_pending_events(10), 0, 'the second attempt fails again');
select results_eq(
  $$select e.status, e.attempts from events.events as e where e.id = (select id from t where name = 'e_poison')$$,
  $$values ('failed', 2)$$,
  'after its type''s max_attempts the event ends failed');
select results_eq(
  $$select step, level, details ->> 'status' from events.event_processing_logs
     where event_id = (select id from t where name = 'e_poison') order by logged_at, id$$,
  $$values ('routing_failed', 'error', 'pending'), ('routing_failed', 'error', 'failed')$$,
  'each failed routing attempt is logged');
select throws_ok(
  $$update events.events set status = 'pending' where id = (select id from t where name = 'e_pr')$$,
  '55000', 'invalid status transition for events.events.status: "processed" -> "pending"',
  'event status transitions are enforced (55000 naming the allowed ones)');

select * from finish();
rollback;
