-- Revert platform:analytics/record_analysis_run from pg

begin;

drop function analytics.record_analysis_run(uuid, uuid, jsonb);

commit;
