-- Verify platform:analytics/file_analysis on pg

begin;

select organization_id, id, run_id, file_path, language, lines_code, lines_comment, lines_blank,
       complexity, duplication_pct, coverage_pct, maintainability_index, created_at
  from analytics.file_analysis
 where false;

select 1 / count(*) from pg_catalog.pg_trigger
 where tgrelid = 'analytics.file_analysis'::regclass and tgname = '_300_require_open_run';

rollback;
