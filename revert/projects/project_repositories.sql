-- Revert platform:projects/project_repositories from pg

begin;

drop table projects.project_repositories;

commit;
