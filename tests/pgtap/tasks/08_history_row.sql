-- The task history row is built in one place (tasks/record_history): one function body in the
-- database inserts into tasks.task_history, and every way a task ends writes exactly one row there,
-- equal to the task as it left the queue except for its final status, no lease, finished_at and
-- updated_at now, and the outcome (result, error, cancellation reason and cause).
begin;
select plan(14);

select is(
  (select array_agg(p.oid::regprocedure::text order by 1) from pg_catalog.pg_proc as p
    where p.prosrc ~* 'insert\s+into\s+tasks\.task_history\M'),
  array['internal.tasks_move_to_history(uuid,uuid[],text,text,jsonb[],text,text[],uuid[],boolean,boolean,boolean)'],
  'one function body in the database inserts into tasks.task_history: internal.tasks_move_to_history');

select organization_id as org, member_id as member from tests.create_tenant('th-history') \gset
insert into tasks.task_definitions (organization_id, name, queue_name, default_priority, max_attempts, backoff_base, backoff_cap, lease_duration)
values (:'org', 'hist', 'q-hist', 0, 2, interval '10 seconds', interval '60 seconds', interval '30 seconds'),
       (:'org', 'hist-once', 'q-hist', 0, 1, interval '10 seconds', interval '60 seconds', interval '30 seconds');
insert into tasks.workflows (organization_id, name, execution_mode) values (:'org', 'hist-flow', 'parallel')
returning id as flow \gset

-- The queue rows as they were just before the step that ends them, and the history rows after it,
-- both as JSON without finished_at and updated_at (checked to be now() instead).
create temporary table snap (id uuid primary key, row jsonb not null);
create function pg_temp.take(p_ids uuid[]) returns void language sql as $$
  insert into snap select t.id, to_jsonb(t) from tasks.tasks as t where t.id = any (p_ids)
$$;
create function pg_temp.history_of(p_id uuid) returns jsonb language sql as $$
  select jsonb_agg(to_jsonb(h) - array['finished_at', 'updated_at']
                   || jsonb_build_object('finished_now', h.finished_at = now() and h.updated_at = now()))
    from tasks.task_history as h where h.id = p_id
$$;
create function pg_temp.expected(p_id uuid, p_outcome jsonb) returns jsonb language sql as $$
  select jsonb_build_array(s.row - array['finished_at', 'updated_at']
                           || jsonb_build_object('locked_until', null, 'finished_now', true) || p_outcome)
    from snap as s where s.id = p_id
$$;

-- complete_task, a task outside any workflow (the hot path) ---------------------------------------
select id as a from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist', payload => '{"n": 1}',
                                       idempotency_key => 'hist-a') \gset
select count(*) from tasks.claim_tasks(worker_id => 'w1', max_tasks => 1, queue_names => array['q-hist']);
select pg_temp.take(array[:'a'::uuid]);
-- Only the lease holder ends a task: no other worker, and no NULL worker.
select throws_ok(format('select tasks.complete_task(%L, %L, %L)', :'org', :'a', 'w9'), '55000', null,
                 'complete_task by a worker that does not hold the lease is refused (55000)');
select throws_ok(format('select tasks.complete_task(%L, %L, null)', :'org', :'a'), '55000', null,
                 'complete_task with a NULL worker is refused (55000)');
select throws_ok(format('select tasks.fail_task(%L, %L, null, %L, false)', :'org', :'a', 'boom'), '55000', null,
                 'fail_task with a NULL worker is refused (55000)');
select results_eq(format('select status, worker_id from tasks.tasks where id = %L', :'a'),
                  $$values ('running'::text, 'w1'::text)$$,
                  'and the task still runs under its lease holder');
select count(*) from tasks.complete_task(organization_id => :'org', task_id => :'a', worker_id => 'w1', result => '{"ok": true}');
select is(pg_temp.history_of(:'a'), pg_temp.expected(:'a', '{"status": "succeeded", "result": {"ok": true}}'),
          'complete_task writes one history row: the running task, succeeded, with its result');

-- complete_tasks, a batch -------------------------------------------------------------------------
select id as b1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist', payload => '{"n": 2}') \gset
select id as b2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist', payload => '{"n": 3}') \gset
select count(*) from tasks.claim_tasks(worker_id => 'w2', max_tasks => 2, queue_names => array['q-hist']);
select pg_temp.take(array[:'b1', :'b2']::uuid[]);
select count(*) from tasks.complete_tasks(worker_id => 'w2', task_ids => array[:'b1', :'b2']::uuid[],
                                          results => array['{"i": 1}', '{"i": 2}']::jsonb[]);
select is(pg_temp.history_of(:'b1'), pg_temp.expected(:'b1', '{"status": "succeeded", "result": {"i": 1}}'),
          'complete_tasks writes one history row per task, the first with its own result');
select is(pg_temp.history_of(:'b2'), pg_temp.expected(:'b2', '{"status": "succeeded", "result": {"i": 2}}'),
          'and the second with its own result');

-- complete_task of a workflow's task (internal.tasks_finish) ------------------------------------
select id as c from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist', workflow_id => :'flow') \gset
select count(*) from tasks.claim_tasks(worker_id => 'w3', max_tasks => 1, queue_names => array['q-hist']);
select pg_temp.take(array[:'c'::uuid]);
select count(*) from tasks.complete_task(organization_id => :'org', task_id => :'c', worker_id => 'w3', result => '{"wf": 1}');
select is(pg_temp.history_of(:'c'), pg_temp.expected(:'c', '{"status": "succeeded", "result": {"wf": 1}}'),
          'completing a workflow''s task writes one history row, succeeded, with its result');

-- fail_task: a retry writes nothing, the last attempt writes the failure and cancels dependants --
select id as d from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist') \gset
select id as e from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist', depends_on => array[:'d'::uuid]) \gset
select count(*) from tasks.claim_tasks(worker_id => 'w4', max_tasks => 1, queue_names => array['q-hist']);
select count(*) from tasks.fail_task(organization_id => :'org', task_id => :'d', worker_id => 'w4', error => 'boom 1');
select is((select count(*)::int from tasks.task_history where id = :'d'), 0,
          'a failure with attempts left writes no history row (the task is scheduled again)');
update tasks.tasks set scheduled_at = now() - interval '1 second', updated_at = now() where id = :'d';
select count(*) from tasks.claim_tasks(worker_id => 'w4', max_tasks => 1, queue_names => array['q-hist']);
select pg_temp.take(array[:'d', :'e']::uuid[]);
select count(*) from tasks.fail_task(organization_id => :'org', task_id => :'d', worker_id => 'w4', error => 'boom 2');
select is(pg_temp.history_of(:'d'), pg_temp.expected(:'d', '{"status": "failed", "last_error": "boom 2"}'),
          'the last failed attempt writes one history row, failed, with the error');
select is(pg_temp.history_of(:'e'),
          pg_temp.expected(:'e', jsonb_build_object('status', 'cancelled', 'cancellation_reason', format('dependency %s failed', :'d'),
                                                    'cause_task_id', :'d')),
          'its dependant is written cancelled, with the failed dependency as reason and cause');

-- cancel_task ----------------------------------------------------------------------------------------
select id as f from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist') \gset
select pg_temp.take(array[:'f'::uuid]);
select tests.authenticate_as(:'member');
select count(*) from tasks.cancel_task(organization_id => :'org', task_id => :'f', reason => 'not needed');
select tests.clear_authentication();
select is(pg_temp.history_of(:'f'), pg_temp.expected(:'f', '{"status": "cancelled", "cancellation_reason": "not needed"}'),
          'cancel_task writes one history row, cancelled, with the reason and no cause');

-- lease expiry on the last attempt (recover_expired_leases) ----------------------------------------
select id as g from tasks.enqueue_task(organization_id => :'org', definition_name => 'hist-once') \gset
select count(*) from tasks.claim_tasks(worker_id => 'crashed', max_tasks => 1, queue_names => array['q-hist']);
update tasks.tasks set locked_until = now() - interval '1 second', updated_at = now() where id = :'g';
select pg_temp.take(array[:'g'::uuid]);
select format('lease expired on the last attempt: worker %s did not complete the task or heartbeat before %s',
              t.worker_id, t.locked_until) as g_error
  from tasks.tasks as t where t.id = :'g' \gset
select tasks.recover_expired_leases();
select is(pg_temp.history_of(:'g'), pg_temp.expected(:'g', jsonb_build_object('status', 'failed', 'last_error', :'g_error')),
          'an expired last attempt writes one history row, failed, with the lease error');

select * from finish();
rollback;
