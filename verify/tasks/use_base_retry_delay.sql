-- Verify platform:tasks/use_base_retry_delay on pg

begin;

-- fail_task calls base.retry_delay, and the two tasks backoff functions are gone.
select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid = 'tasks.fail_task(uuid, uuid, text, text, boolean)'::regprocedure
   and p.prosrc ~ 'base\.retry_delay\(' and p.prosrc !~ 'next_retry_at'
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

do $$
begin
  if exists (select from pg_catalog.pg_proc
              where pronamespace = 'tasks'::regnamespace and proname in ('retry_delay', 'next_retry_at')) then
    raise exception 'tasks.retry_delay or tasks.next_retry_at still exists';
  end if;
end
$$;

rollback;
