-- Revert platform:base/organization_members from pg

begin;

drop table base.organization_members;
drop function internal.tg_organization_members__keep_an_owner();
drop function internal.tg_organization_members__guard_roles();

commit;
