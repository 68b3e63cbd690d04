-- Verify platform:tasks/task_execution_logs on pg

begin;

select organization_id, id, task_id, attempt, level, message, details, worker_id, logged_at
  from tasks.task_execution_logs
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'tasks.task_execution_logs' and lower_bound <= now() and upper_bound > now();

rollback;
