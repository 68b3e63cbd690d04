-- Verify platform:events/event_processing_logs on pg

begin;

select organization_id, id, logged_at, event_id, event_received_at, delivery_id, subscription_id, step,
       level, worker_id, message, details
  from events.event_processing_logs
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.event_processing_logs' and lower_bound <= now() and upper_bound > now();

rollback;
