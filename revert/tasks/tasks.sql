-- Revert platform:tasks/tasks from pg

begin;

drop table tasks.tasks;
drop function tasks.tg_tasks__keep_identity();
drop function tasks.tg_tasks__check_status_transition();

commit;
