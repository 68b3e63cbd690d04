-- Verify platform:prompts/context_data on pg

begin;

select organization_id, id, source_id, context_key, content, content_hash, size_bytes, metadata,
       fetched_at, expires_at, created_at, updated_at
  from prompts.context_data
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'prompts.context_data'::regclass;

rollback;
