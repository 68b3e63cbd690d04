-- Revert platform:events/retry_delay from pg

begin;

drop function events.retry_delay(integer, integer, integer, double precision);

commit;
