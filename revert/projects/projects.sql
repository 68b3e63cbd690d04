-- Revert platform:projects/projects from pg

begin;

drop table projects.projects;
drop function projects.validate_goals(jsonb);

commit;
