-- Verify platform:tasks/parameter_names on pg
-- Every renamed function has its new parameter names.

begin;

do $verify$
declare
  v_rec record;
begin
  for v_rec in
    select e.sig, e.names, p.proargnames
      from (values
      ('tasks.promote_due_tasks(integer)', array['max_tasks'])
           ) as e (sig, names)
      left join pg_catalog.pg_proc as p on p.oid = pg_catalog.to_regprocedure(e.sig)
  loop
    if v_rec.proargnames is distinct from v_rec.names::text[] then
      raise exception 'tasks/parameter_names: % has parameters %, expected %', v_rec.sig, v_rec.proargnames, v_rec.names;
    end if;
  end loop;
end
$verify$;

rollback;
