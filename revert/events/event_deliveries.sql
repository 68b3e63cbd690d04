-- Revert platform:events/event_deliveries from pg

begin;

delete from base.partition_config where parent_table = 'events.event_deliveries';
drop table events.event_deliveries;

commit;
