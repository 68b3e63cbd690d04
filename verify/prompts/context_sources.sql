-- Verify platform:prompts/context_sources on pg

begin;

select organization_id, id, name, kind, description, configuration, refresh_policy, refresh_interval,
       default_ttl, is_active, created_at, updated_at
  from prompts.context_sources
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'prompts.context_sources'::regclass;

rollback;
