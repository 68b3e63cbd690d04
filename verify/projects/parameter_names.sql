-- Verify platform:projects/parameter_names on pg
-- Every renamed function has its new parameter names.

begin;

do $verify$
declare
  v_rec record;
begin
  for v_rec in
    select e.sig, e.names, p.proargnames
      from (values
      ('projects.is_valid_branch_name(text)', array['name']),
      ('projects.validate_analysis_config(jsonb)', array['config']),
      ('projects.validate_goals(jsonb)', array['goals'])
           ) as e (sig, names)
      left join pg_catalog.pg_proc as p on p.oid = pg_catalog.to_regprocedure(e.sig)
  loop
    if v_rec.proargnames is distinct from v_rec.names::text[] then
      raise exception 'projects/parameter_names: % has parameters %, expected %', v_rec.sig, v_rec.proargnames, v_rec.names;
    end if;
  end loop;
end
$verify$;

select 1 / (count(*) = 5)::int
  from pg_catalog.pg_constraint as k
 where k.contype = 'c' and k.convalidated
   and (k.conrelid, k.conname) in (('projects.projects'::regclass, 'projects_goals_check'),
                                 ('projects.repositories'::regclass, 'repositories_default_branch_check'),
                                 ('projects.repositories'::regclass, 'repositories_analysis_config_check'),
                                 ('projects.repository_branches'::regclass, 'repository_branches_name_check'),
                                 ('analytics.analysis_runs'::regclass, 'analysis_runs_branch_check'));

rollback;
