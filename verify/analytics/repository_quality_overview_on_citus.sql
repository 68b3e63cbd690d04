-- Verify platform:analytics/repository_quality_overview_on_citus on pg

begin;

-- On Citus the view is the join form, with the score computed in the view; elsewhere it is the
-- LATERAL form that calls analytics.calculate_quality_score.
select 1 / count(*)
  from pg_catalog.pg_views
 where schemaname = 'analytics' and viewname = 'repository_quality_overview'
   and (definition like '%calculate_quality_score%')
       <> exists (select from pg_catalog.pg_extension where extname = 'citus');

select organization_id, repository_id, quality_score, latest_run_id, previous_run_quality_score,
       trend_direction, open_issues, complexity_hot_spots
  from analytics.repository_quality_overview
 limit 0;

rollback;
