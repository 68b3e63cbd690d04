-- Deploy platform:tasks/retry_backoff to pg
-- Reworked after v1.0.0: drops tasks.retry_delay() and tasks.next_retry_at(): tasks retry through base.retry_delay (tasks/use_base_retry_delay).
-- They are dropped here, in the change that created them, so that `sqitch verify` (which runs only
-- the latest verify script of a reworked change) checks that they are gone.

begin;

set local lock_timeout = '5s';

-- Replaced by base.retry_delay (a breaking change, in the CHANGELOG).
-- squawk-ignore ban-drop-function
drop function tasks.next_retry_at(integer, interval, interval);
-- squawk-ignore ban-drop-function
drop function tasks.retry_delay(integer, interval, interval, double precision);

commit;
