-- Verify platform:monitoring/schema on pg

begin;

select 1 / count(*) from pg_catalog.pg_namespace where nspname = 'monitoring';
select 1 / count(*) from pg_catalog.pg_roles where rolname = 'platform_monitor' and not rolcanlogin;
select 1 / (has_schema_privilege('platform_monitor', 'monitoring', 'usage'))::int;
select 1 / (not has_schema_privilege('authenticated', 'monitoring', 'usage'))::int;

rollback;
