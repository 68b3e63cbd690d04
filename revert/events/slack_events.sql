-- Revert platform:events/slack_events from pg

begin;

delete from base.partition_config where parent_table = 'events.slack_events';
drop table events.slack_events;

commit;
