-- Revert platform:projects/project_lifecycle from pg

begin;

drop function projects.transition_project(uuid, uuid, text, text);
drop trigger _800_record_status_update on projects.projects;
drop trigger _800_record_status_insert on projects.projects;
drop function internal.tg_projects__record_status();
drop trigger _200_guard_status on projects.projects;
drop function internal.tg_projects__guard_status();
drop function projects.allowed_project_transitions(text);

commit;
