-- Revert platform:events/events from pg

begin;

delete from base.partition_config where parent_table = 'events.events';
drop table events.events;

commit;
