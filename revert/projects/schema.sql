-- Revert platform:projects/schema from pg

begin;

drop schema projects;

commit;
