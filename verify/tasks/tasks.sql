-- Verify platform:tasks/tasks on pg

begin;

select organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
       attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
       locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
       cause_task_id, idempotency_key, enqueued_by, created_at, updated_at
  from tasks.tasks
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'tasks.tasks'::regclass;

-- The claim index is partial: it holds ready work only.
select 1 / count(*)
  from pg_catalog.pg_index
 where indexrelid = 'tasks.tasks_claim_idx'::regclass and indpred is not null;

rollback;
