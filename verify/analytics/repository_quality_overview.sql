-- Verify platform:analytics/repository_quality_overview on pg

begin;

select organization_id, repository_id, full_name, provider, default_branch, last_analyzed_at,
       latest_run_id, latest_commit_sha, latest_branch, latest_run_finished_at, quality_score,
       quality_score_at_run, previous_run_quality_score, score_change_since_previous_run,
       trend_direction, weekly_score_change, files_analyzed, lines_of_code, coverage_pct,
       duplication_pct, complexity_per_100_lines, maintainability_avg, open_issues, open_blocker,
       open_critical, open_major, open_minor, open_info, complexity_hot_spots
  from analytics.repository_quality_overview
 where false;

select 1 / (c.reloptions @> array['security_invoker=true'])::int
  from pg_catalog.pg_class as c
 where c.oid = 'analytics.repository_quality_overview'::regclass;

rollback;
