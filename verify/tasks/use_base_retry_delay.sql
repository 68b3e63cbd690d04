-- Verify platform:tasks/use_base_retry_delay on pg

begin;

-- fail_task calls base.retry_delay (the old functions are dropped by the rework of tasks/retry_backoff).
select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid = 'tasks.fail_task(uuid, uuid, text, text, boolean)'::regprocedure
   and p.prosrc ~ 'base\.retry_delay\(' and p.prosrc !~ 'next_retry_at'
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

rollback;
