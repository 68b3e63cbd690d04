-- Verify platform:tasks/enqueue_task on pg

begin;

select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid in ('tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid)'::regprocedure,
                 'tasks.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid)'::regprocedure)
   and p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp']
having count(*) = 2;

rollback;
