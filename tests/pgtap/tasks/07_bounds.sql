-- Size bounds of the text the task functions store (issue 10, hardening). tasks.tasks carries few
-- CHECKs (each is planned again for every statement on the hot queue), so the functions that write
-- its text columns check the size themselves and refuse an oversized value with 22023 before
-- writing anything; task_history, written once per task, checks the same limits as table CHECKs,
-- so a value that reached the queue by a direct write cannot go further. The one value kept
-- truncated is a worker's error (fail_task keeps its first 10000 characters, documented).
begin;
select plan(29);

select organization_id as org, member_id as member from tests.create_tenant('tq-bounds') \gset
insert into tasks.task_definitions (organization_id, name, queue_name, max_attempts, backoff_base, backoff_cap)
values (:'org', 'job', 'q-bounds', 3, interval '0', interval '0');
-- The task_history partition a task finished now goes to (its name is in the CHECK messages).
select split_part(partition_name, '.', 2) as part
  from base.partitions
 where parent_table = 'tasks.task_history' and lower_bound <= now() and upper_bound > now() \gset

-- enqueue_task: idempotency_key is 1 to 200 characters ------------------------------------------
select tests.authenticate_as(:'member');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job', idempotency_key => repeat('k', 201))$$, :'org'),
                 '22023', 'idempotency_key must be 1 to 200 characters',
                 'an idempotency key of 201 characters raises 22023');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job', idempotency_key => repeat('k', 1000000))$$, :'org'),
                 '22023', 'idempotency_key must be 1 to 200 characters',
                 'an idempotency key of a million characters raises 22023');
select is((select count(*)::int from tasks.tasks where organization_id = :'org')
          + (select count(*)::int from tasks.task_idempotency_keys where organization_id = :'org'), 0,
          'a refused key writes neither a task nor a key');
select id as k200, length(idempotency_key) as k200_length
  from tasks.enqueue_task(organization_id => :'org', definition_name => 'job', idempotency_key => repeat('k', 200)) \gset
select is(:k200_length, 200, 'a key of exactly 200 characters is accepted whole');
select is((select length(idempotency_key) from tasks.cancel_task(organization_id => :'org', task_id => :'k200')), 200,
          'and reaches the history whole');

-- cancel_task: reason is 1 to 10000 characters --------------------------------------------------
select id as t1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'job') \gset
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L, reason => repeat('r', 10001))$$, :'org', :'t1'),
                 '22023', 'reason must be 1 to 10000 characters',
                 'cancel_task refuses a reason of 10001 characters with 22023');
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L, reason => repeat('r', 1000000))$$, :'org', :'t1'),
                 '22023', 'reason must be 1 to 10000 characters',
                 'cancel_task refuses a reason of a million characters with 22023');
select is((select status from tasks.tasks where id = :'t1') || ' / '
          || (select count(*) from tasks.task_history where id = :'t1'), 'pending / 0',
          'the task stays queued and nothing reaches the history');
select is((select length(cancellation_reason) from tasks.cancel_task(organization_id => :'org', task_id => :'t1', reason => repeat('r', 10000))),
          10000, 'a reason of exactly 10000 characters is kept whole');

-- cancel_workflow: the same limit; each task keeps the whole reason after its prefix ------------
insert into tasks.workflows (organization_id, name, execution_mode) values (:'org', 'wf', 'parallel') returning id as wf \gset
select count(*) as n from tasks.enqueue_tasks(organization_id => :'org', definition_name => 'job', workflow_id => :'wf',
                                               payloads => array['{}', '{}']::jsonb[]) \gset
select throws_ok(format($$select tasks.cancel_workflow(organization_id => %L, workflow_id => %L, reason => repeat('r', 10001))$$, :'org', :'wf'),
                 '22023', 'reason must be 1 to 10000 characters',
                 'cancel_workflow refuses a reason of 10001 characters with 22023');
select is((select status from tasks.workflows where id = :'wf') || ' / '
          || (select count(*) from tasks.tasks where workflow_id = :'wf') || ' / '
          || (select count(*) from tasks.task_history where workflow_id = :'wf'), 'pending / 2 / 0',
          'the workflow and its tasks are left as they were');
select is(length(cancellation_reason), 10000, 'cancel_workflow keeps a reason of 10000 characters whole')
  from tasks.cancel_workflow(organization_id => :'org', workflow_id => :'wf', reason => repeat('r', 10000));
select is((select array_agg(distinct cancellation_reason = format('workflow %s cancelled: %s', :'wf', repeat('r', 10000)))
             from tasks.task_history where workflow_id = :'wf'),
          array[true], 'each of its tasks records the prefix and the whole reason, not a truncated one');

-- claim_tasks: worker_id is 1 to 200 characters -------------------------------------------------
select tests.authenticate_as_service_role();
select id as t2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'job') \gset
select throws_ok($$select tasks.claim_tasks(worker_id => repeat('w', 201), queue_names => array['q-bounds'])$$,
                 '22023', 'worker_id must be 1 to 200 characters',
                 'claim_tasks refuses a worker_id of 201 characters with 22023');
select is((select status || ' / ' || attempts || ' / ' || coalesce(worker_id, 'none') from tasks.tasks where id = :'t2'),
          'pending / 0 / none', 'no task was claimed');

-- fail_task: the documented cap ------------------------------------------------------------------
select 1 as done from tasks.claim_tasks(worker_id => 'w1', queue_names => array['q-bounds']) \gset
select is((select length(last_error) || ' / ' || (last_error = repeat('e', 10000))
             from tasks.fail_task(organization_id => :'org', task_id => :'t2', worker_id => 'w1', error => repeat('e', 20000))),
          '10000 / true', 'fail_task keeps the first 10000 characters of a worker''s error (the documented cap)');
select throws_ok(format($$select tasks.fail_task(organization_id => %L, task_id => %L, worker_id => 'w1', error => '')$$, :'org', :'t2'),
                 '22023', 'error must describe the failure (a non-empty text)', 'an empty error raises 22023');

-- task_history refuses what a direct write put in the queue --------------------------------------
-- service_role may write tasks.tasks directly; the history's CHECKs stop an oversized value there.
select 1 as done from tasks.claim_tasks(worker_id => 'w2', queue_names => array['q-bounds']) \gset
update tasks.tasks set last_error = repeat('e', 10001), updated_at = now() where id = :'t2';
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'w2')$$, :'org', :'t2'),
                 '23514', format('new row for relation "%s" violates check constraint "task_history_last_error_check"', :'part'),
                 'a last_error over 10000 characters cannot reach the history (23514)');
select is((select status from tasks.tasks where id = :'t2') || ' / ' || (select count(*) from tasks.task_history where id = :'t2'),
          'running / 0', 'the task stays running and nothing is written to the history');

update tasks.tasks set last_error = null, worker_id = repeat('w', 201), updated_at = now() where id = :'t2';
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => repeat('w', 201))$$, :'org', :'t2'),
                 '23514', format('new row for relation "%s" violates check constraint "task_history_worker_id_check"', :'part'),
                 'a worker_id over 200 characters cannot reach the history (23514)');
select is((select count(*)::int from tasks.task_history where id = :'t2'), 0, 'nothing is written to the history');

select id as t3 from tasks.enqueue_task(organization_id => :'org', definition_name => 'job') \gset
update tasks.tasks set idempotency_key = repeat('k', 201), updated_at = now() where id = :'t3';
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org', :'t3'),
                 '23514', format('new row for relation "%s" violates check constraint "task_history_idempotency_key_check"', :'part'),
                 'an idempotency_key over 200 characters cannot reach the history (23514)');
update tasks.tasks set idempotency_key = null, queue_name = repeat('q', 101), updated_at = now() where id = :'t3';
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org', :'t3'),
                 '23514', format('new row for relation "%s" violates check constraint "task_history_queue_name_check"', :'part'),
                 'a queue_name over 100 characters cannot reach the history (23514)');
select is((select status from tasks.tasks where id = :'t3') || ' / ' || (select count(*) from tasks.task_history where id = :'t3'),
          'pending / 0', 'the task stays queued and nothing is written to the history');

-- internal.tasks_cancel_cascade (service_role) no longer truncates: an oversized reason is refused.
select throws_ok(format($$select count(*) from internal.tasks_cancel_cascade(%L, array[%L]::uuid[], true, repeat('r', 10101), null, 'cancelled')$$,
                        :'org', :'t3'),
                 '23514', format('new row for relation "%s" violates check constraint "task_history_cancellation_reason_check"', :'part'),
                 'a cancellation reason over the bound is refused (23514), not truncated');
select is((select status from tasks.tasks where id = :'t3'), 'pending', 'the task stays queued');

-- The CHECKs hold on the partitioned parent, so every partition (present and future) has them.
select is((select array_agg(conname::text order by conname) from pg_constraint
            where conrelid = 'tasks.task_history'::regclass and conname in
                  ('task_history_queue_name_check', 'task_history_worker_id_check',
                   'task_history_idempotency_key_check', 'task_history_last_error_check',
                   'task_history_cancellation_reason_check')),
          array['task_history_cancellation_reason_check', 'task_history_idempotency_key_check',
                'task_history_last_error_check', 'task_history_queue_name_check', 'task_history_worker_id_check'],
          'task_history bounds its five text columns with named CHECKs');
select is((select count(*)::int from pg_inherits as i
             join pg_constraint as k on k.conrelid = i.inhrelid and k.conname = 'task_history_last_error_check'
            where i.inhparent = 'tasks.task_history'::regclass),
          (select count(*)::int from pg_inherits where inhparent = 'tasks.task_history'::regclass),
          'every partition of task_history carries them');
select is((select count(*)::int from pg_constraint where conrelid = 'tasks.tasks'::regclass and contype = 'c'), 3,
          'tasks.tasks keeps its three CHECKs only (sizes are checked by the functions that write it)');

select * from finish();
rollback;
