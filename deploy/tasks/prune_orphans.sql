-- Deploy platform:tasks/prune_orphans to pg
-- Soft references need a sweeper. When history partitions pass their retention and are dropped,
-- the idempotency keys and dependency edges of those tasks are left pointing at nothing. They do
-- no harm (a stale key is taken over by its next enqueue) but take space; this removes them.
-- Meant to run daily from the scheduler.

begin;

create function tasks.prune_orphans()
returns integer
language plpgsql
volatile
as $$
declare
  v_keys  integer;
  v_edges integer;
begin
  -- A key younger than a minute may belong to an enqueue that has not committed yet.
  delete from tasks.task_idempotency_keys as k
   where k.created_at < now() - interval '1 minute'
     and not exists (select from tasks.all_tasks as a where a.organization_id = k.organization_id and a.id = k.task_id);
  get diagnostics v_keys = row_count;

  -- An edge whose dependant is gone can no longer matter.
  delete from tasks.task_dependencies as d
   where d.created_at < now() - interval '1 minute'
     and not exists (select from tasks.all_tasks as a where a.organization_id = d.organization_id and a.id = d.task_id);
  get diagnostics v_edges = row_count;

  return v_keys + v_edges;
end
$$;
comment on function tasks.prune_orphans() is
  'Maintenance (service_role): deletes idempotency keys and dependency edges whose task no longer exists anywhere (history retention). Returns how many rows it deleted. Run daily.';

revoke execute on function tasks.prune_orphans() from public;
grant execute on function tasks.prune_orphans() to service_role;

commit;
