-- Verify platform:analytics/analysis_runs on pg

begin;

select organization_id, id, repository_id, task_id, commit_sha, branch, tools, status, started_at,
       finished_at, error_message, files_analyzed, lines_of_code, comment_lines, coverage_pct,
       duplication_pct, complexity_total, maintainability_avg, issue_count, new_issue_count,
       resolved_issue_count, quality_score, created_at, updated_at
  from analytics.analysis_runs
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'analytics.analysis_runs'::regclass;

rollback;
