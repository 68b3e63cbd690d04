-- Deploy platform:tasks/dependencies_satisfied_on_citus to pg
-- The original design's ready-to-run query calls tasks.are_task_dependencies_satisfied(t.id) for
-- every candidate row. On Citus that call runs on the worker, inside the shard query, and its own
-- read of task_dependencies and task_history (by task id alone: every shard) is refused there:
-- XX000 "cannot execute a distributed query from a query on a shard". Called on its own it failed
-- too: 42601 "a column definition list is required" (Citus cannot read back `exists (select from
-- ...)` over every shard). So:
--   * are_task_dependencies_satisfied(organization_id, task_id), new: the same test within one
--     organization. On Citus its reads go to the organization's colocated shards, which are on the
--     node already running the query; it may run them there, nested in the shard query
--     (citus.allow_nested_distributed_execution, set on this function only, on Citus only: its
--     reads stay on the local, colocated shards of the row's own organization). The tenant form
--     of the ready-to-run query:
--         select t.* from tasks.tasks t
--          where t.organization_id = $1 and t.status = 'pending' and t.scheduled_at <= now()
--            and tasks.are_task_dependencies_satisfied(t.organization_id, t.id)
--          order by t.priority desc, t.scheduled_at limit 100;
--   * are_task_dependencies_satisfied(task_id) keeps its signature and answers; it is PL/pgSQL
--     (it was SQL, which Citus cannot plan with parameters; on one node PL/pgSQL keeps its plan for
--     the session) and selects a constant in its EXISTS. On Citus it works called on its own, not
--     per row inside a distributed query (use the two-argument form there; docs/citus.md).

begin;

set local lock_timeout = '5s';
set local citus.multi_shard_modify_mode = 'sequential';

create or replace function tasks.are_task_dependencies_satisfied(task_id uuid)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return not exists (
    select 1 from tasks.task_dependencies as d
     where d.task_id = are_task_dependencies_satisfied.task_id
       and not exists (select 1 from tasks.task_history as h
                        where h.organization_id = d.organization_id and h.id = d.depends_on_task_id
                          and h.status = 'succeeded'));
end
$$;

create function tasks.are_task_dependencies_satisfied(organization_id uuid, task_id uuid)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return not exists (
    select 1 from tasks.task_dependencies as d
     where d.organization_id = are_task_dependencies_satisfied.organization_id
       and d.task_id = are_task_dependencies_satisfied.task_id
       and not exists (select 1 from tasks.task_history as h
                        where h.organization_id = d.organization_id and h.id = d.depends_on_task_id
                          and h.status = 'succeeded'));
end
$$;

comment on function tasks.are_task_dependencies_satisfied(uuid, uuid) is
  'True when every task that task_id (of organization_id) depends on has succeeded (also when it has no dependencies, or none the caller may see). The tenant form of the original design''s ready-to-run test: on Citus it runs per row inside a tenant''s query, on the tenant''s shards.';
revoke execute on function tasks.are_task_dependencies_satisfied(uuid, uuid) from public;
grant execute on function tasks.are_task_dependencies_satisfied(uuid, uuid) to authenticated, service_role;

-- On Citus: the new function on every node, and allowed to read its organization's colocated
-- shards from within a shard query. Nothing happens where citus is absent.
do $citus$
begin
  if not exists (select from pg_catalog.pg_extension where extname = 'citus') then
    return;
  end if;
  if not exists (select 1 from pg_dist_object as o
                  where o.classid = 'pg_catalog.pg_proc'::regclass
                    and o.objid = 'tasks.are_task_dependencies_satisfied(uuid, uuid)'::regprocedure) then
    perform pg_catalog.create_distributed_function('tasks.are_task_dependencies_satisfied(uuid, uuid)'::regprocedure);
  end if;
  alter function tasks.are_task_dependencies_satisfied(uuid, uuid) set citus.allow_nested_distributed_execution = on;
end
$citus$;

commit;
