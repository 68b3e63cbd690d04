-- Revert platform:analytics/analysis_runs from pg

begin;

drop table analytics.analysis_runs;

commit;
