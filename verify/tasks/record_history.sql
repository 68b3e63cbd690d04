-- Verify platform:tasks/record_history on pg

begin;

-- The writer exists, and it is the only function body that inserts into tasks.task_history.
select 1 / count(*)
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.tasks_move_to_history(uuid, uuid[], text, text, jsonb[], text, text[], uuid[], boolean, boolean, boolean)'::regprocedure
   and p.proconfig @> array['search_path=pg_catalog, pg_temp'];

do $$
declare
  v_writers text[];
begin
  select array_agg(p.oid::regprocedure::text order by 1) into v_writers
    from pg_catalog.pg_proc as p
   where p.prosrc ~* 'insert\s+into\s+tasks\.task_history\M';
  if v_writers is distinct from array['internal.tasks_move_to_history(uuid,uuid[],text,text,jsonb[],text,text[],uuid[],boolean,boolean,boolean)'] then
    raise exception 'tasks.task_history is written by %, not only by internal.tasks_move_to_history', v_writers;
  end if;
end
$$;

rollback;
