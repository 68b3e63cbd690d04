-- Verify platform:tasks/task_history on pg

begin;

select organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
       attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
       locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
       cause_task_id, idempotency_key, enqueued_by, created_at, updated_at
  from tasks.task_history
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'tasks.task_history' and lower_bound <= now() and upper_bound > now();
select 1 / count(*) from base.partitions where parent_table = 'tasks.task_history' and is_default;

select id, status from tasks.all_tasks where false;

-- Deleting an organization deletes its history.
select 1 / count(*) from pg_catalog.pg_trigger
 where tgrelid = 'base.organizations'::regclass and tgname = '_500_delete_task_history' and tgenabled = 'O';

rollback;
