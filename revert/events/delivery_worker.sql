-- Revert platform:events/delivery_worker from pg

begin;

drop function events.recover_expired_deliveries();
drop function events.fail_delivery(uuid, uuid, text, text, boolean, jsonb);
drop function events.complete_delivery(uuid, uuid, text, jsonb);
drop function events.heartbeat_delivery(uuid, uuid, text);
drop function events.claim_deliveries(text, integer, text[]);
drop function events.raise_lease_error(uuid, uuid, text);

commit;
