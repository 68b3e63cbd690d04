-- Deploy platform:projects/schema to pg
-- The projects module: projects and their lifecycle, repositories and their branches, the links
-- between them, and project teams. Every other module hangs its data off these rows.

begin;

create schema projects;
comment on schema projects is
  'Projects (lifecycle, goals, team), repositories (analysis configuration, branches) and the links between them. Tenant-owned: every row carries organization_id.';
revoke all on schema projects from public;
grant usage on schema projects to authenticated, service_role;

commit;
