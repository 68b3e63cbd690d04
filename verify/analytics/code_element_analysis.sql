-- Verify platform:analytics/code_element_analysis on pg

begin;

select organization_id, id, run_id, parent_id, path, file_path, kind, name, qualified_name,
       start_line, end_line, cyclomatic_complexity, cognitive_complexity, parameters,
       parameter_count, created_at
  from analytics.code_element_analysis
 where false;

select 'analytics.element_subtree(uuid, uuid)'::regprocedure;
-- A BEFORE ROW trigger runs before the RLS check: it must run as the caller.
select 1 / (not p.prosecdef)::int from pg_catalog.pg_proc as p
 where p.oid = 'internal.tg_code_element_analysis__set_path()'::regprocedure;
select 'analytics.element_ancestors(uuid, uuid)'::regprocedure;
select 1 / count(*) from pg_catalog.pg_index
 where indexrelid = 'analytics.code_element_analysis_path_idx'::regclass;

rollback;
