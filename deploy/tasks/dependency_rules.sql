-- Deploy platform:tasks/dependency_rules to pg
-- What adding an edge "task_id depends on depends_on_task_id" does, whoever adds it (enqueue_task
-- or a plain INSERT):
--   * both tasks must exist in the organization (P0002); the dependant must not have started:
--     blocked, scheduled or pending (55000); a cancelled dependant just records the edge;
--   * a task of a workflow may depend only on tasks of the same workflow (22023), which keeps
--     every cascade inside one workflow (see the lock order in tasks/task_lifecycle);
--   * no cycle (23514). Graph changes of one organization are serialised by
--     internal.serialize_tenant(organization, 'task_dependencies'), a row lock on a table no API
--     role can lock (an advisory lock could be taken by anyone with a guessed key, and a snapshot
--     taken before the wait would miss the other edge), so two sessions adding the two halves of a
--     cycle at the same moment cannot both pass: under READ COMMITTED the second waits for the
--     first to commit, then sees its edge; under REPEATABLE READ and SERIALIZABLE it fails with
--     40001 (retry) instead of checking its older snapshot.
--   * a dependency that has not succeeded yet blocks the dependant (pending_dependencies + 1) and
--     is written (a no-op UPDATE, updated_at kept) so it cannot end and miss the new edge: its
--     completion waits for this transaction, and then (READ COMMITTED) looks for dependants in a
--     statement of its own that sees the edge, or (REPEATABLE READ, SERIALIZABLE) fails with 40001
--     because the row changed after its snapshot. (A share lock is no write: a REPEATABLE READ
--     completion, or the single statement that used to delete the task and look for dependants,
--     then missed the edge and left the dependant blocked for ever.) One that already succeeded
--     changes nothing; one that failed or was cancelled cancels the dependant (and what depends on
--     it) with the cause recorded.

begin;

create function internal.tg_task_dependencies__apply()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_workflow_id     uuid;
  v_dependant       tasks.tasks;
  v_ended           tasks.tasks;
  v_dep_status      text;
  v_dep_workflow_id uuid;
begin
  -- 1. One graph change at a time in this organization (released at commit; 40001 under
  --    REPEATABLE READ or SERIALIZABLE when another one committed after this snapshot).
  perform internal.serialize_tenant(new.organization_id, 'task_dependencies');

  -- 2. The dependant, its workflow locked first.
  select t.workflow_id into v_workflow_id
    from tasks.tasks as t
   where t.organization_id = new.organization_id and t.id = new.task_id;
  if v_workflow_id is not null then
    perform internal.tasks_lock_workflow(new.organization_id, v_workflow_id);
  end if;
  select t.* into v_dependant
    from tasks.tasks as t
   where t.organization_id = new.organization_id and t.id = new.task_id
     for no key update;
  if not found then
    v_ended := internal.tasks_find(new.organization_id, new.task_id);
    if v_ended.id is null then
      raise exception 'task % not found in organization %', new.task_id, new.organization_id
        using errcode = 'P0002';
    elsif v_ended.status <> 'cancelled' then
      raise exception 'task % is already %: dependencies can be added to blocked, scheduled or pending tasks only',
                      new.task_id, v_ended.status
        using errcode = '55000';
    end if;
    v_workflow_id := v_ended.workflow_id;
  elsif v_dependant.status = 'running' then
    raise exception 'task % is running: dependencies can be added to blocked, scheduled or pending tasks only', new.task_id
      using errcode = '55000';
  end if;

  -- 3. The dependency, written while it is live so it cannot end before this edge commits, nor end
  --    in a transaction whose snapshot misses the edge (see the header).
  update tasks.tasks as t
     set updated_at = t.updated_at
   where t.organization_id = new.organization_id and t.id = new.depends_on_task_id
  returning t.status, t.workflow_id into v_dep_status, v_dep_workflow_id;
  if not found then
    v_ended := internal.tasks_find(new.organization_id, new.depends_on_task_id);
    if v_ended.id is null then
      raise exception 'task % (the dependency) not found in organization %', new.depends_on_task_id, new.organization_id
        using errcode = 'P0002';
    end if;
    v_dep_status := v_ended.status;
    v_dep_workflow_id := v_ended.workflow_id;
  end if;
  if v_workflow_id is not null and v_dep_workflow_id is distinct from v_workflow_id then
    raise exception 'task % belongs to workflow % and may depend only on tasks of that workflow; task % does not',
                    new.task_id, v_workflow_id, new.depends_on_task_id
      using errcode = '22023';
  end if;

  -- 4. No cycle: walking up from the dependency must not come back to the dependant. Needless when
  --    nothing depends on the dependant, as no path can then end at it.
  if exists (select from tasks.task_dependencies as d
              where d.organization_id = new.organization_id and d.depends_on_task_id = new.task_id)
     and exists (with recursive up (id) as (
                   select new.depends_on_task_id
                   union
                   select d.depends_on_task_id
                     from up
                     join tasks.task_dependencies as d
                       on d.task_id = up.id and d.organization_id = new.organization_id)
                 select from up where up.id = new.task_id) then
    raise exception 'task dependency cycle: task % cannot depend on task %, which already depends on it (directly or through other tasks)',
                    new.task_id, new.depends_on_task_id
      using errcode = '23514', hint = 'Task dependencies must form a directed acyclic graph.';
  end if;

  -- 5. The dependant's state.
  if v_dependant.id is null or v_dep_status = 'succeeded' then
    return null;  -- a cancelled dependant stays cancelled; a succeeded dependency is satisfied
  elsif v_dep_status in ('failed', 'cancelled') then
    perform count(*)
       from internal.tasks_cancel_cascade(new.organization_id, array[new.task_id], true,
                                          format('dependency %s %s', new.depends_on_task_id, v_dep_status),
                                          new.depends_on_task_id, 'cancelled');
    if v_workflow_id is not null then
      perform internal.tasks_refresh_workflow(new.organization_id, v_workflow_id, false);
    end if;
  else
    update tasks.tasks as t
       set pending_dependencies = t.pending_dependencies + 1, status = 'blocked', updated_at = now()
     where t.organization_id = new.organization_id and t.id = new.task_id;
  end if;
  return null;
end
$$;
comment on function internal.tg_task_dependencies__apply() is
  'AFTER INSERT trigger on task_dependencies: checks both tasks (P0002, 55000, 22023), rejects cycles (23514) under the organization''s task_dependencies lock (internal.serialize_tenant: waits under READ COMMITTED, 40001 under REPEATABLE READ and SERIALIZABLE), then blocks, leaves or cancels the dependant.';
revoke execute on function internal.tg_task_dependencies__apply() from public;

create trigger _100_apply
  after insert on tasks.task_dependencies
  for each row execute function internal.tg_task_dependencies__apply();

commit;
