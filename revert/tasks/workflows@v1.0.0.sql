-- Revert platform:tasks/workflows from pg

begin;

drop table tasks.workflows;
drop function tasks.tg_workflows__check_status_transition();

commit;
