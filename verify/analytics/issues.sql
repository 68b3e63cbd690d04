-- Verify platform:analytics/issues on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('analytics.allowed_issue_transitions(text)') is not null then
    raise exception 'analytics.allowed_issue_transitions(text) still exists';
  end if;
end
$$;

rollback;
