-- Verify platform:base/organization_role on pg

begin;

select 1 / ('viewer'::base.organization_role < 'owner'::base.organization_role)::int;

rollback;
