-- Revert platform:projects/project_status_history from pg

begin;

drop table projects.project_status_history;

commit;
