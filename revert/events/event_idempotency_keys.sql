-- Revert platform:events/event_idempotency_keys from pg

begin;

drop table events.event_idempotency_keys;

commit;
