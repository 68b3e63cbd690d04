-- Verify platform:tasks/cancel_task on pg

begin;

select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid in ('tasks.cancel_task(uuid, uuid, text)'::regprocedure,
                 'tasks.cancel_workflow(uuid, uuid, text)'::regprocedure)
   and p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp']
having count(*) = 2;

rollback;
