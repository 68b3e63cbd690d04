-- Verify platform:base/organizations on pg

begin;

select id, name, slug, description, plan, settings, is_active, created_at, updated_at
  from base.organizations
 where false;

select 1 / (relrowsecurity)::int from pg_catalog.pg_class where oid = 'base.organizations'::regclass;

rollback;
