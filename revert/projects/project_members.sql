-- Revert platform:projects/project_members from pg
-- The table goes first: its policies depend on internal.led_project_ids().

begin;

drop table projects.project_members;
drop function internal.led_project_ids();

commit;
