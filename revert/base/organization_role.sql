-- Revert platform:base/organization_role from pg

begin;

drop type base.organization_role;

commit;
