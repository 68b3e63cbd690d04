-- Verify platform:events/slack_events on pg

begin;

select organization_id, event_id, received_at, event_type, team_id, channel_id, user_id, message_ts, thread_ts
  from events.slack_events
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.slack_events' and lower_bound <= now() and upper_bound > now();

rollback;
