-- Verify platform:events/retry_delay on pg

begin;

select 1 / (events.retry_delay(3, 10, 3600, 1) = interval '40 seconds')::int;
select 1 / (events.retry_delay(30, 10, 3600, 0) = interval '1800 seconds')::int;

rollback;
