-- Verify platform:events/github_events on pg

begin;

select organization_id, event_id, received_at, event_type, repository_full_name, action, sender_login, ref, number, commit_sha
  from events.github_events
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.github_events' and lower_bound <= now() and upper_bound > now();

rollback;
