-- Verify platform:events/event_idempotency_keys on pg

begin;

select organization_id, source, idempotency_key, event_id, event_received_at
  from events.event_idempotency_keys
 where false;

rollback;
