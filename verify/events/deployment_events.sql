-- Verify platform:events/deployment_events on pg

begin;

select organization_id, event_id, received_at, event_type, environment, service, version, status, commit_sha, duration_seconds
  from events.deployment_events
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.deployment_events' and lower_bound <= now() and upper_bound > now();

rollback;
