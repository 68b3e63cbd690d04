-- Deploy platform:tasks/task_lifecycle to pg
-- The private steps every task function shares: who may act, locking a workflow, ending a task
-- (moving it to task_history), releasing or cancelling what depends on it, and keeping the
-- workflow's status in step. They live in `internal`: no API role calls them directly. They are
-- SECURITY INVOKER: the worker API runs them as service_role, the SECURITY DEFINER user API
-- (enqueue_task, cancel_task, cancel_workflow) and the dependency trigger as the owner.
--
-- Lock order, followed by every function of the module so that two of them never wait on each
-- other in a circle:
--   1. the organization's dependency-graph lock, internal.serialize_tenant(organization,
--      'task_dependencies') (only when edges are added);
--   2. the workflow row (tasks_lock_workflow);
--   3. task rows; several at once in id order.
-- A claim holds task rows and only then touches a workflow, so it never waits for one (SKIP LOCKED).
-- A task in a workflow may depend only on tasks of the same workflow, so a cascade started from a
-- workflow's task never needs a second workflow's lock.
--
-- These functions assume READ COMMITTED (each statement sees what committed before it, in
-- particular after waiting for a lock), like every PostgreSQL work queue. tasks_lock_workflow
-- takes its lock with an UPDATE, so under REPEATABLE READ a concurrent change raises 40001
-- (retry) instead of being missed.

begin;

-- Caller check for the user-facing functions: service_role (or a role that has it, such as the
-- deploying owner) may act in any organization; a user needs p_min_role in this one. The caller's
-- role is read from the `role` setting (SET ROLE, as PostgREST does) or the session user, which a
-- SECURITY DEFINER function does not change.
create function internal.tasks_authorize(p_organization_id uuid, p_min_role base.organization_role, p_action text)
returns void
language plpgsql
stable
as $$
declare
  v_role text := coalesce(nullif(pg_catalog.current_setting('role'), 'none'), session_user);
begin
  if pg_catalog.pg_has_role(v_role, 'service_role', 'USAGE') then
    return;
  end if;
  if p_organization_id is not null and base.has_organization_role(p_organization_id, p_min_role) then
    return;
  end if;
  raise exception '% in organization % needs the % role or above (or service_role)', p_action, p_organization_id, p_min_role
    using errcode = '42501', hint = 'Viewers may read tasks; members and above enqueue and cancel them.';
end
$$;
comment on function internal.tasks_authorize(uuid, base.organization_role, text) is
  'Raises 42501 unless the caller is service_role or holds at least p_min_role in the organization. Used by the SECURITY DEFINER task functions.';

-- A task wherever it is: the queue first, then the history.
create function internal.tasks_find(p_organization_id uuid, p_task_id uuid)
returns tasks.tasks
language sql
stable
as $$
  select a.* from tasks.all_tasks as a
   where a.organization_id = p_organization_id and a.id = p_task_id
   limit 1
$$;
comment on function internal.tasks_find(uuid, uuid) is 'The task, from tasks.tasks or tasks.task_history; NULL when it exists in neither.';

-- Why a worker call found no task leased to it: always raises, 55000 or P0002.
create function internal.tasks_raise_not_leased(p_organization_id uuid, p_task_id uuid, p_worker_id text, p_action text)
returns void
language plpgsql
stable
as $$
declare
  v_task tasks.tasks := internal.tasks_find(p_organization_id, p_task_id);
begin
  if v_task.id is null then
    raise exception 'task % not found in organization %', p_task_id, p_organization_id
      using errcode = 'P0002';
  end if;
  if v_task.status = 'running' then
    raise exception 'task % is leased to worker %, not to worker %', p_task_id, v_task.worker_id, p_worker_id
      using errcode = '55000',
            detail = format('Only the worker holding the lease of a running task may %s it.', p_action),
            hint = 'The lease expired and the task went to another worker: stop working on it.';
  end if;
  raise exception 'task % is %, not running under worker %', p_task_id, v_task.status, p_worker_id
    using errcode = '55000',
          detail = format('Only a running task, leased to the calling worker, may be %s (allowed status: running).',
                          case p_action when 'complete' then 'completed' when 'fail' then 'failed' else 'extended' end),
          hint = case when v_task.status in ('succeeded', 'failed', 'cancelled')
                      then 'The task has ended (its lease expired, or it was cancelled).'
                      else 'Its lease expired and it went back to the queue.' end;
end
$$;
comment on function internal.tasks_raise_not_leased(uuid, uuid, text, text) is
  'Raises P0002 when the task exists nowhere, else 55000 naming its status and lease holder. For heartbeat_task, complete_task and fail_task.';

-- Lock a workflow row (step 2 of the lock order). The lock is taken by an UPDATE of updated_at:
-- under REPEATABLE READ a concurrent change of the row then raises 40001 instead of going unseen.
create function internal.tasks_lock_workflow(p_organization_id uuid, p_workflow_id uuid)
returns tasks.workflows
language plpgsql
volatile
as $$
declare
  v_workflow tasks.workflows;
begin
  update tasks.workflows as w
     set updated_at = now()
   where w.organization_id = p_organization_id and w.id = p_workflow_id
  returning w.* into v_workflow;
  if not found then
    raise exception 'workflow % not found in organization %', p_workflow_id, p_organization_id
      using errcode = 'P0002';
  end if;
  return v_workflow;
end
$$;
comment on function internal.tasks_lock_workflow(uuid, uuid) is
  'Locks a workflow row (FOR NO KEY UPDATE, through an UPDATE of updated_at) and returns it; P0002 when missing. Always taken before any task row of the workflow.';

-- The workflow's status after one of its tasks ended (caller holds the workflow lock): finished
-- when no task of it is left in the queue, else running once something has been claimed.
create function internal.tasks_refresh_workflow(p_organization_id uuid, p_workflow_id uuid, p_started boolean)
returns void
language plpgsql
volatile
as $$
begin
  if exists (select from tasks.tasks as t
              where t.organization_id = p_organization_id and t.workflow_id = p_workflow_id) then
    if p_started then
      update tasks.workflows as w
         set status = 'running', started_at = coalesce(w.started_at, now()), updated_at = now()
       where w.organization_id = p_organization_id and w.id = p_workflow_id and w.status = 'pending';
    end if;
    return;
  end if;

  update tasks.workflows as w
     set status = case
                    when exists (select from tasks.task_history as h
                                  where h.organization_id = p_organization_id and h.workflow_id = p_workflow_id
                                    and h.status = 'failed') then 'failed'
                    when exists (select from tasks.task_history as h
                                  where h.organization_id = p_organization_id and h.workflow_id = p_workflow_id
                                    and h.status = 'cancelled') then 'cancelled'
                    else 'succeeded'
                  end,
         started_at = case when p_started then coalesce(w.started_at, now()) else w.started_at end,
         finished_at = now(),
         updated_at = now()
   where w.organization_id = p_organization_id and w.id = p_workflow_id
     and w.status in ('pending', 'running');
end
$$;
comment on function internal.tasks_refresh_workflow(uuid, uuid, boolean) is
  'After a task of the workflow ended (the caller holds the workflow lock): ends the workflow when none of its tasks is left in the queue (failed if one failed, else cancelled if one was cancelled, else succeeded); otherwise marks it running when p_started.';

-- A task succeeded: each task waiting on it has one dependency fewer; those with none left become
-- claimable (or scheduled). Dependants are locked in id order: two tasks finishing at once with
-- dependants in common lock them in the same order.
create function internal.tasks_release_dependants(p_organization_id uuid, p_task_id uuid)
returns integer
language plpgsql
volatile
as $$
declare
  v_ids    uuid[];
  v_ready  integer;
  v_count  integer;
begin
  select array_agg(l.id) into v_ids
    from (select t.id
            from tasks.tasks as t
           where t.organization_id = p_organization_id
             and t.id in (select d.task_id from tasks.task_dependencies as d
                           where d.organization_id = p_organization_id and d.depends_on_task_id = p_task_id)
             and t.status = 'blocked'
           order by t.id
             for no key update of t) as l;
  if v_ids is null then
    return 0;
  end if;

  with released as (
    update tasks.tasks as t
       set pending_dependencies = t.pending_dependencies - 1,
           status = case when t.pending_dependencies > 1 then 'blocked'
                         when t.scheduled_at > now() then 'scheduled'
                         else 'pending' end,
           updated_at = now()
     where t.organization_id = p_organization_id and t.id = any (v_ids)
    returning t.status)
  select count(*) filter (where r.status = 'pending'), count(*)
    into v_ready, v_count
    from released as r;

  if v_ready > 0 then
    perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
  end if;
  return v_count;
end
$$;
comment on function internal.tasks_release_dependants(uuid, uuid) is
  'A task succeeded: decrements pending_dependencies of the tasks blocked on it, makes those with none left pending (or scheduled) and notifies tasks_ready. Returns how many dependants it touched.';

-- Cancel p_root_ids (when p_include_roots) and every live task downstream of them, moving each
-- to task_history as cancelled. A root gets p_root_reason / p_root_cause; a downstream task records
-- the dependency that ended it ("dependency X failed" / "... cancelled") in cancellation_reason and
-- cause_task_id, so the chain back to the first failure can be followed. Returns the moved rows.
-- The caller holds the lock of the roots' workflow, if any; downstream tasks are in that workflow
-- or in none (see the lock-order note above).
create function internal.tasks_cancel_cascade(p_organization_id uuid, p_root_ids uuid[], p_include_roots boolean,
                                              p_root_reason text, p_root_cause uuid, p_root_status text)
returns setof tasks.tasks
language plpgsql
volatile
as $$
declare
  v_ids     uuid[];
  v_parents uuid[];
begin
  -- The closure, walking edges once each (a task reached from several parents keeps the first).
  select array_agg(c.id order by c.id), array_agg(c.parent order by c.id)
    into v_ids, v_parents
    from (select distinct on (w.id) w.id, w.parent
            from (with recursive walk (id, parent) as (
                    select r.id, null::uuid from unnest(p_root_ids) as r(id)
                    union
                    select d.task_id, w.id
                      from walk as w
                      join tasks.task_dependencies as d
                        on d.organization_id = p_organization_id and d.depends_on_task_id = w.id
                      join tasks.tasks as t
                        on t.organization_id = p_organization_id and t.id = d.task_id)
                  select walk.id, walk.parent from walk) as w
           where p_include_roots or not w.id = any (p_root_ids)
           order by w.id, w.parent nulls first) as c;
  if v_ids is null then
    return;
  end if;

  -- Lock in id order, then move.
  perform from tasks.tasks as t
   where t.organization_id = p_organization_id and t.id = any (v_ids)
   order by t.id
     for update of t;

  return query
  with moved as (
    delete from tasks.tasks as t
     where t.organization_id = p_organization_id and t.id = any (v_ids)
    returning t.*)
  insert into tasks.task_history
    (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
     attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
     locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
     cause_task_id, idempotency_key, enqueued_by, created_at, updated_at)
  select m.organization_id, m.id, m.definition_id, m.workflow_id, m.queue_name, 'cancelled', m.priority, m.payload,
         m.scheduled_at, m.attempts, m.max_attempts, m.lease_duration, m.backoff_base, m.backoff_cap,
         m.pending_dependencies, m.worker_id, null, m.heartbeat_at, m.started_at, now(), null, m.last_error,
         case when c.parent is null then p_root_reason
              else format('dependency %s %s', c.parent,
                          case when c.parent = any (p_root_ids) then p_root_status else 'cancelled' end) end,
         case when c.parent is null then p_root_cause else c.parent end,
         m.idempotency_key, m.enqueued_by, m.created_at, now()
    from moved as m
    join unnest(v_ids, v_parents) as c(id, parent) on c.id = m.id
  returning *;
end
$$;
comment on function internal.tasks_cancel_cascade(uuid, uuid[], boolean, text, uuid, text) is
  'Cancels the roots (when p_include_roots) and all live tasks downstream of them, moving them to task_history with the reason and the causing dependency recorded. Locks in id order. Returns the cancelled rows.';

-- End one running task: move it to task_history as succeeded or failed, then release (succeeded)
-- or cancel (failed) what depends on it, and refresh its workflow, locked first. The task must be
-- running under p_worker_id (else 55000 / P0002); with p_expired_only its lease must also have
-- expired (lease recovery), and a task that is no longer so is left alone (NULL is returned).
create function internal.tasks_finish(p_organization_id uuid, p_task_id uuid, p_worker_id text, p_status text,
                                      p_result jsonb, p_error text, p_expired_only boolean default false)
returns tasks.tasks
language plpgsql
volatile
as $$
declare
  v_workflow_id uuid;
  v_task        tasks.tasks;
begin
  select t.workflow_id into v_workflow_id
    from tasks.tasks as t
   where t.organization_id = p_organization_id and t.id = p_task_id;
  if v_workflow_id is not null then
    perform internal.tasks_lock_workflow(p_organization_id, v_workflow_id);
  end if;

  with moved as (
    delete from tasks.tasks as t
     where t.organization_id = p_organization_id and t.id = p_task_id
       and t.status = 'running' and t.worker_id = p_worker_id
       and (not p_expired_only or t.locked_until < now())
    returning t.*)
  insert into tasks.task_history
    (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
     attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
     locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
     cause_task_id, idempotency_key, enqueued_by, created_at, updated_at)
  select m.organization_id, m.id, m.definition_id, m.workflow_id, m.queue_name, p_status, m.priority, m.payload,
         m.scheduled_at, m.attempts, m.max_attempts, m.lease_duration, m.backoff_base, m.backoff_cap,
         m.pending_dependencies, m.worker_id, null, m.heartbeat_at, m.started_at, now(), p_result,
         coalesce(p_error, m.last_error), null, null, m.idempotency_key, m.enqueued_by,
         m.created_at, now()
    from moved as m
  returning * into v_task;

  if not found then
    if p_expired_only then
      return null;
    end if;
    perform internal.tasks_raise_not_leased(p_organization_id, p_task_id, p_worker_id,
                                            case p_status when 'succeeded' then 'complete' else 'fail' end);
  end if;

  if p_status = 'succeeded' then
    perform internal.tasks_release_dependants(p_organization_id, p_task_id);
  else
    perform count(*) from internal.tasks_cancel_cascade(p_organization_id, array[p_task_id], false, null, null, p_status);
  end if;
  if v_task.workflow_id is not null then
    perform internal.tasks_refresh_workflow(p_organization_id, v_task.workflow_id, v_task.attempts > 0);
  end if;
  return v_task;
end
$$;
comment on function internal.tasks_finish(uuid, uuid, text, text, jsonb, text, boolean) is
  'Ends a running task held by p_worker_id (succeeded or failed): moves it to task_history, releases or cancels its dependants, refreshes its workflow (locked first). 55000 / P0002 when the task is not running under that worker.';

revoke execute on function internal.tasks_authorize(uuid, base.organization_role, text) from public;
revoke execute on function internal.tasks_find(uuid, uuid) from public;
revoke execute on function internal.tasks_raise_not_leased(uuid, uuid, text, text) from public;
revoke execute on function internal.tasks_lock_workflow(uuid, uuid) from public;
revoke execute on function internal.tasks_refresh_workflow(uuid, uuid, boolean) from public;
revoke execute on function internal.tasks_release_dependants(uuid, uuid) from public;
revoke execute on function internal.tasks_cancel_cascade(uuid, uuid[], boolean, text, uuid, text) from public;
revoke execute on function internal.tasks_finish(uuid, uuid, text, text, jsonb, text, boolean) from public;
-- The worker API is SECURITY INVOKER and runs as service_role; the user API reaches these as the owner.
grant execute on function internal.tasks_find(uuid, uuid) to service_role;
grant execute on function internal.tasks_raise_not_leased(uuid, uuid, text, text) to service_role;
grant execute on function internal.tasks_lock_workflow(uuid, uuid) to service_role;
grant execute on function internal.tasks_refresh_workflow(uuid, uuid, boolean) to service_role;
grant execute on function internal.tasks_release_dependants(uuid, uuid) to service_role;
grant execute on function internal.tasks_cancel_cascade(uuid, uuid[], boolean, text, uuid, text) to service_role;
grant execute on function internal.tasks_finish(uuid, uuid, text, text, jsonb, text, boolean) to service_role;

commit;
