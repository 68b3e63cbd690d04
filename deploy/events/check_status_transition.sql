-- Deploy platform:events/check_status_transition to pg
-- Reworked after v1.0.0: drops events.tg__check_status_transition(): events and deliveries are checked by internal.tg__check_status_transition (events/status_machine)
-- The function is dropped here, in the change that created it, so that `sqitch verify` (which runs
-- only the latest verify script of a reworked change) checks that it is gone.

begin;

set local lock_timeout = '5s';

-- squawk-ignore ban-drop-function
drop function events.tg__check_status_transition();

commit;
