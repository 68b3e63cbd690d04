-- Revert platform:events/retention from pg

begin;

drop function events.cleanup_old_events(integer);
drop trigger _800_sync_partition_retention on events.event_types;
drop function events.tg_event_types__sync_partition_retention();
drop function events.retained_tables();

commit;
