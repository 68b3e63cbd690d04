-- Revert platform:base/audit_base_tables from pg

begin;

drop trigger _900_audit_delete on base.users;
drop trigger _900_audit_update on base.users;
drop trigger _900_audit_insert on base.users;
drop trigger _900_audit_delete on base.organization_members;
drop trigger _900_audit_update on base.organization_members;
drop trigger _900_audit_insert on base.organization_members;
drop trigger _900_audit_delete on base.organizations;
drop trigger _900_audit_update on base.organizations;
drop trigger _900_audit_insert on base.organizations;

commit;
