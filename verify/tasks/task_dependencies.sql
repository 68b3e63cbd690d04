-- Verify platform:tasks/task_dependencies on pg

begin;

select organization_id, id, task_id, depends_on_task_id, created_at
  from tasks.task_dependencies
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'tasks.task_dependencies'::regclass;

rollback;
