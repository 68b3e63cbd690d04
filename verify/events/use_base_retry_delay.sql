-- Verify platform:events/use_base_retry_delay on pg

begin;

-- fail_delivery calls base.retry_delay (events.retry_delay is dropped by the rework of events/retry_delay).
select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid = 'events.fail_delivery(uuid, uuid, text, text, boolean, jsonb)'::regprocedure
   and p.prosrc ~ 'base\.retry_delay\(' and p.prosrc !~ 'events\.retry_delay'
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

rollback;
