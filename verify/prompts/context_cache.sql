-- Verify platform:prompts/context_cache on pg

begin;

select 1 / (p.prosecdef and p.proconfig @> array['search_path=pg_catalog, pg_temp'])::int
  from pg_catalog.pg_proc as p
 where p.oid = 'internal.put_context(uuid, text, text, interval, jsonb)'::regprocedure;
select 1 / (not p.prosecdef)::int from pg_catalog.pg_proc as p where p.oid = 'prompts.put_context(uuid, text, text, interval, jsonb)'::regprocedure;
select 'prompts.get_context(uuid, text)'::regprocedure;
select 1 / (pg_catalog.has_function_privilege('service_role', 'prompts.cleanup_expired_context_data()', 'execute')
            and not pg_catalog.has_function_privilege('authenticated', 'prompts.cleanup_expired_context_data()', 'execute'))::int;

rollback;
