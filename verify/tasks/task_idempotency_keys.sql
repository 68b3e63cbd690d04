-- Verify platform:tasks/task_idempotency_keys on pg

begin;

select organization_id, idempotency_key, task_id, created_at
  from tasks.task_idempotency_keys
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'tasks.task_idempotency_keys'::regclass;

rollback;
