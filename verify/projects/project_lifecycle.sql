-- Verify platform:projects/project_lifecycle on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('projects.allowed_project_transitions(text)') is not null then
    raise exception 'projects.allowed_project_transitions(text) still exists';
  end if;
end
$$;

rollback;
