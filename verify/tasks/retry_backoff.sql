-- Verify platform:tasks/retry_backoff on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('tasks.retry_delay(integer, interval, interval, double precision)') is not null
     or pg_catalog.to_regprocedure('tasks.next_retry_at(integer, interval, interval)') is not null then
    raise exception 'tasks.retry_delay() or tasks.next_retry_at() still exists';
  end if;
end
$$;

rollback;
