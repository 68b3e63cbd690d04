-- Revert platform:events/github_events from pg

begin;

delete from base.partition_config where parent_table = 'events.github_events';
drop table events.github_events;

commit;
