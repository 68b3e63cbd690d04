-- Verify platform:events/linear_events on pg

begin;

select organization_id, event_id, received_at, event_type, action, entity_type, entity_id, issue_identifier, team_key, state_name, priority
  from events.linear_events
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.linear_events' and lower_bound <= now() and upper_bound > now();

rollback;
