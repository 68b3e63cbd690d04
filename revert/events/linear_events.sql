-- Revert platform:events/linear_events from pg

begin;

delete from base.partition_config where parent_table = 'events.linear_events';
drop table events.linear_events;

commit;
