-- Revert platform:base/status_machines from pg

begin;

set local lock_timeout = '5s';

drop function internal.tg__check_status_transition();
drop table base.status_transitions;

commit;
