-- Verify platform:tasks/status_machine on pg

begin;

select 1 / (count(*) = 8)::int from base.status_transitions where machine = 'tasks.tasks.status';
select 1 / (count(*) = 7)::int from base.status_transitions where machine = 'tasks.workflows.status';

select 1 / (count(*) = 2)::int
  from pg_catalog.pg_trigger
 where tgrelid in ('tasks.tasks'::regclass, 'tasks.workflows'::regclass)
   and tgname = '_000_check_status_transition'
   and tgfoid = 'internal.tg__check_status_transition()'::regprocedure;

do $$
begin
  if to_regprocedure('tasks.tg_tasks__check_status_transition()') is not null then
    raise exception 'a per-table transition function of tasks still exists';
  end if;
end
$$;

rollback;
