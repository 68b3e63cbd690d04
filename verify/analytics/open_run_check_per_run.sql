-- Verify platform:analytics/open_run_check_per_run on pg

begin;

-- The check reads the statement's runs from the transition table first, then names each run.
select 1 / (position('v_runs' in pg_catalog.pg_get_functiondef('internal.tg__require_open_run()'::regprocedure)) > 0)::integer;

rollback;
