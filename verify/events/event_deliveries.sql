-- Verify platform:events/event_deliveries on pg

begin;

select organization_id, id, event_received_at, event_id, subscription_id, target_kind, status, attempts,
       max_attempts, backoff_base_seconds, backoff_cap_seconds, lease_seconds, next_attempt_at,
       locked_by, locked_until, last_attempt_at, completed_at, response, last_error, replay_count,
       created_at, updated_at
  from events.event_deliveries
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.event_deliveries' and lower_bound <= now() and upper_bound > now();

rollback;
