-- Verify platform:events/retention_on_citus on pg

begin;

-- The body runs as the owner, with the Citus branch; the API function calls it.
select 1 / (position('v_citus' in pg_catalog.pg_get_functiondef('internal.cleanup_old_events(integer)'::regprocedure)) > 0)::integer;
select 1 / count(*) from pg_catalog.pg_proc
 where oid = 'internal.cleanup_old_events(integer)'::regprocedure and prosecdef;
select 1 / (position('internal.cleanup_old_events' in pg_catalog.pg_get_functiondef('events.cleanup_old_events(integer)'::regprocedure)) > 0)::integer;

rollback;
