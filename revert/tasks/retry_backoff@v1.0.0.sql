-- Revert platform:tasks/retry_backoff from pg

begin;

drop function tasks.next_retry_at(integer, interval, interval);
drop function tasks.retry_delay(integer, interval, interval, double precision);

commit;
