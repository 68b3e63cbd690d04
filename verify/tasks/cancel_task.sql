-- Verify platform:tasks/cancel_task on pg
-- The API entry points run as the caller; the definer bodies live in internal; all pin search_path.

begin;

select 1 / (count(*) = 4)::int
  from pg_catalog.pg_proc as p
 where p.proconfig @> array['search_path=pg_catalog, pg_temp']
   and ((p.oid in ('tasks.cancel_task(uuid, uuid, text)'::regprocedure,
                   'tasks.cancel_workflow(uuid, uuid, text)'::regprocedure)
         and not p.prosecdef)
     or (p.oid in ('internal.cancel_task(uuid, uuid, text)'::regprocedure,
                   'internal.cancel_workflow(uuid, uuid, text)'::regprocedure)
         and p.prosecdef));

rollback;
