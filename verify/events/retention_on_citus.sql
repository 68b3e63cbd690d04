-- Verify platform:events/retention_on_citus on pg

begin;

select 1 / (position('v_citus' in pg_catalog.pg_get_functiondef('events.cleanup_old_events(integer)'::regprocedure)) > 0)::integer;

rollback;
