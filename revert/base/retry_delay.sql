-- Revert platform:base/retry_delay from pg

begin;

set local lock_timeout = '5s';

drop function base.retry_delay(integer, interval, interval, double precision);

commit;
