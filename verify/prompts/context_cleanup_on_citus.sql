-- Verify platform:prompts/context_cleanup_on_citus on pg

begin;

select 1 / (position('v_now' in pg_catalog.pg_get_functiondef('prompts.cleanup_expired_context_data()'::regprocedure)) > 0)::integer;

rollback;
