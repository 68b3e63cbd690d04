-- Row-level security and privileges, seen from each role: workers are service_role; members
-- enqueue, cancel and read their own organization's tasks; viewers only read; admins delete
-- definitions; anon gets nothing; nobody sees another tenant.
begin;
select plan(40);

select organization_id as org, owner_id as owner, admin_id as admin, member_id as member, viewer_id as viewer
  from tests.create_tenant('tq-rls-a') \gset
select organization_id as org_b, member_id as member_b from tests.create_tenant('tq-rls-b') \gset

-- Both tenants get definitions, a workflow, queued and finished tasks, an edge, logs and samples.
insert into tasks.task_definitions (organization_id, name, queue_name)
values (:'org', 'job', 'q-rls'), (:'org', 'spare', 'q-rls'), (:'org_b', 'job', 'q-rls');
insert into tasks.workflows (organization_id, name) values (:'org', 'wa'), (:'org_b', 'wb');
select id as a_done from tasks.enqueue_task(organization_id => :'org', definition_name => 'job') \gset
select id as b_done from tasks.enqueue_task(organization_id => :'org_b', definition_name => 'job') \gset
select count(*) as done from tasks.claim_tasks(worker_id => 'w', max_tasks => 2, queue_names => array['q-rls']) \gset
select 1 as done from tasks.complete_task(organization_id => :'org', task_id => :'a_done', worker_id => 'w') \gset
select 1 as done from tasks.complete_task(organization_id => :'org_b', task_id => :'b_done', worker_id => 'w') \gset
select id as a_queued from tasks.enqueue_task(organization_id => :'org', definition_name => 'job', idempotency_key => 'a-key') \gset
select id as a_blocked from tasks.enqueue_task(organization_id => :'org', definition_name => 'job', depends_on => array[:'a_queued']::uuid[]) \gset
select id as b_queued from tasks.enqueue_task(organization_id => :'org_b', definition_name => 'job', idempotency_key => 'b-key') \gset
select id as b_blocked from tasks.enqueue_task(organization_id => :'org_b', definition_name => 'job', depends_on => array[:'b_queued']::uuid[]) \gset
insert into tasks.task_execution_logs (organization_id, task_id, attempt, level, message, worker_id)
values (:'org', :'a_done', 1, 'info', 'started', 'w'), (:'org_b', :'b_done', 1, 'error', 'stack trace', 'w');
insert into tasks.task_resource_usage (organization_id, task_id, attempt, cpu_usage_percent, memory_bytes, duration_ms)
values (:'org', :'a_done', 1, 85.5, 1048576, 1200), (:'org_b', :'b_done', 1, 12, 2048, 30);

-- a member -------------------------------------------------------------------------------------
select tests.authenticate_as(:'member');
select is((select count(*)::int from tasks.task_definitions), 2, 'a member sees the organization''s definitions only');
select is((select count(*)::int from tasks.workflows), 1, 'a member sees the organization''s workflows only');
select is((select array_agg(id order by id) from tasks.tasks), array[:'a_queued', :'a_blocked']::uuid[], 'a member reads the organization''s queue only');
select is((select array_agg(id) from tasks.task_history), array[:'a_done']::uuid[], 'a member reads the organization''s history only');
select is((select count(*)::int from tasks.all_tasks), 3, 'all_tasks applies the caller''s RLS to both tables');
select is((select count(*)::int from tasks.task_dependencies), 1, 'a member reads the organization''s edges only');
select is((select array_agg(idempotency_key) from tasks.task_idempotency_keys), array['a-key'], 'a member reads the organization''s keys only');
select is((select array_agg(message) from tasks.task_execution_logs), array['started'], 'a member reads the organization''s logs only');
select is((select array_agg(cpu_usage_percent) from tasks.task_resource_usage), array[85.5], 'a member reads the organization''s samples only');
select is(tasks.are_task_dependencies_satisfied(:'b_blocked'), true, 'another tenant''s dependencies are invisible (as if none)');
select isnt((select id from tasks.enqueue_task(organization_id => :'org', definition_name => 'job')), null, 'a member enqueues in the organization');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job')$$, :'org_b'),
                 '42501', format('enqueuing a task in organization %s needs the member role or above (or service_role)', :'org_b'),
                 'a member cannot enqueue in another organization');
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org_b', :'b_queued'),
                 '42501', format('cancelling a task in organization %s needs the member role or above (or service_role)', :'org_b'),
                 'a member cannot cancel another organization''s task');
select lives_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org', :'a_blocked'),
                'a member cancels the organization''s task');
select lives_ok(format($$insert into tasks.task_definitions (organization_id, name) values (%L, 'member-made')$$, :'org'),
                'a member creates a definition');
select throws_ok(format($$insert into tasks.task_definitions (organization_id, name) values (%L, 'intruder')$$, :'org_b'),
                 '42501', 'new row violates row-level security policy for table "task_definitions"',
                 'a member cannot create a definition in another organization');
with changed as (update tasks.task_definitions set description = 'edited' where name = 'job' returning 1)
select is((select count(*)::int from changed), 1,
          'a member edits the organization''s definition (and not the other tenant''s)');
with changed as (delete from tasks.task_definitions where name = 'spare' returning 1)
select is((select count(*)::int from changed), 0,
          'a member cannot delete a definition (admins do)');
select throws_ok(format($$insert into tasks.tasks (organization_id, definition_id, queue_name, max_attempts, lease_duration, backoff_base, backoff_cap)
                          values (%L, gen_random_uuid(), 'q', 1, '1 minute', '1 second', '1 second')$$, :'org'),
                 '42501', 'permission denied for table tasks', 'a member cannot write the queue directly');
select throws_ok(format($$update tasks.tasks set priority = 1000 where id = %L$$, :'a_queued'),
                 '42501', 'permission denied for table tasks', 'a member cannot reprioritise a task directly');
select throws_ok(format($$insert into tasks.task_execution_logs (organization_id, task_id, attempt, message) values (%L, %L, 1, 'x')$$, :'org', :'a_done'),
                 '42501', 'permission denied for table task_execution_logs', 'logs are written by workers only');
select throws_ok($$select tasks.claim_tasks(worker_id => 'member')$$, '42501', 'permission denied for function claim_tasks',
                 'a member cannot claim work');
select throws_ok($$select tasks.recover_expired_leases()$$, '42501', 'permission denied for function recover_expired_leases',
                 'a member cannot run lease recovery');

-- a viewer -------------------------------------------------------------------------------------
select tests.authenticate_as(:'viewer');
select is((select count(*)::int from tasks.all_tasks), 4, 'a viewer reads the organization''s tasks');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job')$$, :'org'),
                 '42501', format('enqueuing a task in organization %s needs the member role or above (or service_role)', :'org'),
                 'a viewer cannot enqueue');
select throws_ok(format($$select tasks.enqueue_tasks(organization_id => %L, definition_name => 'job', payloads => array['{}']::jsonb[])$$, :'org'),
                 '42501', format('enqueuing tasks in organization %s needs the member role or above (or service_role)', :'org'),
                 'a viewer cannot enqueue a batch');
select throws_ok(format($$select tasks.cancel_task(organization_id => %L, task_id => %L)$$, :'org', :'a_queued'),
                 '42501', format('cancelling a task in organization %s needs the member role or above (or service_role)', :'org'),
                 'a viewer cannot cancel');
select throws_ok(format($$insert into tasks.workflows (organization_id, name) values (%L, 'v')$$, :'org'),
                 '42501', 'new row violates row-level security policy for table "workflows"', 'a viewer cannot create a workflow');

-- an admin -------------------------------------------------------------------------------------
select tests.authenticate_as(:'admin');
with changed as (delete from tasks.task_definitions where name = 'spare' returning 1)
select is((select count(*)::int from changed), 1,
          'an admin deletes a definition');

-- a member of the other tenant ------------------------------------------------------------------
select tests.authenticate_as(:'member_b');
select is((select count(*)::int from tasks.all_tasks where organization_id = :'org'), 0, 'another tenant''s member sees none of these tasks');
select is((select count(*)::int from tasks.task_definitions where organization_id = :'org'), 0, 'nor their definitions');

-- anon -----------------------------------------------------------------------------------------
select tests.authenticate_as_anon();
select throws_ok($$select count(*) from tasks.tasks$$, '42501', 'permission denied for schema tasks', 'anon cannot read the queue');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job')$$, :'org'),
                 '42501', 'permission denied for schema tasks', 'anon cannot enqueue');

-- a user with no JWT subject at all, under the authenticated role ------------------------------
select tests.clear_authentication();
set local role authenticated;
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'job')$$, :'org'),
                 '42501', format('enqueuing a task in organization %s needs the member role or above (or service_role)', :'org'),
                 'an authenticated session without a user cannot enqueue');
reset role;

-- the worker -----------------------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is((select count(distinct organization_id)::int from tasks.all_tasks where organization_id in (:'org', :'org_b')), 2,
          'workers see every organization');
select is((select count(*)::int from tasks.claim_tasks(worker_id => 'w', max_tasks => 10, queue_names => array['q-rls'])), 3,
          'a claim takes ready work of every organization');
select throws_ok($$update tasks.task_history set status = 'failed'$$, '42501', 'permission denied for table task_history',
                 'nobody rewrites the history, workers included');
select lives_ok(format($$insert into tasks.task_execution_logs (organization_id, task_id, attempt, level, message, details, worker_id)
                         values (%L, %L, 1, 'warning', 'slow', '{"ms": 900}', 'w')$$, :'org', :'a_queued'),
                'workers write log lines');
select throws_ok(format($$insert into tasks.task_execution_logs (organization_id, task_id, attempt, level, message) values (%L, %L, 1, 'fatal', 'x')$$, :'org', :'a_queued'),
                 '23514', null, 'log levels are checked');
select throws_ok(format($$insert into tasks.task_resource_usage (organization_id, task_id, attempt) values (%L, %L, 1)$$, :'org', :'a_queued'),
                 '23514', null, 'a resource sample must measure something');

select * from finish();
rollback;
