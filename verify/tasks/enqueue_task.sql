-- Verify platform:tasks/enqueue_task on pg
-- The API entry points run as the caller; the definer bodies live in internal; all pin search_path.

begin;

select 1 / (count(*) = 5)::int
  from pg_catalog.pg_proc as p
 where p.proconfig @> array['search_path=pg_catalog, pg_temp']
   and ((p.oid in ('tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid)'::regprocedure,
                   'tasks.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid)'::regprocedure)
         and not p.prosecdef)
     or (p.oid in ('internal.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid)'::regprocedure,
                   'internal.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid)'::regprocedure)
         and p.prosecdef)
     or (p.oid = 'internal.tasks_definition_for_enqueue(uuid, text, integer, text)'::regprocedure
         and not p.prosecdef));

rollback;
