-- Verify platform:tasks/dependencies_satisfied_on_citus on pg

begin;

-- Both forms exist; the one-argument form is PL/pgSQL.
select tasks.are_task_dependencies_satisfied(null::uuid, null::uuid);
select 1 / count(*)
  from pg_catalog.pg_proc as p
  join pg_catalog.pg_language as l on l.oid = p.prolang
 where p.oid = 'tasks.are_task_dependencies_satisfied(uuid)'::regprocedure and l.lanname = 'plpgsql';

rollback;
