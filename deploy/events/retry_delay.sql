-- Deploy platform:events/retry_delay to pg
-- Reworked after v1.0.0: drops events.retry_delay(): deliveries retry through base.retry_delay (events/use_base_retry_delay)
-- The function is dropped here, in the change that created it, so that `sqitch verify` (which runs
-- only the latest verify script of a reworked change) checks that it is gone.

begin;

set local lock_timeout = '5s';

-- Replaced by base.retry_delay (a breaking change, in the CHANGELOG).
-- squawk-ignore ban-drop-function
drop function events.retry_delay(integer, integer, integer, double precision);

commit;
