-- Verify platform:analytics/record_analysis_run_as_definer on pg

begin;

-- The body runs as the owner with a pinned search path; the API function is the caller's.
select 1 / count(*)
  from pg_catalog.pg_proc
 where oid = 'internal.record_analysis_run(uuid, uuid, jsonb)'::regprocedure
   and prosecdef and proconfig @> array['search_path=pg_catalog, pg_temp'];
select 1 / count(*)
  from pg_catalog.pg_proc
 where oid = 'analytics.record_analysis_run(uuid, uuid, jsonb)'::regprocedure
   and not prosecdef
   and position('internal.record_analysis_run' in pg_catalog.pg_get_functiondef(oid)) > 0;

rollback;
