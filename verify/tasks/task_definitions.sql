-- Verify platform:tasks/task_definitions on pg

begin;

select organization_id, id, name, description, queue_name, default_priority, max_attempts, backoff_base,
       backoff_cap, lease_duration, required_cpu, required_memory_mb, payload_schema, is_active,
       created_at, updated_at
  from tasks.task_definitions
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'tasks.task_definitions'::regclass;

select 1 / (count(*) = 3)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'tasks.task_definitions'::regclass and tgname like '\_900\_audit\_%';

rollback;
