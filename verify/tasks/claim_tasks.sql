-- Verify platform:tasks/claim_tasks on pg

begin;

select 'tasks.claim_tasks(text, integer, text[])'::regprocedure;
select 'tasks.promote_due_tasks(integer)'::regprocedure;
select 'internal.tasks_start_workflow(uuid, uuid)'::regprocedure;
select 1 / (not pg_catalog.has_function_privilege('authenticated', 'internal.tasks_start_workflow(uuid, uuid)', 'execute'))::int;
select 1 / (not pg_catalog.has_function_privilege('authenticated', 'tasks.claim_tasks(text, integer, text[])', 'execute'))::int;

rollback;
