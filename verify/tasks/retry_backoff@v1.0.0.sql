-- Verify platform:tasks/retry_backoff on pg

begin;

select 1 / (tasks.retry_delay(3, interval '1 second', interval '1 hour', 1) = interval '4 seconds')::int;
select 1 / (tasks.retry_delay(30, interval '1 second', interval '1 hour', 0) = interval '30 minutes')::int;

rollback;
