-- Structure of the tasks module: tables, keys, references, partitions, policies, privileges and
-- the shape of every function (volatility, definer or not, who may execute it).
begin;
select plan(83);

select is(
  (select array_agg(c.relname::text order by c.relname) from pg_class as c
    where c.relnamespace = 'tasks'::regnamespace and c.relkind in ('r', 'p') and not c.relispartition),
  array['task_definitions', 'task_dependencies', 'task_execution_logs', 'task_history', 'task_idempotency_keys',
        'task_resource_usage', 'tasks', 'workflows'],
  'the tasks schema holds exactly the module''s tables (partitions aside)');
select views_are('tasks', array['all_tasks'], 'tasks.all_tasks is the only view');

-- Keys
select col_is_pk('tasks', 'task_definitions', array['organization_id', 'id'], 'task_definitions: primary key (organization_id, id)');
select col_is_pk('tasks', 'workflows', array['organization_id', 'id'], 'workflows: primary key (organization_id, id)');
select col_is_pk('tasks', 'tasks', array['organization_id', 'id'], 'tasks: primary key (organization_id, id)');
select col_is_pk('tasks', 'task_history', array['organization_id', 'id', 'finished_at'], 'task_history: primary key includes the partition key');
select col_is_pk('tasks', 'task_dependencies', array['organization_id', 'id'], 'task_dependencies: primary key (organization_id, id)');
select col_is_pk('tasks', 'task_idempotency_keys', array['organization_id', 'idempotency_key'], 'task_idempotency_keys: natural primary key');
select col_is_pk('tasks', 'task_execution_logs', array['organization_id', 'id', 'logged_at'], 'task_execution_logs: primary key includes logged_at');
select col_is_pk('tasks', 'task_resource_usage', array['organization_id', 'id', 'measured_at'], 'task_resource_usage: primary key includes measured_at');
select col_is_unique('tasks', 'task_definitions', array['organization_id', 'name'], 'definition names are unique per organization');
select col_is_unique('tasks', 'task_dependencies', array['task_id', 'depends_on_task_id', 'organization_id'], 'one edge per pair of tasks');

-- References: hard to tenants and workflows, soft to tasks (rows move to task_history)
select fk_ok('tasks', 'task_definitions', 'organization_id', 'base', 'organizations', 'id', 'task_definitions -> organizations');
select fk_ok('tasks', 'workflows', 'organization_id', 'base', 'organizations', 'id', 'workflows -> organizations');
select fk_ok('tasks', 'workflows', 'created_by', 'base', 'users', 'id', 'workflows.created_by -> users');
select fk_ok('tasks', 'tasks', 'organization_id', 'base', 'organizations', 'id', 'tasks -> organizations');
select fk_ok('tasks', 'tasks', array['organization_id', 'workflow_id'], 'tasks', 'workflows', array['organization_id', 'id'],
             'tasks -> workflows is composite (same tenant)');
-- task_history has no foreign key to organizations (it would lock the organization's row for every
-- task that ends); a statement trigger on organizations deletes the history instead.
select is((select count(*)::int from pg_constraint where conrelid = 'tasks.task_history'::regclass and contype = 'f'), 0,
          'task_history has no foreign key (its organization cascade is a trigger)');
create temp table history_orgs as
select (tests.create_tenant('history-gone')).organization_id as gone, (tests.create_tenant('history-kept')).organization_id as kept;
insert into tasks.task_history
  (organization_id, id, definition_id, queue_name, status, priority, payload, scheduled_at, attempts, max_attempts,
   lease_duration, backoff_base, backoff_cap, pending_dependencies, finished_at, created_at, updated_at)
select o.org, base.uuid_generate_v7(), gen_random_uuid(), 'q', 'succeeded', 0, '{}', now(), 1, 3,
       interval '1 minute', interval '1 second', interval '1 minute', 0, now(), now(), now()
  from history_orgs as h cross join lateral (values (h.gone), (h.gone), (h.kept)) as o(org);
delete from base.organizations where id = (select gone from history_orgs);
select results_eq(
  $$select h.organization_id, count(*)::int from tasks.task_history as h
     where h.organization_id in ((select gone from history_orgs), (select kept from history_orgs))
     group by 1$$,
  $$select kept, 1 from history_orgs$$,
  'deleting an organization deletes its task history, and only its own');
select fk_ok('tasks', 'task_dependencies', 'organization_id', 'base', 'organizations', 'id', 'task_dependencies -> organizations');
select fk_ok('tasks', 'task_idempotency_keys', 'organization_id', 'base', 'organizations', 'id', 'task_idempotency_keys -> organizations');
select fk_ok('tasks', 'task_execution_logs', 'organization_id', 'base', 'organizations', 'id', 'task_execution_logs -> organizations');
select fk_ok('tasks', 'task_resource_usage', 'organization_id', 'base', 'organizations', 'id', 'task_resource_usage -> organizations');
select is(
  (select array_agg(conname::text order by conname) from pg_constraint
    where contype = 'f' and conrelid in ('tasks.task_dependencies'::regclass, 'tasks.task_execution_logs'::regclass,
                                         'tasks.task_resource_usage'::regclass, 'tasks.task_idempotency_keys'::regclass,
                                         'tasks.task_history'::regclass)
      and confrelid not in ('base.organizations'::regclass)),
  null,
  'task references (edges, keys, logs, usage, history) are soft: no foreign key to tasks, definitions or workflows');

-- The hot queue
select is((select reloptions @> array['fillfactor=70'] from pg_class where oid = 'tasks.tasks'::regclass), true,
          'tasks has fillfactor 70, room for HOT updates');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'tasks.tasks_claim_idx'::regclass),
          '(status = ''pending''::text)', 'the claim index holds ready (pending) tasks only');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'tasks.tasks_organization_id_claim_idx'::regclass),
          '(status = ''pending''::text)', 'the per-organization claim index holds ready tasks only');
select is((select pg_get_expr(indpred, indrelid) from pg_index where indexrelid = 'tasks.tasks_scheduled_at_idx'::regclass),
          '(status = ''scheduled''::text)', 'future work has its own partial index');
select is(
  (select array_agg(a.attname::text order by a.attname)
     from pg_index as i join pg_attribute as a on a.attrelid = i.indrelid and a.attnum = any (i.indkey)
    where i.indrelid = 'tasks.tasks'::regclass and a.attname in ('locked_until', 'heartbeat_at', 'updated_at')),
  null,
  'no index covers locked_until, heartbeat_at or updated_at, so a heartbeat is a HOT update');
select is(
  (select count(*)::int from pg_trigger where tgrelid = 'tasks.tasks'::regclass and not tgisinternal
      and (tgtype & 2) = 2),
  0,
  'tasks has no BEFORE row trigger (it would re-read and lock the row on every claim)');
select has_trigger('tasks', 'tasks', '_000_check_status_transition', 'tasks enforces its status transitions');
select has_trigger('tasks', 'workflows', '_000_check_status_transition', 'workflows enforce their status transitions');
select has_trigger('tasks', 'task_dependencies', '_100_apply', 'edges go through the dependency rules');
select has_trigger('tasks', 'task_definitions', '_900_audit_update', 'definitions are audited');

select col_type_is('tasks', 'tasks', 'payload', 'tasks.json_document', 'a payload is a tasks.json_document');
select col_type_is('tasks', 'task_history', 'result', 'tasks.json_document', 'a result is a tasks.json_document');
select throws_ok($$select '["not", "an", "object"]'::tasks.json_document$$, '23514',
                 'value for domain tasks.json_document violates check constraint "json_document_check"',
                 'tasks.json_document holds JSON objects only');

-- Partitions
select is((select count(*)::int from base.partition_config
            where parent_table in ('tasks.task_history', 'tasks.task_execution_logs', 'tasks.task_resource_usage')),
          3, 'history, logs and resource usage are under partition maintenance');
select is((select granularity || ' ' || retention::text from base.partition_config where parent_table = 'tasks.task_history'),
          'month 180 days', 'task_history: monthly partitions kept 180 days');
select ok(exists (select from base.partitions where parent_table = 'tasks.task_execution_logs'
                                          and lower_bound <= now() and upper_bound > now()),
          'task_execution_logs has this month''s partition');
select ok(exists (select from base.partitions where parent_table = 'tasks.task_resource_usage' and is_default),
          'task_resource_usage has its default partition');

-- Policies
select policies_are('tasks', 'task_definitions', array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
                    'task_definitions policies');
select policies_are('tasks', 'workflows', array['select_viewer', 'insert_member', 'update_member', 'delete_admin', 'all_service_role'],
                    'workflows policies');
select policies_are('tasks', 'tasks', array['select_viewer', 'all_service_role'], 'tasks policies: users only read');
select policies_are('tasks', 'task_history', array['select_viewer', 'all_service_role'], 'task_history policies: users only read');
select policies_are('tasks', 'task_dependencies', array['select_viewer', 'insert_member', 'all_service_role'], 'task_dependencies policies');
select policies_are('tasks', 'task_idempotency_keys', array['select_viewer', 'all_service_role'], 'task_idempotency_keys policies');
select policies_are('tasks', 'task_execution_logs', array['select_viewer', 'all_service_role'], 'task_execution_logs policies');
select policies_are('tasks', 'task_resource_usage', array['select_viewer', 'all_service_role'], 'task_resource_usage policies');

-- Table privileges
select table_privs_are('tasks', 'tasks', 'authenticated', array['SELECT'], 'users only read the queue');
select table_privs_are('tasks', 'tasks', 'service_role', array['SELECT', 'INSERT', 'UPDATE', 'DELETE'], 'workers write the queue');
select table_privs_are('tasks', 'task_history', 'authenticated', array['SELECT'], 'users only read the history');
select table_privs_are('tasks', 'task_history', 'service_role', array['SELECT', 'INSERT'], 'nobody updates or deletes the history');
select table_privs_are('tasks', 'task_dependencies', 'authenticated', array['SELECT'], 'users read edges (and insert the granted columns)');
select column_privs_are('tasks', 'task_dependencies', 'depends_on_task_id', 'authenticated', array['SELECT', 'INSERT'],
                        'users may insert an edge''s columns');
select column_privs_are('tasks', 'workflows', 'status', 'authenticated', array['SELECT'], 'users cannot write a workflow''s status');
select column_privs_are('tasks', 'workflows', 'name', 'authenticated', array['SELECT', 'INSERT', 'UPDATE'], 'users name workflows');
select table_privs_are('tasks', 'tasks', 'anon', array[]::text[], 'anon has nothing on the queue');

-- Functions: volatility, security, who may call
select volatility_is('tasks', 'are_task_dependencies_satisfied', array['uuid'], 'stable', 'are_task_dependencies_satisfied is stable');
select isnt_definer('tasks', 'enqueue_task', array['uuid', 'text', 'jsonb', 'integer', 'timestamp with time zone', 'text', 'uuid[]', 'uuid'],
                    'enqueue_task runs as the caller: the API exposes no definer function');
select is_definer('internal', 'enqueue_task', array['uuid', 'text', 'jsonb', 'integer', 'timestamp with time zone', 'text', 'uuid[]', 'uuid'],
                  'its body internal.enqueue_task is SECURITY DEFINER (members enqueue without write grants)');
select isnt_definer('tasks', 'cancel_task', array['uuid', 'uuid', 'text'], 'cancel_task runs as the caller');
select is_definer('internal', 'cancel_task', array['uuid', 'uuid', 'text'], 'its body internal.cancel_task is SECURITY DEFINER');
select isnt_definer('tasks', 'cancel_workflow', array['uuid', 'uuid', 'text'], 'cancel_workflow runs as the caller');
select is_definer('internal', 'cancel_workflow', array['uuid', 'uuid', 'text'], 'its body internal.cancel_workflow is SECURITY DEFINER');
select isnt_definer('tasks', 'claim_tasks', array['text', 'integer', 'text[]'], 'claim_tasks runs as the worker (service_role)');
select isnt_definer('tasks', 'complete_task', array['uuid', 'uuid', 'text', 'jsonb'], 'complete_task runs as the worker');
select function_privs_are('tasks', 'claim_tasks', array['text', 'integer', 'text[]'], 'authenticated', array[]::text[],
                          'users cannot claim');
select function_privs_are('tasks', 'claim_tasks', array['text', 'integer', 'text[]'], 'service_role', array['EXECUTE'],
                          'workers claim');
select function_privs_are('tasks', 'heartbeat_task', array['uuid', 'uuid', 'text'], 'authenticated', array[]::text[],
                          'users cannot heartbeat');
select function_privs_are('tasks', 'complete_task', array['uuid', 'uuid', 'text', 'jsonb'], 'authenticated', array[]::text[],
                          'users cannot complete tasks');
select function_privs_are('tasks', 'fail_task', array['uuid', 'uuid', 'text', 'text', 'boolean'], 'authenticated', array[]::text[],
                          'users cannot fail tasks');
select function_privs_are('tasks', 'recover_expired_leases', array[]::text[], 'service_role', array['EXECUTE'],
                          'the scheduler (service_role) recovers leases');
select function_privs_are('tasks', 'enqueue_task', array['uuid', 'text', 'jsonb', 'integer', 'timestamp with time zone', 'text', 'uuid[]', 'uuid'],
                          'authenticated', array['EXECUTE'], 'users may call enqueue_task (it checks their role)');
select function_privs_are('tasks', 'enqueue_task', array['uuid', 'text', 'jsonb', 'integer', 'timestamp with time zone', 'text', 'uuid[]', 'uuid'],
                          'anon', array[]::text[], 'anon cannot enqueue');
select function_privs_are('tasks', 'cancel_workflow', array['uuid', 'uuid', 'text'], 'authenticated', array['EXECUTE'],
                          'users may call cancel_workflow (it checks their role)');
select function_privs_are('internal', 'tasks_finish', array['uuid', 'uuid', 'text', 'text', 'jsonb', 'text', 'boolean'],
                          'authenticated', array[]::text[], 'users cannot reach the private lifecycle steps');

-- The API's parameter names are part of the contract (callers use named notation).
select is(pg_get_function_identity_arguments('tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid)'::regprocedure),
          'organization_id uuid, definition_name text, payload jsonb, priority integer, scheduled_at timestamp with time zone, idempotency_key text, depends_on uuid[], workflow_id uuid',
          'enqueue_task parameter names');
select is(pg_get_function_identity_arguments('tasks.claim_tasks(text, integer, text[])'::regprocedure),
          'worker_id text, max_tasks integer, queue_names text[]', 'claim_tasks parameter names');
select is(pg_get_function_identity_arguments('tasks.fail_task(uuid, uuid, text, text, boolean)'::regprocedure),
          'organization_id uuid, task_id uuid, worker_id text, error text, retryable boolean', 'fail_task parameter names');
select is(pg_get_function_identity_arguments('tasks.complete_task(uuid, uuid, text, jsonb)'::regprocedure),
          'organization_id uuid, task_id uuid, worker_id text, result jsonb', 'complete_task parameter names');
select is(pg_get_function_identity_arguments('tasks.heartbeat_task(uuid, uuid, text)'::regprocedure),
          'organization_id uuid, task_id uuid, worker_id text', 'heartbeat_task parameter names');
select function_returns('tasks', 'recover_expired_leases', array[]::text[], 'integer', 'recover_expired_leases returns a count');

select * from finish();
rollback;
