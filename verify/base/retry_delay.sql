-- Verify platform:base/retry_delay on pg

begin;

select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid = 'base.retry_delay(integer, interval, interval, double precision)'::regprocedure
   and p.provolatile = 'i' and not p.prosecdef
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

-- The delay itself: retry 3 with base 10 s and full jitter waits 40 s.
select 1 / (base.retry_delay(3, interval '10 seconds', interval '1 hour', 1) = interval '40 seconds')::integer;

rollback;
