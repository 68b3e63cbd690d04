-- Verify platform:tasks/workflows on pg

begin;

do $$
begin
  if pg_catalog.to_regprocedure('tasks.tg_workflows__check_status_transition()') is not null then
    raise exception 'tasks.tg_workflows__check_status_transition() still exists';
  end if;
end
$$;

rollback;
