-- Revert platform:tasks/task_history from pg

begin;

drop view tasks.all_tasks;
delete from base.partition_config where parent_table = 'tasks.task_history';
drop table tasks.task_history;

commit;
