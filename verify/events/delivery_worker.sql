-- Verify platform:events/delivery_worker on pg

begin;

select 'events.claim_deliveries(text, integer, text[])'::regprocedure;
select 'events.heartbeat_delivery(uuid, uuid, text)'::regprocedure;
select 'events.complete_delivery(uuid, uuid, text, jsonb)'::regprocedure;
select 'events.fail_delivery(uuid, uuid, text, text, boolean, jsonb)'::regprocedure;
select 'events.recover_expired_deliveries()'::regprocedure;

rollback;
