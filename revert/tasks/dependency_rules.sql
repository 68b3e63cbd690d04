-- Revert platform:tasks/dependency_rules from pg

begin;

drop trigger _100_apply on tasks.task_dependencies;
drop function internal.tg_task_dependencies__apply();

commit;
