-- Revert platform:base/access_policies from pg

begin;

revoke all on base.organization_members from authenticated, service_role;
drop policy all_service_role on base.organization_members;
drop policy delete_admin_or_self on base.organization_members;
drop policy update_admin on base.organization_members;
drop policy select_member on base.organization_members;

revoke all on base.organizations from authenticated, service_role;
drop policy all_service_role on base.organizations;
drop policy delete_owner on base.organizations;
drop policy update_admin on base.organizations;
drop policy select_member on base.organizations;

revoke all on base.users from authenticated, service_role;
drop policy all_service_role on base.users;
drop policy update_self on base.users;
drop policy insert_self on base.users;
drop policy select_self_or_colleague on base.users;

commit;
