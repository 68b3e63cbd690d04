-- Verify platform:analytics/report_shape_pointer on pg

begin;

select 1 / (pg_catalog.strpos(pg_catalog.obj_description('analytics.record_analysis_run(uuid, uuid, jsonb)'::regprocedure, 'pg_proc'),
                              'docs/analytics.md') > 0)::int;

rollback;
