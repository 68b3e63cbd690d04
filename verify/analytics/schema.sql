-- Verify platform:analytics/schema on pg

begin;

select 1 / pg_catalog.has_schema_privilege('authenticated', 'analytics', 'usage')::int;
select 1 / (not pg_catalog.has_schema_privilege('anon', 'analytics', 'usage'))::int;

rollback;
