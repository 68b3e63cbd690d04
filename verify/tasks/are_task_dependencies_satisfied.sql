-- Verify platform:tasks/are_task_dependencies_satisfied on pg

begin;

-- A task without dependencies is ready.
select 1 / (tasks.are_task_dependencies_satisfied(base.uuid_generate_v7()))::int;

rollback;
