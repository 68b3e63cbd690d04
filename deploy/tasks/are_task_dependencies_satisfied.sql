-- Deploy platform:tasks/are_task_dependencies_satisfied to pg
-- The original design's readiness test, with its signature (one task id, no organization):
--   select t.* from tasks.tasks t
--    where t.status = 'pending' and t.scheduled_at <= now()
--      and tasks.are_task_dependencies_satisfied(t.id)
--    order by t.priority desc, t.scheduled_at;
-- It reads the edges themselves (task_dependencies_edge_key leads with task_id) and the history,
-- so it also checks the pending_dependencies counter the queue relies on. SECURITY INVOKER: a
-- user sees only the edges of their own organizations (RLS), so for another tenant's task it
-- answers true, like for a task without dependencies, and reveals nothing.

begin;

create function tasks.are_task_dependencies_satisfied(task_id uuid)
returns boolean
language sql
stable
as $$
  select not exists (
    select from tasks.task_dependencies as d
     where d.task_id = are_task_dependencies_satisfied.task_id
       and not exists (select from tasks.task_history as h
                        where h.organization_id = d.organization_id and h.id = d.depends_on_task_id
                          and h.status = 'succeeded'))
$$;
comment on function tasks.are_task_dependencies_satisfied(uuid) is
  'True when every task that task_id depends on has succeeded (also when it has no dependencies, or none the caller may see). From the original design''s ready-to-run query.';

revoke execute on function tasks.are_task_dependencies_satisfied(uuid) from public;
grant execute on function tasks.are_task_dependencies_satisfied(uuid) to authenticated, service_role;

commit;
