-- Revert platform:base/membership from pg

begin;

drop function base.has_organization_role(uuid, base.organization_role);
drop function internal.organization_ids_for(base.organization_role);

commit;
