-- Housekeeping around the soft references (stale idempotency keys, orphaned edges) and the
-- dependency graph under REPEATABLE READ. This file runs REPEATABLE READ on purpose.
begin transaction isolation level repeatable read;
select plan(11);

select organization_id as org from tests.create_tenant('tq-maint') \gset
insert into tasks.task_definitions (organization_id, name, queue_name) values (:'org', 'job', 'q-maint');
select tests.authenticate_as_service_role();

-- A key whose task left the history (retention) is taken over by the next enqueue.
insert into tasks.task_idempotency_keys (organization_id, idempotency_key, task_id, created_at)
values (:'org', 'stale', gen_random_uuid(), now() - interval '200 days');
select id as fresh from tasks.enqueue_task(organization_id => :'org', definition_name => 'job', idempotency_key => 'stale') \gset
select is((select task_id from tasks.task_idempotency_keys where organization_id = :'org' and idempotency_key = 'stale'), :'fresh'::uuid,
          'a stale idempotency key is taken over by the next enqueue');
select is((select id from tasks.enqueue_task(organization_id => :'org', definition_name => 'job', idempotency_key => 'stale')), :'fresh'::uuid,
          'and then returns its new task');

-- prune_orphans removes keys and edges whose task exists nowhere.
insert into tasks.task_idempotency_keys (organization_id, idempotency_key, task_id, created_at)
values (:'org', 'orphan', gen_random_uuid(), now() - interval '1 day');
insert into tasks.task_idempotency_keys (organization_id, idempotency_key, task_id, created_at)
values (:'org', 'in-flight', gen_random_uuid(), now());
select tests.clear_authentication();
alter table tasks.task_dependencies disable trigger _100_apply;  -- an edge left behind by history retention
insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id, created_at)
values (:'org', gen_random_uuid(), :'fresh', now() - interval '1 day');
alter table tasks.task_dependencies enable trigger _100_apply;
select tests.authenticate_as_service_role();
select is(tasks.prune_orphans(), 2, 'prune_orphans deletes the orphaned key and edge');
select is((select array_agg(idempotency_key order by idempotency_key) from tasks.task_idempotency_keys where organization_id = :'org'),
          array['in-flight', 'stale'], 'it keeps keys of live tasks and keys too young to judge');

-- The dependency graph works under REPEATABLE READ too: a concurrent graph change makes the later
-- transaction fail with 40001 (tests/smoke/test_tasks.py), none does here.
select id as t2 from tasks.enqueue_task(organization_id => :'org', definition_name => 'job') \gset
select lives_ok(format($$insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id) values (%L, %L, %L)$$, :'org', :'t2', :'fresh'),
                'an edge is added under REPEATABLE READ when no other transaction changes the graph');

-- Partitioned history: rows land in the partition of their finish time.
select 1 as done from tasks.claim_tasks(worker_id => 'w', queue_names => array['q-maint']) \gset
select id as done_id from tasks.complete_task(organization_id => :'org', task_id => :'fresh', worker_id => 'w') \gset
select is((select tableoid::regclass::text from tasks.task_history where id = :'done_id'),
          'tasks.task_history_p' || to_char(now() at time zone 'UTC', 'YYYYMM'), 'a finished task is stored in this month''s partition');
select is((select count(*)::int from base.partitions where parent_table = 'tasks.task_history' and lower_bound > now()), 3,
          'three future months of history are premade');

-- Logs and samples go to their month too, and are read back per task.
insert into tasks.task_execution_logs (organization_id, task_id, attempt, message) values (:'org', :'done_id', 1, 'done');
insert into tasks.task_resource_usage (organization_id, task_id, attempt, cpu_usage_percent) values (:'org', :'done_id', 1, 250);
select is((select tableoid::regclass::text from tasks.task_execution_logs where task_id = :'done_id'),
          'tasks.task_execution_logs_p' || to_char(now() at time zone 'UTC', 'YYYYMM'), 'a log line lands in this month''s partition');
select is((select cpu_usage_percent from tasks.task_resource_usage where task_id = :'done_id'), 250.00::numeric(8,2),
          'CPU above 100% (several cores) is a valid sample');

-- A claim without queue_names serves every queue, highest priority first.
insert into tasks.task_definitions (organization_id, name, queue_name, default_priority) values (:'org', 'urgent', 'q-urgent', 100);
select id as urgent from tasks.enqueue_task(organization_id => :'org', definition_name => 'urgent') \gset
select is((select array_agg(c.id order by c.priority desc) from tasks.claim_tasks(worker_id => 'any', max_tasks => 2) as c),
          array[:'urgent', :'t2']::uuid[], 'a claim of every queue takes the highest priority first, across queues');
select is((select count(*)::int from tasks.claim_tasks(worker_id => 'any')), 0, 'and nothing is left to claim');

select * from finish();
rollback;
