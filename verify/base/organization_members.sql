-- Verify platform:base/organization_members on pg

begin;

select organization_id, id, user_id, role, invited_by, created_at, updated_at
  from base.organization_members
 where false;

select 1 / (count(*) = 2)::int
  from pg_catalog.pg_trigger
 where tgrelid = 'base.organization_members'::regclass
   and tgname in ('_200_guard_roles', '_300_keep_an_owner');

rollback;
