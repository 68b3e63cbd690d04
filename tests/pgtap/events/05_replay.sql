-- replay_event: re-deliver an event to one or all of its subscriptions.
begin;
select plan(22);

create temporary table t (name text primary key, id uuid);
grant select, insert, update on t to service_role, authenticated;
insert into t select 'a', organization_id from tests.create_tenant('evt-replay-a');
insert into t select 'b', organization_id from tests.create_tenant('evt-replay-b');

with created as (
  insert into events.event_subscriptions (organization_id, name, source, event_type_pattern, payload_filter, target_kind, target)
  values ((select id from t where name = 'a'), 'hook', 'github', '*', '{}', 'webhook', 'https://hooks.example/in'),
         ((select id from t where name = 'a'), 'queue', 'github', 'push', '{}', 'queue', 'builds'),
         ((select id from t where name = 'a'), 'chat', 'slack', '*', '{}', 'handler', 'chat')
  returning name, id)
insert into t select 's_' || c.name, c.id from created as c;

select tests.authenticate_as_service_role();
insert into t select 'e', events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "main", "repository": {}}');
select is(events.process_pending_events(), 1, 'the event is routed to its two subscriptions');
insert into t select 'd_hook', id from events.event_deliveries where subscription_id = (select id from t where name = 's_hook');
insert into t select 'd_queue', id from events.event_deliveries where subscription_id = (select id from t where name = 's_queue');

-- The hook delivery succeeds, the queue delivery is dead-lettered.
select is((select count(*)::integer from events.claim_deliveries('w1', 10)), 2, 'both deliveries are claimed');
select is((events.complete_delivery((select id from t where name = 'a'), (select id from t where name = 'd_hook'), 'w1')).status,
  'succeeded', 'the webhook delivery succeeds');
select is((events.fail_delivery((select id from t where name = 'a'), (select id from t where name = 'd_queue'), 'w1', 'queue full', false)).status,
  'dead_letter', 'the queue delivery is dead-lettered');

-- Replay to one subscription.
select results_eq(
  format($$select id, status, attempts, replay_count, next_attempt_at, completed_at
             from events.replay_event(%L, %L, subscription_id => %L)$$,
         (select id from t where name = 'a'), (select id from t where name = 'e'), (select id from t where name = 's_queue')),
  $$select (select id from t where name = 'd_queue'), 'pending', 0, 1, now(), null::timestamptz$$,
  'replaying to one subscription re-queues its delivery: due now, a fresh attempt budget, replay_count 1');
select is((select status from events.event_deliveries where id = (select id from t where name = 'd_hook')), 'succeeded',
  'the other subscription''s delivery is untouched');
select is((select count(*)::integer from events.event_deliveries where event_id = (select id from t where name = 'e')), 2,
  'replay reuses the delivery: still one per event and subscription');
select results_eq(
  $$select step, details ->> 'replay' from events.event_processing_logs
     where delivery_id = (select id from t where name = 'd_queue') and step = 'replayed'$$,
  $$values ('replayed', '1')$$,
  'a replay is logged');

-- A subscription added after the event: replay to it creates its delivery.
select tests.clear_authentication();
with created as (
  insert into events.event_subscriptions (organization_id, name, source, target_kind, target)
  values ((select id from t where name = 'a'), 'late', 'github', 'handler', 'audit') returning id)
insert into t select 's_late', c.id from created as c;
select tests.authenticate_as_service_role();
select is(
  (select subscription_id from events.replay_event((select id from t where name = 'a'), (select id from t where name = 'e'),
                                                    (select id from t where name = 's_late'))),
  (select id from t where name = 's_late'),
  'replaying to a matching subscription that has no delivery yet creates it');

-- Replay to all.
select is(
  (select array_agg(subscription_id order by subscription_id)
     from events.replay_event((select id from t where name = 'a'), (select id from t where name = 'e'))),
  (select array_agg(id order by id) from t where name in ('s_hook', 's_queue', 's_late')),
  'replaying to all re-queues every delivery of the event');
select results_eq(
  $$select status, replay_count from events.event_deliveries where id = (select id from t where name = 'd_hook')$$,
  $$values ('pending', 1)$$,
  'the succeeded delivery is pending again');
select is((select count(*)::integer from events.event_deliveries where event_id = (select id from t where name = 'e')), 3,
  'replaying to all creates no duplicate');

-- A delivery in flight is left alone.
select is((select count(*)::integer from events.claim_deliveries('w2', 1, array['webhook'])), 1, 'the webhook delivery is leased again');
select throws_ok(
  format($$select events.replay_event(%L, %L, %L)$$, (select id from t where name = 'a'), (select id from t where name = 'e'),
         (select id from t where name = 's_hook')),
  '55000', format('event delivery %s is in flight (leased by worker "w2" until %s)', (select id from t where name = 'd_hook'),
                  now() + interval '60 seconds'),
  'replaying a delivery in flight raises 55000');
select ok(
  (select (select id from t where name = 'd_hook') <> all (array_agg(id))
     from events.replay_event((select id from t where name = 'a'), (select id from t where name = 'e'))),
  'replaying to all skips the delivery in flight');

-- A failed event (routing gave up) is routed by a replay.
insert into t select 'f', events.ingest_event((select id from t where name = 'a'), 'slack', 'message', '{"team_id": "T", "event": {}}');
select tests.clear_authentication();
update events.events set status = 'failed', attempts = 5, last_error = 'XX000: boom' where id = (select id from t where name = 'f');
select tests.authenticate_as_service_role();
select is(
  (select array_agg(subscription_id) from events.replay_event((select id from t where name = 'a'), (select id from t where name = 'f'))),
  array[(select id from t where name = 's_chat')],
  'replaying a failed event routes it to its matching subscriptions');
select results_eq(
  $$select status, attempts, last_error from events.events where id = (select id from t where name = 'f')$$,
  $$values ('processed', 6, null::text)$$,
  'the failed event is processed after the replay');

-- Errors
select throws_ok(
  format($$select events.replay_event(%L, null)$$, (select id from t where name = 'a')),
  '22023', 'organization_id and event_id are required',
  'replay without an event raises 22023');
select throws_ok(
  format($$select events.replay_event(%L, %L)$$, (select id from t where name = 'b'), (select id from t where name = 'e')),
  'P0002', format('event %s not found in organization %s', (select id from t where name = 'e'), (select id from t where name = 'b')),
  'an event is replayed only in its own organization');
select throws_ok(
  format($$select events.replay_event(%L, %L, %L)$$, (select id from t where name = 'a'), (select id from t where name = 'e'),
         (select id from t where name = 's_chat')),
  '22023', format('event subscription %s does not match event %s (github/push)', (select id from t where name = 's_chat'),
                  (select id from t where name = 'e')),
  'replaying to a subscription that does not match raises 22023');
select tests.clear_authentication();
update events.event_subscriptions set is_active = false where id = (select id from t where name = 's_queue');
select tests.authenticate_as_service_role();
select throws_ok(
  format($$select events.replay_event(%L, %L, %L)$$, (select id from t where name = 'a'), (select id from t where name = 'e'),
         (select id from t where name = 's_queue')),
  '55000', format('event subscription %s is not active', (select id from t where name = 's_queue')),
  'replaying to an inactive subscription raises 55000');
select throws_ok(
  format($$select events.replay_event(%L, %L, %L)$$, (select id from t where name = 'a'), (select id from t where name = 'e'),
         '00000000-0000-7000-8000-000000000000'),
  'P0002', format('event subscription 00000000-0000-7000-8000-000000000000 not found in organization %s', (select id from t where name = 'a')),
  'replaying to an unknown subscription raises P0002');

select * from finish();
rollback;
