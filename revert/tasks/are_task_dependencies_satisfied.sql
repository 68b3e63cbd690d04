-- Revert platform:tasks/are_task_dependencies_satisfied from pg

begin;

drop function tasks.are_task_dependencies_satisfied(uuid);

commit;
