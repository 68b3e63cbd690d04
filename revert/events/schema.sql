-- Revert platform:events/schema from pg

begin;

drop schema events;

commit;
