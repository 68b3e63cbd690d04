-- The work queue: enqueue, claim, heartbeat, complete, fail (backoff), cancel, promotion of due
-- work, lease recovery, status transitions and every error code of the worker API.
begin;
select plan(72);

select organization_id as org, member_id as member from tests.create_tenant('tq-queue') \gset
select organization_id as other_org from tests.create_tenant('tq-queue-other') \gset

insert into tasks.task_definitions (organization_id, name, queue_name, default_priority, max_attempts, backoff_base, backoff_cap, lease_duration)
values (:'org', 'build', 'q-build', 5, 3, interval '10 seconds', interval '60 seconds', interval '30 seconds'),
       (:'org', 'once', 'q-once', 0, 1, interval '1 second', interval '1 second', interval '1 minute'),
       (:'org', 'instant', 'q-instant', 0, 3, interval '0', interval '0', interval '1 minute'),
       (:'org', 'retired', 'q-build', 0, 3, interval '1 second', interval '1 hour', interval '1 minute');
update tasks.task_definitions set is_active = false where organization_id = :'org' and name = 'retired';

-- enqueue ---------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select id as t1, status, queue_name, priority, max_attempts, lease_duration, enqueued_by
  from tasks.enqueue_task(organization_id => :'org', definition_name => 'build', payload => '{"n": 1}') \gset
select is(:'status'::text, 'pending', 'a task ready now is enqueued pending');
select is(:'queue_name'::text, 'q-build', 'it goes to its definition''s queue');
select is(:'priority'::text, '5', 'it takes the definition''s default priority');
select is(:'max_attempts' || ' ' || :'lease_duration', '3 00:00:30'::text, 'it copies the definition''s attempts and lease');
select is(:'enqueued_by'::text, :'member', 'enqueued_by is the calling user');

select id as t2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'build', payload => '{"n": 2}', priority => 9) \gset
select id as t3 from tasks.enqueue_task(organization_id => :'org', definition_name => 'build', payload => '{"n": 3}',
                                        scheduled_at => now() + interval '1 hour') \gset
select is((select status from tasks.tasks where id = :'t3'), 'scheduled', 'a task due later is scheduled, out of the claim index');
select is((select priority from tasks.tasks where id = :'t2'), 9, 'an explicit priority wins over the default');

select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'nope')$$, :'org'),
                 'P0002', format('task definition "nope" not found in organization %s', :'org'),
                 'an unknown definition raises P0002');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'retired')$$, :'org'),
                 '55000', 'task definition "retired" is inactive: only active definitions accept new tasks',
                 'an inactive definition raises 55000');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'build', payload => '[1]')$$, :'org'),
                 '22023', 'payload must be a JSON object, not array', 'a non-object payload raises 22023');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'build', priority => 5000)$$, :'org'),
                 '22023', 'priority 5000 is out of range: allowed -1000 to 1000', 'an out-of-range priority raises 22023');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'build', depends_on => array[null]::uuid[])$$, :'org'),
                 '22023', 'depends_on must not contain NULL', 'a NULL dependency raises 22023');

-- idempotency
select id as k1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'once', idempotency_key => 'order-42') \gset
select is((select id from tasks.enqueue_task(organization_id => :'org', definition_name => 'once', idempotency_key => 'order-42',
                                             payload => '{"different": true}')),
          :'k1'::uuid, 'a repeated idempotency key returns the existing task');
select is((select count(*)::int from tasks.tasks where organization_id = :'org' and idempotency_key = 'order-42'), 1,
          'and creates no second task');
select isnt((select id from tasks.enqueue_task(organization_id => :'org', definition_name => 'once', idempotency_key => 'order-43')),
            :'k1'::uuid, 'another key makes another task');

-- batched enqueue
select is((select array_agg(t.payload ->> 'i' order by t.id)
             from tasks.enqueue_tasks(organization_id => :'org', definition_name => 'instant',
                                      payloads => array['{"i": "a"}', '{"i": "b"}', '{"i": "c"}']::jsonb[]) as t),
          array['a', 'b', 'c'], 'enqueue_tasks makes one task per payload, in order');
select throws_ok(format($$select tasks.enqueue_tasks(organization_id => %L, definition_name => 'instant', payloads => array['1']::jsonb[])$$, :'org'),
                 '22023', 'every payload must be a JSON object', 'enqueue_tasks refuses a non-object payload');
select throws_ok(format($$select tasks.enqueue_tasks(organization_id => %L, definition_name => 'instant', payloads => '{}')$$, :'org'),
                 '22023', 'payloads must hold 1 to 10000 JSON objects', 'enqueue_tasks refuses an empty batch');
select throws_ok($$delete from tasks.tasks where queue_name = 'q-instant'$$, '42501', 'permission denied for table tasks',
                 'users cannot delete queued tasks');

-- claim -----------------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select throws_ok($$select tasks.claim_tasks(worker_id => 'w', max_tasks => 0)$$, '22023',
                 'max_tasks 0 is out of range: allowed 1 to 1000', 'max_tasks must be 1 to 1000');
select throws_ok($$select tasks.claim_tasks(worker_id => '')$$, '22023', 'worker_id must be 1 to 200 characters',
                 'worker_id must not be empty');
select throws_ok($$select tasks.claim_tasks(worker_id => 'w', queue_names => '{}')$$, '22023',
                 'queue_names must be NULL (every queue) or a list of 1 to 100 queue names', 'queue_names must not be empty');

select is((select array_agg(c.id order by c.priority desc, c.scheduled_at) from tasks.claim_tasks(worker_id => 'w1', max_tasks => 5, queue_names => array['q-build']) as c),
          array[:'t2', :'t1']::uuid[], 'claim takes ready tasks of the queue by priority, never the scheduled one');
select is(status || ' ' || worker_id || ' ' || attempts, 'running w1 1', 'a claimed task is running, leased to the worker, attempt 1')
  from tasks.tasks where id = :'t1';
select is(locked_until, now() + interval '30 seconds', 'the lease lasts the definition''s lease_duration')
  from tasks.tasks where id = :'t1';
select is((select count(*)::int from tasks.claim_tasks(worker_id => 'w2', queue_names => array['q-build'])), 0,
          'a claimed task is never handed out again');
select is((select count(*)::int from tasks.claim_tasks(worker_id => 'w2', max_tasks => 2, queue_names => array['q-instant', 'q-once'])), 2,
          'a claim reads several queues and stops at max_tasks');

-- the original design's ready-to-run query agrees with the queue
select is((select count(*)::int from tasks.tasks as t
            where t.status = 'pending' and t.scheduled_at <= now() and tasks.are_task_dependencies_satisfied(t.id)),
          (select count(*)::int from tasks.tasks as t where t.status = 'pending'),
          'every pending task passes the original ready-to-run query');

-- heartbeat -------------------------------------------------------------------------------------
update tasks.tasks set locked_until = now() - interval '1 second', updated_at = now() where id = :'t1';
select is(tasks.heartbeat_task(organization_id => :'org', task_id => :'t1', worker_id => 'w1'), now() + interval '30 seconds',
          'a heartbeat extends the lease by lease_duration and returns it');
select is((select n_tup_hot_upd > 0 from pg_stat_xact_user_tables where relid = 'tasks.tasks'::regclass), true,
          'heartbeats are HOT updates');
select throws_ok(format($$select tasks.heartbeat_task(organization_id => %L, task_id => %L, worker_id => 'w9')$$, :'org', :'t1'),
                 '55000', format('task %s is leased to worker w1, not to worker w9', :'t1'),
                 'a heartbeat from another worker raises 55000');
select throws_ok(format($$select tasks.heartbeat_task(organization_id => %L, task_id => %L, worker_id => 'w1')$$, :'org', :'t3'),
                 '55000', format('task %s is scheduled, not running under worker w1', :'t3'),
                 'a heartbeat for a task not running raises 55000');
select throws_ok(format($$select tasks.heartbeat_task(organization_id => %L, task_id => %L, worker_id => 'w1')$$, :'other_org', :'t1'),
                 'P0002', format('task %s not found in organization %s', :'t1', :'other_org'),
                 'a task of another organization is not found (P0002)');

-- complete --------------------------------------------------------------------------------------
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'w1', result => '"x"')$$, :'org', :'t1'),
                 '22023', 'result must be a JSON object or NULL, not string', 'a non-object result raises 22023');
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'w2')$$, :'org', :'t1'),
                 '55000', format('task %s is leased to worker w1, not to worker w2', :'t1'),
                 'only the lease holder completes a task');
select is(status || ' ' || (result ->> 'artifact'), 'succeeded s3://a',
          'complete_task returns the task succeeded with its result')
  from tasks.complete_task(organization_id => :'org', task_id => :'t1', worker_id => 'w1', result => '{"artifact": "s3://a"}');
select is((select count(*)::int from tasks.tasks where id = :'t1'), 0, 'a finished task leaves the queue');
select is((select status || ' ' || worker_id from tasks.task_history where id = :'t1'), 'succeeded w1',
          'and is kept in task_history with its worker');
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'w1')$$, :'org', :'t1'),
                 '55000', format('task %s is succeeded, not running under worker w1', :'t1'),
                 'completing a finished task raises 55000');
select is((select id from tasks.enqueue_task(organization_id => :'org', definition_name => 'build', idempotency_key => 'order-42')),
          :'k1'::uuid, 'an idempotency key keeps returning its task, queued or finished');

-- complete_tasks (batched)
select id as b1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'once', payload => '{"b": 1}') \gset
select id as b2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'once', payload => '{"b": 2}') \gset
update tasks.tasks set status = 'running', worker_id = 'wb', locked_until = now() + interval '1 minute', attempts = 1, updated_at = now()
 where id = :'b1';
update tasks.tasks set status = 'running', worker_id = 'other', locked_until = now() + interval '1 minute', attempts = 1, updated_at = now()
 where id = :'b2';
select is((select array_agg(c.id::text || ' ' || c.status || ' ' || (c.result ->> 'r'))
             from tasks.complete_tasks(worker_id => 'wb', task_ids => array[:'b1', :'b2']::uuid[], results => array['{"r": "one"}', '{"r": "two"}']::jsonb[]) as c),
          array[:'b1' || ' succeeded one'], 'complete_tasks completes the worker''s tasks with their results and leaves out the others');
select throws_ok($$select tasks.complete_tasks(worker_id => 'wb', task_ids => array[gen_random_uuid()], results => array['{}', '{}']::jsonb[])$$,
                 '22023', 'results must be NULL or hold one JSON object (or NULL) per task id',
                 'complete_tasks needs one result per id');

-- fail and retry with backoff -------------------------------------------------------------------
select claim.id as t4 from tasks.enqueue_task(organization_id => :'org', definition_name => 'build', payload => '{"n": 4}') as e,
       lateral (select c.id from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-build']) as c) as claim \gset
select throws_ok(format($$select tasks.fail_task(organization_id => %L, task_id => %L, worker_id => 'w1', error => '')$$, :'org', :'t4'),
                 '22023', 'error must describe the failure (a non-empty text)', 'fail_task needs an error text');
select status || ' ' || last_error || ' ' || coalesce(worker_id, '-') as failed1,
       scheduled_at between now() + interval '5 seconds' and now() + interval '10 seconds' as in_window
  from tasks.fail_task(organization_id => :'org', task_id => :'t4', worker_id => 'w1', error => 'disk full') \gset
select is(:'failed1'::text, 'scheduled disk full -', 'a failed attempt with attempts left is scheduled for retry, its error kept, the lease dropped');
select ok(:'in_window'::boolean, 'retry 1 waits between half and all of backoff_base (5 to 10 seconds)');
select throws_ok(format($$select tasks.fail_task(organization_id => %L, task_id => %L, worker_id => 'w1', error => 'again')$$, :'org', :'t4'),
                 '55000', format('task %s is scheduled, not running under worker w1', :'t4'),
                 'failing a task that is not running raises 55000');
-- attempt 2 and 3: bring the retry forward, claim it, fail it
update tasks.tasks set scheduled_at = now() - interval '1 second', updated_at = now() where id = :'t4';
select is((select count(*)::int from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-build'])), 1,
          'a due retry is promoted and claimed by the next claim');
select ok(scheduled_at between now() + interval '10 seconds' and now() + interval '20 seconds',
          'retry 2 waits between 10 and 20 seconds (backoff doubled)')
  from tasks.fail_task(organization_id => :'org', task_id => :'t4', worker_id => 'w1', error => 'disk full again');
update tasks.tasks set scheduled_at = now() - interval '1 second', updated_at = now() where id = :'t4';
select is(tasks.promote_due_tasks(), 1, 'promote_due_tasks makes due scheduled tasks pending and counts them');
select is((select status from tasks.tasks where id = :'t4'), 'pending', 'the promoted task is pending');
select is((select attempts from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-build'])), 3, 'the third claim is attempt 3');
select is(status || ' ' || last_error, 'failed out of memory', 'after the last attempt the task ends failed with its last error')
  from tasks.fail_task(organization_id => :'org', task_id => :'t4', worker_id => 'w1', error => 'out of memory');
select is((select status || ' ' || attempts from tasks.task_history where id = :'t4'), 'failed 3', 'the failed task is in the history');

select claim.id as t5 from tasks.enqueue_task(organization_id => :'org', definition_name => 'build') as e,
       lateral (select c.id from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-build']) as c) as claim \gset
select is(status, 'failed', 'a failure that is not retryable ends the task at once')
  from tasks.fail_task(organization_id => :'org', task_id => :'t5', worker_id => 'w1', error => 'bad input', retryable => false);
select claim.id as t6 from (select c.id from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-instant']) as c) as claim \gset
select is(status, 'pending', 'with a zero backoff the retry is claimable at once')
  from tasks.fail_task(organization_id => :'org', task_id => :'t6', worker_id => 'w1', error => 'flaky');

-- The backoff itself (base.retry_delay) is tested in tests/pgtap/base/10_retry_delay.sql.

-- cancel ----------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select is(status || ' ' || cancellation_reason, 'cancelled not needed', 'cancel_task cancels a queued task with its reason')
  from tasks.cancel_task(organization_id => :'org', task_id => :'t3', reason => 'not needed');
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org', :'t3'),
                 '55000', format('task %s is already cancelled: only blocked, scheduled, pending or running tasks can be cancelled', :'t3'),
                 'cancelling a finished task raises 55000');
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org', :'other_org'),
                 'P0002', format('task %s not found in organization %s', :'other_org', :'org'), 'cancelling an unknown task raises P0002');
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L, reason => '')$$, :'org', :'t2'),
                 '22023', 'reason must be 1 to 10000 characters', 'an empty reason raises 22023');
select is((select cancellation_reason from tasks.cancel_task(organization_id => :'org', task_id => :'t2')),
          'cancelled by user ' || :'member', 'without a reason, the cancellation names who cancelled');
select tests.authenticate_as_service_role();
select claim.id as t7 from tasks.enqueue_task(organization_id => :'org', definition_name => 'build') as e,
       lateral (select c.id from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-build']) as c) as claim \gset
select is((select status from tasks.cancel_task(organization_id => :'org', task_id => :'t7')), 'cancelled', 'a running task can be cancelled');
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'w1')$$, :'org', :'t7'),
                 '55000', format('task %s is cancelled, not running under worker w1', :'t7'),
                 'its worker learns it at completion (55000)');

-- lease recovery --------------------------------------------------------------------------------
select claim.id as t8 from tasks.enqueue_task(organization_id => :'org', definition_name => 'build') as e,
       lateral (select c.id from tasks.claim_tasks(worker_id => 'crashed', queue_names => array['q-build']) as c) as claim \gset
select claim.id as t9 from tasks.enqueue_task(organization_id => :'org', definition_name => 'once') as e,
       lateral (select c.id from tasks.claim_tasks(worker_id => 'crashed', queue_names => array['q-once']) as c) as claim \gset
select is(tasks.recover_expired_leases(), 0, 'leases still running are left alone');
update tasks.tasks set locked_until = now() - interval '1 second', updated_at = now() where id in (:'t8', :'t9');
select is(tasks.recover_expired_leases(), 2, 'recover_expired_leases counts the tasks it recovered');
select is((select status || ' ' || attempts || ' ' || coalesce(worker_id, '-') from tasks.tasks where id = :'t8'), 'pending 1 -',
          'an expired task with attempts left is pending again, the lost attempt counted');
select ok((select last_error like 'lease expired: worker crashed did not complete the task or heartbeat before %' from tasks.tasks where id = :'t8'),
          'its last_error says the lease expired');
select is((select status from tasks.task_history where id = :'t9'), 'failed', 'an expired last attempt ends the task failed');
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'crashed')$$, :'org', :'t8'),
                 '55000', format('task %s is pending, not running under worker crashed', :'t8'),
                 'the crashed worker cannot complete the recovered task');

-- transitions and invariants enforced by the tables -------------------------------------------
select tests.clear_authentication();
select throws_ok(format($$update tasks.tasks set status = 'scheduled', updated_at = now() where id = %L$$, :'t8'),
                 '55000', 'invalid status transition for tasks.tasks.status: "pending" -> "scheduled"', 'an illegal transition raises 55000');
select throws_ok(format($$update tasks.tasks set status = 'succeeded', updated_at = now() where id = %L$$, :'t8'),
                 '23514', null, 'a final status never appears in the queue (23514)');
select throws_ok(format($$update tasks.tasks set status = 'running', updated_at = now() where id = %L$$, :'t8'),
                 '23514', null, 'running without a lease violates tasks_lease_check (23514)');
select throws_ok(format($$update tasks.tasks set definition_id = gen_random_uuid() where id = %L$$, :'t8'),
                 '55000', format('task %s cannot change its organization, id, definition or workflow', :'t8'),
                 'a task never changes its definition (nor organization, id or workflow)');

select * from finish();
rollback;
