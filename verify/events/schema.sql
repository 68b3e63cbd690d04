-- Verify platform:events/schema on pg

begin;

select 1 / count(*) from pg_catalog.pg_namespace where nspname = 'events';
select 1 / pg_catalog.has_schema_privilege('service_role', 'events', 'usage')::int;

rollback;
