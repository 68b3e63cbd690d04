-- Verify platform:events/events on pg

begin;

select organization_id, id, received_at, source, event_type, occurred_at, idempotency_key,
       payload, metadata, status, attempts, last_error, processed_at
  from events.events
 where false;

select 1 / count(*) from base.partitions
 where parent_table = 'events.events' and lower_bound <= now() and upper_bound > now();
select 1 / count(*) from base.partitions where parent_table = 'events.events' and is_default;

rollback;
