-- Verify platform:analytics/record_analysis_run on pg

begin;

select 1 / (not p.prosecdef)::int
  from pg_catalog.pg_proc as p
 where p.oid = 'analytics.record_analysis_run(uuid, uuid, jsonb)'::regprocedure;

rollback;
