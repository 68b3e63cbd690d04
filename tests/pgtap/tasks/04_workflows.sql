-- Workflows: sequential, parallel and DAG modes, a status that follows the tasks into every final
-- state, cancel_workflow, and the transitions the table enforces.
begin;
select plan(38);

select organization_id as org, member_id as member, viewer_id as viewer from tests.create_tenant('tq-wf') \gset
select organization_id as org2, owner_id as owner2 from tests.create_tenant('tq-wf-other') \gset
insert into tasks.task_definitions (organization_id, name, queue_name, max_attempts)
values (:'org', 'wstep', 'q-wf', 1), (:'org2', 'wstep', 'q-wf2', 1);

-- building workflows as a member -------------------------------------------------------------
select tests.authenticate_as(:'member');
insert into tasks.workflows (organization_id, name, execution_mode) values (:'org', 'release', 'sequential')
returning id as seq, status as seq_status, created_by as seq_by \gset
select is(:'seq_status'::text, 'pending', 'a new workflow is pending');
select is(:'seq_by'::uuid, :'member'::uuid, 'created_by is the member who created it');
select id as s1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'seq', payload => '{"s": 1}') \gset
select id as s2, status as s2_status from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'seq', payload => '{"s": 2}') \gset
select id as s3 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'seq', payload => '{"s": 3}') \gset
select is(:'s2_status'::text, 'blocked', 'in a sequential workflow each task waits for the one before');
select is((select array_agg(d.task_id::text || '>' || d.depends_on_task_id::text order by d.created_at)
             from tasks.task_dependencies as d where d.organization_id = :'org'),
          array[:'s2' || '>' || :'s1', :'s3' || '>' || :'s2'], 'the sequence is recorded as edges');
select is((select last_task_id from tasks.workflows where id = :'seq'), :'s3'::uuid, 'last_task_id follows the enqueues');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'wstep', workflow_id => %L, depends_on => array[%L]::uuid[])$$,
                        :'org', :'seq', :'s1'),
                 '22023', format('workflow %s is sequential: depends_on is for dag workflows only', :'seq'),
                 'explicit dependencies are refused in a sequential workflow');
select throws_ok(format($$select tasks.enqueue_tasks(organization_id => %L, definition_name => 'wstep', workflow_id => %L, payloads => array['{}']::jsonb[])$$,
                        :'org', :'seq'),
                 '22023', format('workflow %s is sequential: enqueue its tasks one by one with enqueue_task', :'seq'),
                 'batched enqueue is refused in a sequential workflow');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'wstep', workflow_id => %L)$$, :'org', :'org2'),
                 'P0002', format('workflow %s not found in organization %s', :'org2', :'org'), 'an unknown workflow raises P0002');
select throws_ok(format($$update tasks.workflows set status = 'running' where id = %L$$, :'seq'),
                 '42501', 'permission denied for table workflows', 'users cannot set a workflow''s status');

-- running, then succeeded ---------------------------------------------------------------------
select tests.authenticate_as_service_role();
select is((select array_agg(id) from tasks.claim_tasks(worker_id => 'w', max_tasks => 5, queue_names => array['q-wf'])),
          array[:'s1']::uuid[], 'only the head of the sequence is claimable');
select is((select status || ' ' || (started_at is not null) from tasks.workflows where id = :'seq'), 'running true',
          'claiming a task starts its workflow');
select 1 as done from tasks.complete_task(organization_id => :'org', task_id => :'s1', worker_id => 'w') \gset
select is((select status from tasks.tasks where id = :'s2'), 'pending', 'the next task of the sequence is released');
select is((select status from tasks.workflows where id = :'seq'), 'running', 'the workflow runs while tasks are left');
select 1 as done from tasks.claim_tasks(worker_id => 'w', queue_names => array['q-wf']) \gset
select 1 as done from tasks.complete_task(organization_id => :'org', task_id => :'s2', worker_id => 'w') \gset
select 1 as done from tasks.claim_tasks(worker_id => 'w', queue_names => array['q-wf']) \gset
select 1 as done from tasks.complete_tasks(worker_id => 'w', task_ids => array[:'s3']::uuid[]) \gset
select is((select status || ' ' || (finished_at is not null) from tasks.workflows where id = :'seq'), 'succeeded true',
          'when its last task succeeds the workflow succeeds');
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'wstep', workflow_id => %L)$$, :'org', :'seq'),
                 '55000', format('workflow %s is already succeeded: tasks can be added to pending or running workflows only', :'seq'),
                 'a finished workflow takes no new task');
select throws_ok(format($$update tasks.workflows set status = 'running', finished_at = null where id = %L$$, :'seq'),
                 '55000', 'invalid status transition for tasks.workflows.status: "succeeded" -> "running"',
                 'a final workflow status never changes (55000)');
select throws_ok(format($$insert into tasks.workflows (organization_id, name, execution_mode) values (%L, 'x', 'random')$$, :'org'),
                 '23514', null, 'an unknown execution mode is refused (23514)');

-- failed: a DAG whose root fails --------------------------------------------------------------
insert into tasks.workflows (organization_id, name, execution_mode) values (:'org', 'dag', 'dag') returning id as dag \gset
select id as d1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'dag') \gset
select id as d2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'dag', depends_on => array[:'d1']::uuid[]) \gset
select id as d3 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'dag', depends_on => array[:'d1']::uuid[]) \gset
select 1 as done from tasks.claim_tasks(worker_id => 'w', queue_names => array['q-wf']) \gset
select 1 as done from tasks.fail_task(organization_id => :'org', task_id => :'d1', worker_id => 'w', error => 'broken build') \gset
select is((select array_agg(status order by id) from tasks.task_history where workflow_id = :'dag'),
          array['failed', 'cancelled', 'cancelled'], 'the failure cancels the rest of the DAG');
select is((select status from tasks.workflows where id = :'dag'), 'failed', 'a workflow with a failed task ends failed');

-- failed: a parallel workflow waits for its other tasks ---------------------------------------
insert into tasks.workflows (organization_id, name, execution_mode) values (:'org', 'fan-out', 'parallel') returning id as par \gset
select throws_ok(format($$select tasks.enqueue_task(organization_id => %L, definition_name => 'wstep', workflow_id => %L, depends_on => array[%L]::uuid[])$$,
                        :'org', :'par', :'d1'),
                 '22023', format('workflow %s is parallel: depends_on is for dag workflows only', :'par'),
                 'a parallel workflow''s tasks have no dependencies');
select count(*) as n from tasks.enqueue_tasks(organization_id => :'org', definition_name => 'wstep', workflow_id => :'par',
                                               payloads => array['{"p": 1}', '{"p": 2}']::jsonb[]) \gset
select is((select count(*)::int from tasks.claim_tasks(worker_id => 'w', max_tasks => 5, queue_names => array['q-wf'])), 2,
          'every task of a parallel workflow is claimable at once');
select id as p1 from tasks.tasks where workflow_id = :'par' order by id limit 1 \gset
select id as p2 from tasks.tasks where workflow_id = :'par' order by id desc limit 1 \gset
select 1 as done from tasks.fail_task(organization_id => :'org', task_id => :'p1', worker_id => 'w', error => 'shard 1 failed') \gset
select is((select status from tasks.workflows where id = :'par'), 'running', 'a workflow runs while any task is left, even after a failure');
select 1 as done from tasks.complete_task(organization_id => :'org', task_id => :'p2', worker_id => 'w') \gset
select is((select status from tasks.workflows where id = :'par'), 'failed', 'then ends failed');

-- cancelled: every task cancelled one by one --------------------------------------------------
select tests.authenticate_as(:'member');
insert into tasks.workflows (organization_id, name) values (:'org', 'one-off') returning id as one \gset
select id as o1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'one') \gset
select 1 as done from tasks.cancel_task(organization_id => :'org', task_id => :'o1') \gset
select is((select status || ' ' || (started_at is null) from tasks.workflows where id = :'one'), 'cancelled true',
          'a pending workflow whose tasks are all cancelled ends cancelled, never started');

-- cancel_workflow ------------------------------------------------------------------------------
insert into tasks.workflows (organization_id, name, execution_mode) values (:'org', 'nightly', 'dag') returning id as big \gset
select id as g1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'big') \gset
select id as g2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'big') \gset
select id as g3 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'big', depends_on => array[:'g2']::uuid[]) \gset
select id as outside from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', depends_on => array[:'g3']::uuid[]) \gset
select tests.authenticate_as_service_role();
select is((select array_agg(id) from tasks.claim_tasks(worker_id => 'wk', queue_names => array['q-wf'])), array[:'g1']::uuid[],
          'one task of the workflow runs');
select tests.authenticate_as(:'viewer');
select throws_ok(format($$select tasks.cancel_workflow(organization_id => %L, workflow_id => %L)$$, :'org', :'big'),
                 '42501', format('cancelling a workflow in organization %s needs the member role or above (or service_role)', :'org'),
                 'a viewer cannot cancel a workflow');
select tests.authenticate_as(:'member');
select is(status || ' / ' || cancellation_reason || ' / ' || (finished_at is not null), 'cancelled / release frozen / true',
          'cancel_workflow cancels the workflow with its reason')
  from tasks.cancel_workflow(organization_id => :'org', workflow_id => :'big', reason => 'release frozen');
select is((select array_agg(status order by id) from tasks.task_history where id in (:'g1', :'g2', :'g3')),
          array['cancelled', 'cancelled', 'cancelled'], 'running, pending and blocked tasks of the workflow are all cancelled');
select is((select cause_task_id from tasks.task_history where id = :'outside'), :'g3'::uuid,
          'and so are the tasks outside it that depended on them, with the cause');
select tests.authenticate_as_service_role();
select throws_ok(format($$select tasks.complete_task(organization_id => %L, task_id => %L, worker_id => 'wk')$$, :'org', :'g1'),
                 '55000', format('task %s is cancelled, not running under worker wk', :'g1'), 'the worker of a cancelled task learns it');
select throws_ok(format($$select tasks.cancel_workflow(organization_id => %L, workflow_id => %L)$$, :'org', :'big'),
                 '55000', format('workflow %s is already cancelled: only pending or running workflows can be cancelled', :'big'),
                 'a finished workflow cannot be cancelled');
select throws_ok(format($$select tasks.cancel_workflow(organization_id => %L, workflow_id => %L)$$, :'org2', :'big'),
                 'P0002', format('workflow %s not found in organization %s', :'big', :'org2'), 'another tenant''s workflow is not found');
insert into tasks.workflows (organization_id, name) values (:'org', 'empty') returning id as empty \gset
select is((select status from tasks.cancel_workflow(organization_id => :'org', workflow_id => :'empty')), 'cancelled',
          'an empty workflow can be cancelled');

-- lease recovery ends a workflow too ------------------------------------------------------------
insert into tasks.workflows (organization_id, name) values (:'org', 'crashy') returning id as crashy \gset
select id as k1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'crashy') \gset
select 1 as done from tasks.claim_tasks(worker_id => 'dead', queue_names => array['q-wf']) \gset
update tasks.tasks set locked_until = now() - interval '1 second', updated_at = now() where id = :'k1';
select is(tasks.recover_expired_leases(), 1, 'the expired last attempt is recovered');
select is((select status from tasks.workflows where id = :'crashy'), 'failed', 'and its workflow ends failed');

-- deleting ---------------------------------------------------------------------------------------
insert into tasks.workflows (organization_id, name) values (:'org', 'busy') returning id as busy \gset
select 1 as done from tasks.enqueue_task(organization_id => :'org', definition_name => 'wstep', workflow_id => :'busy') \gset
select throws_ok(format($$delete from tasks.workflows where id = %L$$, :'busy'), '23503', null,
                 'a workflow with queued tasks cannot be deleted');
select lives_ok(format($$delete from tasks.workflows where id = %L$$, :'seq'), 'a finished workflow can be deleted (its history stays)');
select tests.clear_authentication();
select lives_ok(format($$delete from base.organizations where id = %L$$, :'org'),
                'deleting an organization removes its definitions, workflows, queue and history in one statement');

select * from finish();
rollback;
