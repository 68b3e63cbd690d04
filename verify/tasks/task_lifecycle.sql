-- Verify platform:tasks/task_lifecycle on pg

begin;

select 'internal.tasks_authorize(uuid, base.organization_role, text)'::regprocedure;
select 'internal.tasks_find(uuid, uuid)'::regprocedure;
select 'internal.tasks_raise_not_leased(uuid, uuid, text, text)'::regprocedure;
select 'internal.tasks_lock_workflow(uuid, uuid)'::regprocedure;
select 'internal.tasks_refresh_workflow(uuid, uuid, boolean)'::regprocedure;
select 'internal.tasks_release_dependants(uuid, uuid)'::regprocedure;
select 'internal.tasks_cancel_cascade(uuid, uuid[], boolean, text, uuid, text)'::regprocedure;
select 'internal.tasks_finish(uuid, uuid, text, text, jsonb, text, boolean)'::regprocedure;

rollback;
