-- Delivery worker API: claim, lease, heartbeat, complete, fail with backoff, dead-letter, lease recovery.
begin;
select plan(43);

create temporary table t (name text primary key, id uuid);
grant select, insert, update on t to service_role, authenticated;
insert into t select 'a', organization_id from tests.create_tenant('evt-deliver-a');
insert into t select 'b', organization_id from tests.create_tenant('evt-deliver-b');

with created as (
  insert into events.event_subscriptions
    (organization_id, name, source, target_kind, target, max_attempts, backoff_base_seconds, backoff_cap_seconds, lease_seconds)
  values ((select id from t where name = 'a'), 'hook', 'github', 'webhook', 'https://hooks.example/in', 3, 10, 25, 60),
         ((select id from t where name = 'a'), 'queue', 'github', 'queue', 'builds', null, null, null, 30),
         ((select id from t where name = 'b'), 'handler', null, 'handler', 'archive', null, null, null, 60)
  returning name, id)
insert into t select 's_' || c.name, c.id from created as c;

select tests.authenticate_as_service_role();
insert into t select 'e1', events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "main", "repository": {}}');
insert into t select 'e2', events.ingest_event((select id from t where name = 'b'), 'slack', 'message', '{"team_id": "T", "event": {}}');
select events.process_pending_events() as routed \gset
insert into t select 'd_hook', id from events.event_deliveries where subscription_id = (select id from t where name = 's_hook');
insert into t select 'd_queue', id from events.event_deliveries where subscription_id = (select id from t where name = 's_queue');
insert into t select 'd_b', id from events.event_deliveries where subscription_id = (select id from t where name = 's_handler');

-- The backoff itself (base.retry_delay) is tested in tests/pgtap/base/10_retry_delay.sql.

-- claim_deliveries ------------------------------------------------------------------------------------------
select tests.clear_authentication();
update events.event_deliveries set next_attempt_at = now() - interval '2 seconds' where id = (select id from t where name = 'd_queue');
update events.event_deliveries set next_attempt_at = now() - interval '1 second' where id = (select id from t where name = 'd_b');
select tests.authenticate_as_service_role();
select results_eq(
  $$select id, status, attempts, locked_by, locked_until, last_attempt_at
      from events.claim_deliveries(worker_id => 'w1', max_deliveries => 5, target_kinds => array['webhook'])$$,
  $$select (select id from t where name = 'd_hook'), 'leased', 1, 'w1', now() + interval '60 seconds', now()$$,
  'claim leases a due delivery of the asked kind to the worker, for its lease_seconds, counting the attempt');
select is((select count(*)::integer from events.claim_deliveries('w2', 5, array['webhook'])), 0,
  'a leased delivery is not handed to a second worker');
select is((select array_agg(id) from events.claim_deliveries('w1', 1, array['queue', 'handler'])),
  array[(select id from t where name = 'd_queue')],
  'claim takes the oldest due delivery first, and no more than max_deliveries');
select is((select locked_until from events.event_deliveries where id = (select id from t where name = 'd_queue')),
  now() + interval '30 seconds', 'the lease length comes from the subscription (copied on the delivery)');
select tests.clear_authentication();
update events.event_deliveries set next_attempt_at = now() + interval '1 minute' where id = (select id from t where name = 'd_b');
select tests.authenticate_as_service_role();
select is((select count(*)::integer from events.claim_deliveries('w3', 10)), 0, 'a delivery is not claimed before next_attempt_at');

select throws_ok($$select events.claim_deliveries('')$$, '22023', 'worker_id must be 1 to 200 characters long',
  'an empty worker_id raises 22023');
select throws_ok($$select events.claim_deliveries('w', 0)$$, '22023', 'max_deliveries must be between 1 and 1000, got 0',
  'max_deliveries 0 raises 22023');
select throws_ok($$select events.claim_deliveries('w', 1, '{}')$$, '22023', 'target_kinds must not be empty (NULL claims every kind)',
  'an empty target_kinds raises 22023');
select throws_ok($$select events.claim_deliveries('w', 1, array['email'])$$, '22023',
  'unknown target kind "email" (allowed: handler, queue, webhook)', 'an unknown target kind raises 22023');

-- heartbeat_delivery ---------------------------------------------------------------------------------------
select is(events.heartbeat_delivery((select id from t where name = 'a'), (select id from t where name = 'd_hook'), 'w1'),
  now() + interval '60 seconds', 'heartbeat extends the lease and returns its new end');
select throws_ok(
  format($$select events.heartbeat_delivery(%L, %L, 'w2')$$, (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  '55000', format('event delivery %s is not leased by worker "w2" (status leased, leased by w1)', (select id from t where name = 'd_hook')),
  'another worker cannot heartbeat a lease it does not hold');
select throws_ok(
  format($$select events.heartbeat_delivery(%L, %L, 'w1')$$, (select id from t where name = 'b'), (select id from t where name = 'd_hook')),
  'P0002', format('event delivery %s not found in organization %s', (select id from t where name = 'd_hook'), (select id from t where name = 'b')),
  'a delivery is found only in its own organization');

-- fail_delivery: retry with backoff, then dead-letter -----------------------------------------------------------
select results_eq(
  format($$select status, attempts, locked_by, locked_until, completed_at, last_error, response
             from events.fail_delivery(%L, %L, 'w1', 'HTTP 503', response => '{"status": 503}')$$,
         (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  $$values ('pending', 1, null::text, null::timestamptz, null::timestamptz, 'HTTP 503', '{"status": 503}'::jsonb)$$,
  'a retryable failure with attempts left returns the delivery to the queue, keeping error and response');
select ok(
  (select next_attempt_at between now() + interval '5 seconds' and now() + interval '10 seconds'
     from events.event_deliveries where id = (select id from t where name = 'd_hook')),
  'the first retry waits base.retry_delay(1, base 10 s): between 5 and 10 seconds');
select results_eq(
  $$select step, level, worker_id, details ->> 'attempt' from events.event_processing_logs
     where delivery_id = (select id from t where name = 'd_hook')$$,
  $$values ('delivery_failed', 'warning', 'w1', '1')$$,
  'a failed attempt is logged as a warning');

-- Attempt 2 (the clock is moved by making the delivery due again).
select tests.clear_authentication();
update events.event_deliveries set next_attempt_at = now() where id = (select id from t where name = 'd_hook');
select tests.authenticate_as_service_role();
select is((select attempts from events.claim_deliveries('w1', 1, array['webhook'])), 2, 'the retry is claimed as attempt 2');
select ok(
  (select next_attempt_at between now() + interval '10 seconds' and now() + interval '20 seconds'
     from events.fail_delivery((select id from t where name = 'a'), (select id from t where name = 'd_hook'), 'w1', 'timeout')),
  'the second retry waits twice as long: between 10 and 20 seconds');
select tests.clear_authentication();
update events.event_deliveries set next_attempt_at = now() where id = (select id from t where name = 'd_hook');
select tests.authenticate_as_service_role();
select is((select attempts from events.claim_deliveries('w1', 1, array['webhook'])), 3, 'the last attempt is claimed');
select results_eq(
  format($$select status, attempts, completed_at, last_error, locked_by from events.fail_delivery(%L, %L, 'w1', 'HTTP 500')$$,
         (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  $$values ('dead_letter', 3, now(), 'HTTP 500', null::text)$$,
  'after max_attempts the delivery is dead-lettered with its last error kept');
select results_eq(
  $$select step, level from events.event_processing_logs
     where delivery_id = (select id from t where name = 'd_hook') order by logged_at, id desc limit 1$$,
  $$values ('dead_lettered', 'error')$$,
  'dead-lettering is logged as an error');
select is((select count(*)::integer from events.claim_deliveries('w1', 10, array['webhook'])), 0, 'a dead-lettered delivery is never claimed');
select throws_ok(
  format($$select events.fail_delivery(%L, %L, 'w1', 'again')$$, (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  '55000', format('event delivery %s is not leased by worker "w1" (status dead_letter, leased by nobody)', (select id from t where name = 'd_hook')),
  'a finished delivery cannot fail again');

-- complete_delivery -----------------------------------------------------------------------------------------------
select throws_ok(
  format($$select events.complete_delivery(%L, %L, 'w1', '[200]')$$, (select id from t where name = 'a'), (select id from t where name = 'd_queue')),
  '22023', 'response must be a JSON object, got array', 'a response that is not an object raises 22023');
select results_eq(
  format($$select status, completed_at, response, locked_by, locked_until from events.complete_delivery(%L, %L, 'w1', '{"status": 202}')$$,
         (select id from t where name = 'a'), (select id from t where name = 'd_queue')),
  $$values ('succeeded', now(), '{"status": 202}'::jsonb, null::text, null::timestamptz)$$,
  'complete marks the delivery succeeded, keeps the response and releases the lease');
select results_eq(
  $$select step, worker_id from events.event_processing_logs where delivery_id = (select id from t where name = 'd_queue')$$,
  $$values ('delivered', 'w1')$$,
  'a delivery is logged');
select throws_ok(
  format($$select events.complete_delivery(%L, %L, 'w1')$$, (select id from t where name = 'a'), (select id from t where name = 'd_queue')),
  '55000', format('event delivery %s is not leased by worker "w1" (status succeeded, leased by nobody)', (select id from t where name = 'd_queue')),
  'a delivery cannot be completed twice');

-- Not retryable: dead-letter at once.
insert into t select 'e3', events.ingest_event((select id from t where name = 'a'), 'github', 'push', '{"ref": "x", "repository": {}}');
select is(events.process_pending_events(), 1, 'a third event is routed');
select tests.clear_authentication();
update t set id = (select d.id from events.event_deliveries as d
                    where d.event_id = (select id from t where name = 'e3') and d.target_kind = 'webhook')
 where name = 'd_hook';
select tests.authenticate_as_service_role();
select is((select id from events.claim_deliveries('w4', 1, array['webhook'])), (select id from t where name = 'd_hook'), 'its webhook delivery is claimed');
select throws_ok(
  format($$select events.fail_delivery(%L, %L, 'w4', '  ')$$, (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  '22023', 'error must describe the failure (a non-empty text)', 'a blank error raises 22023');
select throws_ok(
  format($$select events.fail_delivery(%L, %L, 'w4', 'HTTP 410', retryable => null)$$, (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  '22023', 'retryable must be true or false', 'a NULL retryable raises 22023');
select throws_ok(
  format($$select events.fail_delivery(%L, %L, 'w4', 'HTTP 410', response => '"gone"')$$, (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  '22023', 'response must be a JSON object, got string', 'a failure response that is not an object raises 22023');
select results_eq(
  format($$select status, attempts from events.fail_delivery(%L, %L, 'w4', 'HTTP 410 Gone', retryable => false)$$,
         (select id from t where name = 'a'), (select id from t where name = 'd_hook')),
  $$values ('dead_letter', 1)$$,
  'a failure that is not retryable dead-letters at once, whatever attempts remain');

-- Lease recovery ------------------------------------------------------------------------------------------------------
select is((select count(*)::integer from events.claim_deliveries('crashed', 1, array['queue'])), 1, 'a worker leases the queue delivery and then crashes');
select tests.clear_authentication();
update t set id = (select d.id from events.event_deliveries as d where d.locked_by = 'crashed') where name = 'd_queue';
update events.event_deliveries set locked_until = now() - interval '1 second' where id = (select id from t where name = 'd_queue');
select tests.authenticate_as_service_role();
select is(events.recover_expired_deliveries(), 1, 'recover_expired_deliveries finds the expired lease');
select results_eq(
  $$select status, attempts, next_attempt_at, locked_by, locked_until, last_error
      from events.event_deliveries where id = (select id from t where name = 'd_queue')$$,
  format($$values ('pending', 1, now(), null::text, null::timestamptz, 'lease of worker "crashed" expired at %s')$$,
         now() - interval '1 second'),
  'the delivery is back in the queue at once, its attempt counted and the expiry recorded');
select results_eq(
  $$select step, level, worker_id from events.event_processing_logs where delivery_id = (select id from t where name = 'd_queue')$$,
  $$values ('lease_expired', 'warning', 'crashed')$$,
  'the expiry is logged against the worker');
select throws_ok(
  format($$select events.complete_delivery(%L, %L, 'crashed')$$, (select id from t where name = 'a'), (select id from t where name = 'd_queue')),
  '55000', format('event delivery %s is not leased by worker "crashed" (status pending, leased by nobody)', (select id from t where name = 'd_queue')),
  'the crashed worker can no longer complete it');
select is((select attempts from events.claim_deliveries('w5', 1, array['queue'])), 2, 'another worker claims it: attempt 2');
select tests.clear_authentication();
update events.event_deliveries set locked_until = now() - interval '1 second', max_attempts = 2
 where id = (select id from t where name = 'd_queue');
select tests.authenticate_as_service_role();
select is(events.recover_expired_deliveries(), 1, 'an expired lease on the last attempt is recovered too');
select is((select status from events.event_deliveries where id = (select id from t where name = 'd_queue')), 'dead_letter',
  'with no attempt left it is dead-lettered');
select is(events.recover_expired_deliveries(), 0, 'nothing expired, nothing recovered');

-- Status rules ----------------------------------------------------------------------------------------------------------
select throws_ok(
  $$update events.event_deliveries set status = 'succeeded' where id = (select id from t where name = 'd_b')$$,
  '55000', 'invalid status transition for events.event_deliveries.status: "pending" -> "succeeded"',
  'a delivery cannot succeed without being leased');
select throws_ok(
  $$update events.event_deliveries set status = 'leased' where id = (select id from t where name = 'd_b')$$,
  '23514', null,
  'a leased delivery must name its worker and lease end');

select * from finish();
rollback;
