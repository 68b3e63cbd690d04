-- Revert platform:analytics/run_lifecycle from pg

begin;

drop trigger _800_complete on analytics.analysis_runs;
drop function internal.tg_analysis_runs__complete();
drop trigger _200_guard_status on analytics.analysis_runs;
drop function internal.tg_analysis_runs__guard_status();
drop function analytics.allowed_run_transitions(text);

commit;
