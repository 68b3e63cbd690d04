-- Deploy platform:tasks/workflows to pg
-- Reworked after v1.0.0: drops tasks.tg_workflows__check_status_transition(): workflows are checked by internal.tg__check_status_transition (tasks/status_machine)
-- The function is dropped here, in the change that created it, so that `sqitch verify` (which runs
-- only the latest verify script of a reworked change) checks that it is gone.

begin;

set local lock_timeout = '5s';

-- squawk-ignore ban-drop-function
drop function tasks.tg_workflows__check_status_transition();

commit;
