-- Verify platform:events/delivery_claims_on_citus on pg

begin;

-- The three functions exist with their signatures, and the claim is the one that takes turns.
select 1 / (position('v_organizations' in pg_catalog.pg_get_functiondef('events.claim_deliveries(text, integer, text[])'::regprocedure)) > 0)::integer;
select 'events.heartbeat_delivery(uuid, uuid, text)'::regprocedure;
select 1 / (position('v_organization' in pg_catalog.pg_get_functiondef('events.recover_expired_deliveries()'::regprocedure)) > 0)::integer;

rollback;
