-- Verify platform:base/access_policies on pg

begin;

select 1 / (count(*) = 12)::int
  from pg_catalog.pg_policies
 where schemaname = 'base'
   and tablename in ('users', 'organizations', 'organization_members');

select 1 / pg_catalog.has_table_privilege('authenticated', 'base.organization_members', 'select')::int;
select 1 / (not pg_catalog.has_any_column_privilege('authenticated', 'base.organization_members', 'insert'))::int;

rollback;
