-- Verify platform:analytics/parameter_names on pg
-- Every renamed function has its new parameter names.

begin;

do $verify$
declare
  v_rec record;
begin
  for v_rec in
    select e.sig, e.names, p.proargnames
      from (values
      ('analytics.refresh_metric_trends(uuid, uuid, timestamp with time zone)', array['organization_id', 'repository_id', 'since'])
           ) as e (sig, names)
      left join pg_catalog.pg_proc as p on p.oid = pg_catalog.to_regprocedure(e.sig)
  loop
    if v_rec.proargnames is distinct from v_rec.names::text[] then
      raise exception 'analytics/parameter_names: % has parameters %, expected %', v_rec.sig, v_rec.proargnames, v_rec.names;
    end if;
  end loop;
end
$verify$;

rollback;
