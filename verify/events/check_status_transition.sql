-- Verify platform:events/check_status_transition on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('events.tg__check_status_transition()') is not null then
    raise exception 'events.tg__check_status_transition() still exists';
  end if;
end
$$;

rollback;
