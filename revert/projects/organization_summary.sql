-- Revert platform:projects/organization_summary from pg

begin;

drop view projects.organization_summary;

commit;
