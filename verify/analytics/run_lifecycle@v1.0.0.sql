-- Verify platform:analytics/run_lifecycle on pg

begin;

select 1 / (analytics.allowed_run_transitions('running') = array['succeeded', 'failed', 'cancelled'])::int;
select 1 / (count(*) = 2)::int from pg_catalog.pg_trigger
 where tgrelid = 'analytics.analysis_runs'::regclass and tgname in ('_200_guard_status', '_800_complete');

rollback;
