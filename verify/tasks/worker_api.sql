-- Verify platform:tasks/worker_api on pg

begin;

select 'internal.tasks_complete_batch(text, uuid[], jsonb[])'::regprocedure;
select 'tasks.heartbeat_task(uuid, uuid, text)'::regprocedure;
select 'tasks.complete_task(uuid, uuid, text, jsonb)'::regprocedure;
select 'tasks.complete_tasks(text, uuid[], jsonb[])'::regprocedure;
select 'tasks.fail_task(uuid, uuid, text, text, boolean)'::regprocedure;

rollback;
