-- Revert platform:events/retention from pg

begin;

drop function events.cleanup_old_events(integer);
drop function events.retained_tables();

commit;
