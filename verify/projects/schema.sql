-- Verify platform:projects/schema on pg

begin;

select 1 / pg_catalog.has_schema_privilege('authenticated', 'projects', 'usage')::int;
select 1 / (not pg_catalog.has_schema_privilege('anon', 'projects', 'usage'))::int;

rollback;
