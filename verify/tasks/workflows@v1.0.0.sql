-- Verify platform:tasks/workflows on pg

begin;

select organization_id, id, name, description, execution_mode, status, metadata, created_by, started_at,
       finished_at, cancellation_reason, last_task_id, created_at, updated_at
  from tasks.workflows
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'tasks.workflows'::regclass;
select 'tasks.tg_workflows__check_status_transition()'::regprocedure;

rollback;
