-- Revert platform:projects/project_with_repositories from pg

begin;

drop view projects.project_with_repositories;

commit;
