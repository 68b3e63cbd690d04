-- Revert platform:events/deployment_events from pg

begin;

delete from base.partition_config where parent_table = 'events.deployment_events';
drop table events.deployment_events;

commit;
