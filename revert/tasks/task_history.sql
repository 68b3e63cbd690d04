-- Revert platform:tasks/task_history from pg

begin;

drop view tasks.all_tasks;
drop trigger _500_delete_task_history on base.organizations;
drop function tasks.tg_organizations__delete_task_history();
delete from base.partition_config where parent_table = 'tasks.task_history';
drop table tasks.task_history;

commit;
