-- Task dependencies: blocking and release, cancellation cascades with their cause, cycle
-- rejection, the rules on who may get an edge, and are_task_dependencies_satisfied().
begin;
select plan(41);

select organization_id as org, member_id as member, viewer_id as viewer from tests.create_tenant('tq-deps') \gset
insert into tasks.task_definitions (organization_id, name, queue_name, max_attempts)
values (:'org', 'step', 'q-dag', 1);
select tests.authenticate_as_service_role();

-- blocking and release --------------------------------------------------------------------------
select id as a from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', payload => '{"s": "a"}') \gset
select id as b, status as b_status, pending_dependencies as b_deps
  from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', payload => '{"s": "b"}', depends_on => array[:'a']::uuid[]) \gset
select is(:'b_status' || ' ' || :'b_deps', 'blocked 1', 'a task with an unfinished dependency is enqueued blocked');
select id as c, pending_dependencies as c_deps
  from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'a', :'b', :'a']::uuid[]) \gset
select is(:'c_deps'::int, 2, 'each distinct dependency counts once');
select is(tasks.are_task_dependencies_satisfied(:'b'), false, 'are_task_dependencies_satisfied: b waits for a');
select is(tasks.are_task_dependencies_satisfied(:'a'), true, 'are_task_dependencies_satisfied: a has no dependency');
select is(tasks.are_task_dependencies_satisfied(gen_random_uuid()), true, 'an unknown task has no unsatisfied dependency');
select is((select array_agg(id) from tasks.claim_tasks(worker_id => 'w', max_tasks => 10, queue_names => array['q-dag'])),
          array[:'a']::uuid[], 'blocked tasks are not claimable');
select is((select count(*)::int from tasks.tasks where status = 'blocked' and tasks.are_task_dependencies_satisfied(id)), 0,
          'the blocked status and the edges agree');
select 1 as done from tasks.complete_task(organization_id => :'org', task_id => :'a', worker_id => 'w') \gset
select is((select status || ' ' || pending_dependencies from tasks.tasks where id = :'b'), 'pending 0',
          'when its dependency succeeds, a dependant with none left becomes pending');
select is((select status || ' ' || pending_dependencies from tasks.tasks where id = :'c'), 'blocked 1',
          'a dependant still waiting on another task stays blocked');
select is(tasks.are_task_dependencies_satisfied(:'b'), true, 'are_task_dependencies_satisfied: b is ready now');
select is((select status from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'a']::uuid[])),
          'pending', 'a dependency that already succeeded is satisfied at once');
select is((select status from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'a']::uuid[],
                                                 scheduled_at => now() + interval '1 day')),
          'scheduled', 'a satisfied task due later is scheduled');
select id as later from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'b']::uuid[],
                                           scheduled_at => now() + interval '1 day') \gset
-- b and the satisfied task are both pending with the same priority and time: claim both.
select count(*) as done from tasks.claim_tasks(worker_id => 'w', max_tasks => 10, queue_names => array['q-dag']) \gset
select 1 as done from tasks.complete_task(organization_id => :'org', task_id => :'b', worker_id => 'w') \gset
select is((select status from tasks.tasks where id = :'later'), 'scheduled', 'a released task due later becomes scheduled, not pending');
select is((select status from tasks.tasks where id = :'c'), 'pending', 'c is released once both a and b succeeded');

-- a batch completion releases what depended on the batch
select id as r1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', priority => 100) \gset
select id as r2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', priority => 100) \gset
select id as j from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'r1', :'r2']::uuid[]) \gset
select count(*) as done from tasks.claim_tasks(worker_id => 'wb', max_tasks => 2, queue_names => array['q-dag']) \gset
select is((select count(*)::int from tasks.complete_tasks(worker_id => 'wb', task_ids => array[:'r1', :'r2']::uuid[])), 2,
          'complete_tasks completes both dependencies at once');
select is((select status || ' ' || pending_dependencies from tasks.tasks where id = :'j'), 'pending 0',
          'and releases the task that waited on both');

-- cascades --------------------------------------------------------------------------------------
select id as x from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', payload => '{"s": "x"}') \gset
select id as y from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'x']::uuid[]) \gset
select id as z from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'y']::uuid[]) \gset
select id as z2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'y', :'x']::uuid[]) \gset
update tasks.tasks set status = 'running', worker_id = 'w', locked_until = now() + interval '1 minute', attempts = 1, updated_at = now()
 where id = :'x';
select 1 as done from tasks.fail_task(organization_id => :'org', task_id => :'x', worker_id => 'w', error => 'compile error') \gset
select is((select status || ' / ' || cancellation_reason || ' / ' || cause_task_id from tasks.task_history where id = :'y'),
          format('cancelled / dependency %s failed / %s', :'x', :'x'),
          'a failure cancels the dependants, recording the failed dependency as the cause');
select is((select status || ' / ' || cancellation_reason || ' / ' || cause_task_id from tasks.task_history where id = :'z'),
          format('cancelled / dependency %s cancelled / %s', :'y', :'y'),
          'the cancellation cascades downstream, each task naming the dependency that ended it');
select is((select count(*)::int from tasks.task_history where id = :'z2'), 1, 'a task reached by two paths is cancelled once');
select is((select count(*)::int from tasks.tasks where id in (:'y', :'z', :'z2')), 0, 'no cancelled task is left in the queue');

select id as p from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') \gset
select id as q from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'p']::uuid[]) \gset
select 1 as done from tasks.cancel_task(organization_id => :'org', task_id => :'p', reason => 'obsolete') \gset
select is((select status || ' / ' || cancellation_reason || ' / ' || cause_task_id from tasks.task_history where id = :'q'),
          format('cancelled / dependency %s cancelled / %s', :'p', :'p'), 'cancelling a task cancels its dependants too');
select is((select status || ' / ' || cause_task_id from tasks.enqueue_task(organization_id => :'org', definition_name => 'step',
                                                                             depends_on => array[:'x']::uuid[])),
          format('cancelled / %s', :'x'), 'a task enqueued after its dependency failed is cancelled at once, with the cause');
select is((select cancellation_reason from tasks.task_history where cause_task_id = :'x' and id not in (:'y', :'z2')),
          format('dependency %s failed', :'x'), 'and its reason names the failed dependency');

-- cycles ----------------------------------------------------------------------------------------
select id as c1 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') \gset
select id as c2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') \gset
select id as c3 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') \gset
insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (:'org', :'c1', :'c2');
select is((select status from tasks.tasks where id = :'c1'), 'blocked', 'an edge added by INSERT blocks its dependant');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c2', :'c1'),
                 '23514', format('task dependency cycle: task %s cannot depend on task %s, which already depends on it (directly or through other tasks)', :'c2', :'c1'),
                 'a direct cycle is rejected (23514)');
insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (:'org', :'c2', :'c3');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c3', :'c1'),
                 '23514', format('task dependency cycle: task %s cannot depend on task %s, which already depends on it (directly or through other tasks)', :'c3', :'c1'),
                 'a longer cycle is rejected');
select id as c4 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') \gset
select id as c5 from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') \gset
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L), (%L, %L, %L)$$,
                        :'org', :'c4', :'c5', :'org', :'c5', :'c4'),
                 '23514', null, 'both halves of a cycle in one statement are rejected');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c4', :'c4'),
                 '23514', 'new row for relation "task_dependencies" violates check constraint "task_dependencies_depends_on_task_id_check"',
                 'a task cannot depend on itself');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c1', :'c2'),
                 '23505', null, 'an edge exists once');
select is((select status || ' ' || pending_dependencies from tasks.tasks where id = :'c1'), 'blocked 1',
          'rejected edges leave the counters untouched');

-- who may get an edge ---------------------------------------------------------------------------
select claim.id as r from tasks.enqueue_task(organization_id => :'org', definition_name => 'step') as e,
       lateral (select c.id from tasks.claim_tasks(worker_id => 'w', queue_names => array['q-dag']) as c) as claim \gset
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'r', :'c3'),
                 '55000', format('task %s is running: dependencies can be added to blocked, scheduled or pending tasks only', :'r'),
                 'a running task cannot get a dependency');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'a', :'c3'),
                 '55000', format('task %s is already succeeded: dependencies can be added to blocked, scheduled or pending tasks only', :'a'),
                 'a finished task cannot get a dependency');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c3', :'org'),
                 'P0002', format('task %s (the dependency) not found in organization %s', :'org', :'org'), 'an unknown dependency raises P0002');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'org', :'c3'),
                 'P0002', format('task %s not found in organization %s', :'org', :'org'), 'an unknown dependant raises P0002');
select lives_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'y', :'c3'),
                'a cancelled task may still get an edge (recorded, no effect)');
select is((select count(*)::int from tasks.tasks where id = :'y'), 0, 'and stays cancelled');

insert into tasks.workflows (organization_id, id, name) values (:'org', gen_random_uuid(), 'w1') returning id as wf \gset
select id as in_wf from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', workflow_id => :'wf') \gset
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'in_wf', :'c3'),
                 '22023', format('task %s belongs to workflow %s and may depend only on tasks of that workflow; task %s does not', :'in_wf', :'wf', :'c3'),
                 'a workflow task cannot depend on a task outside its workflow');
select is((select status from tasks.enqueue_task(organization_id => :'org', definition_name => 'step', depends_on => array[:'in_wf']::uuid[])),
          'blocked', 'a task outside any workflow may depend on a workflow''s task');

-- as users: members add edges, viewers cannot; RLS hides other tenants' edges
select tests.authenticate_as(:'member');
select lives_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c4', :'c5'),
                'a member adds an edge between the organization''s tasks');
select tests.authenticate_as(:'viewer');
select throws_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'c3', :'c5'),
                 '42501', 'new row violates row-level security policy for table "task_dependencies"', 'a viewer cannot add an edge');
select is((select count(*)::int from tasks.task_dependencies where organization_id = :'org') > 0, true, 'a viewer reads the graph');

select * from finish();
rollback;
