-- Deploy platform:base/audit_base_tables to pg
-- Membership and tenant changes are security events: audit them.

begin;

do $$
begin
  perform base.enable_audit('base.organizations');
  perform base.enable_audit('base.organization_members');
  perform base.enable_audit('base.users');
end
$$;

commit;
