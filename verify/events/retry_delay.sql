-- Verify platform:events/retry_delay on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('events.retry_delay(integer, integer, integer, double precision)') is not null then
    raise exception 'events.retry_delay(integer, integer, integer, double precision) still exists';
  end if;
end
$$;

rollback;
