-- Verify platform:base/audit_base_tables on pg

begin;

select 1 / (count(*) = 9)::int
  from pg_catalog.pg_trigger
 where tgname like '\_900\_audit\_%'
   and tgrelid in ('base.organizations'::regclass, 'base.organization_members'::regclass, 'base.users'::regclass);

rollback;
