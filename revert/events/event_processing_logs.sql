-- Revert platform:events/event_processing_logs from pg

begin;

delete from base.partition_config where parent_table = 'events.event_processing_logs';
drop table events.event_processing_logs;

commit;
