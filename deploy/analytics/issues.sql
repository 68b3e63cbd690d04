-- Deploy platform:analytics/issues to pg
-- Reworked after v1.0.0: drops allowed_issue_transitions(): the issue lifecycle is data in base.status_transitions (analytics/status_machine)
-- The function is dropped here, in the change that created it, so that `sqitch verify` (which runs
-- only the latest verify script of a reworked change) checks that it is gone.

begin;

set local lock_timeout = '5s';

-- squawk-ignore ban-drop-function
drop function analytics.allowed_issue_transitions(text);

commit;
