-- Deploy platform:base/organization_role to pg

begin;

-- Declared from least to most powerful so that role >= 'admin' reads as "admin or owner".
create type base.organization_role as enum ('viewer', 'member', 'admin', 'owner');

comment on type base.organization_role is
  'Role of a user in an organization, ordered by power: viewer (reads) < member (writes module data) < admin (manages settings and members) < owner (everything, including owners).';

grant usage on type base.organization_role to authenticated, service_role;

commit;
