-- Revert platform:events/check_status_transition from pg

begin;

drop function events.tg__check_status_transition();

commit;
