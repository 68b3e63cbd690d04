-- Revert platform:tasks/task_dependencies from pg

begin;

drop table tasks.task_dependencies;

commit;
