-- Verify platform:prompts/schema on pg

begin;

select 1 / pg_catalog.has_schema_privilege('authenticated', 'prompts', 'usage')::int;
select 1 / (not pg_catalog.has_schema_privilege('anon', 'prompts', 'usage'))::int;

rollback;
