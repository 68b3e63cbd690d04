-- Verify platform:analytics/run_lifecycle on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('analytics.allowed_run_transitions(text)') is not null then
    raise exception 'analytics.allowed_run_transitions(text) still exists';
  end if;
end
$$;

rollback;
