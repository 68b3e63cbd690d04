-- Revert platform:tasks/task_execution_logs from pg

begin;

delete from base.partition_config where parent_table = 'tasks.task_execution_logs';
drop table tasks.task_execution_logs;

commit;
