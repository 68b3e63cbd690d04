-- Verify platform:tasks/dependency_rules on pg

begin;

select 1 / count(*)
  from pg_catalog.pg_trigger
 where tgrelid = 'tasks.task_dependencies'::regclass and tgname = '_100_apply';

select 1 / (p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp'])::int
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.tg_task_dependencies__apply()'::regprocedure;

rollback;
