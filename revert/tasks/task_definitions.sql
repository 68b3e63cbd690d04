-- Revert platform:tasks/task_definitions from pg

begin;

drop trigger _900_audit_delete on tasks.task_definitions;
drop trigger _900_audit_update on tasks.task_definitions;
drop trigger _900_audit_insert on tasks.task_definitions;
drop table tasks.task_definitions;

commit;
