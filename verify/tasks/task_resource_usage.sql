-- Verify platform:tasks/task_resource_usage on pg

begin;

select organization_id, id, task_id, attempt, worker_id, cpu_usage_percent, memory_bytes, io_read_bytes,
       io_write_bytes, duration_ms, measured_at
  from tasks.task_resource_usage
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'tasks.task_resource_usage' and lower_bound <= now() and upper_bound > now();

rollback;
