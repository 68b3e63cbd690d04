-- Revert platform:tasks/task_resource_usage from pg

begin;

delete from base.partition_config where parent_table = 'tasks.task_resource_usage';
drop table tasks.task_resource_usage;

commit;
