-- Revert platform:tasks/schema from pg

begin;

drop schema tasks;

commit;
