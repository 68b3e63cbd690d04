-- Deploy platform:tasks/worker_api to pg
-- What a worker (service_role) does with a claimed task: extend its lease, complete it, fail it.
-- Each call checks that the task is still running under the calling worker; if not (its lease
-- expired and it went back to the queue or to another worker, or it was cancelled) it raises 55000,
-- and P0002 for a task that exists nowhere.
--
-- complete_task's common case, a task outside any workflow, is one statement in the function itself:
-- DELETE ... RETURNING from the queue feeding INSERT into task_history, with the probe for
-- dependants in the same statement. complete_tasks does the same set-based
-- (internal.tasks_complete_batch). A task of a workflow goes through internal.tasks_finish, which
-- locks the workflow first.
-- Written for the worker's hot path: no nested set-returning call, and statements whose cached
-- generic plan PL/pgSQL keeps (a probe keyed by an array variable is re-planned on every call, which
-- cost complete_task a third of its time; measured with pg_stat_statements.track = all).
-- fail_task's common case, a retry, is one UPDATE (HOT-friendly: no indexed column but status).
-- SECURITY INVOKER: only service_role may execute them, and it has the rights they use.

begin;

create function tasks.heartbeat_task(organization_id uuid, task_id uuid, worker_id text)
returns timestamptz
language plpgsql
volatile
as $$
declare
  v_until timestamptz;
begin
  update tasks.tasks as t
     set locked_until = now() + t.lease_duration, heartbeat_at = now(), updated_at = now()
   where t.organization_id = heartbeat_task.organization_id and t.id = heartbeat_task.task_id
     and t.status = 'running' and t.worker_id = heartbeat_task.worker_id
  returning t.locked_until into v_until;
  if not found then
    perform internal.tasks_raise_not_leased(heartbeat_task.organization_id, heartbeat_task.task_id,
                                            heartbeat_task.worker_id, 'heartbeat');
  end if;
  return v_until;
end
$$;
comment on function tasks.heartbeat_task(uuid, uuid, text) is
  'Worker API (service_role): extends the lease of a running task held by worker_id to now() + lease_duration and returns the new locked_until. 55000 when the task is no longer leased to that worker, P0002 when it does not exist.';

-- Completing tasks outside workflows, set-based, for complete_tasks: one statement moves the batch
-- from the queue to the history (found through the worker's running tasks, tasks_worker_id_idx, so
-- no organization is needed), one probe finds which of them have dependants, and only those are
-- released. Tasks of workflows are left for internal.tasks_finish, which locks the workflow first.
create function internal.tasks_complete_batch(p_worker_id text, p_task_ids uuid[], p_results jsonb[])
returns setof tasks.tasks
language plpgsql
volatile
as $$
declare
  v_done tasks.tasks[];
  v_dep  record;
begin
  with batch as (
    select b.id, b.result from unnest(p_task_ids, p_results) as b(id, result)),
  done as (
    delete from tasks.tasks as t
     using batch as b
     where t.status = 'running' and t.worker_id = p_worker_id and t.id = b.id and t.workflow_id is null
    returning t.*, b.result as new_result),
  archived as (
    insert into tasks.task_history
      (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
       attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
       locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
       cause_task_id, idempotency_key, enqueued_by, created_at, updated_at)
    select d.organization_id, d.id, d.definition_id, d.workflow_id, d.queue_name, 'succeeded', d.priority, d.payload,
           d.scheduled_at, d.attempts, d.max_attempts, d.lease_duration, d.backoff_base, d.backoff_cap,
           d.pending_dependencies, d.worker_id, null, d.heartbeat_at, d.started_at, now(), d.new_result,
           d.last_error, null, null, d.idempotency_key, d.enqueued_by, d.created_at, now()
      from done as d
    returning *)
  select array_agg(a::tasks.tasks) into v_done from archived as a;
  if v_done is null then
    return;
  end if;
  return query select * from unnest(v_done);

  for v_dep in
    select distinct d.organization_id, d.depends_on_task_id
      from tasks.task_dependencies as d
      join unnest(v_done) as f on d.organization_id = f.organization_id and d.depends_on_task_id = f.id
     order by d.depends_on_task_id
  loop
    perform internal.tasks_release_dependants(v_dep.organization_id, v_dep.depends_on_task_id);
  end loop;
end
$$;
comment on function internal.tasks_complete_batch(text, uuid[], jsonb[]) is
  'Completes the listed tasks outside workflows that run under p_worker_id: moves them to task_history as succeeded with their results and releases their dependants. Returns the completed tasks; others are left alone.';

create function tasks.complete_task(organization_id uuid, task_id uuid, worker_id text, result jsonb default null)
returns tasks.tasks
language plpgsql
volatile
as $$
declare
  v_done record;
begin
  if jsonb_typeof(complete_task.result) is distinct from 'object' and complete_task.result is not null then
    raise exception 'result must be a JSON object or NULL, not %', jsonb_typeof(complete_task.result)
      using errcode = '22023';
  end if;

  -- Move the task. Whether anything depends on it is asked in the next statement, not in this one:
  -- when this statement waited for a transaction adding an edge to the task (the dependency
  -- trigger writes the task's row), only a later snapshot sees that edge (READ COMMITTED).
  with done as (
    delete from tasks.tasks as t
     where t.organization_id = complete_task.organization_id and t.id = complete_task.task_id
       and t.status = 'running' and t.worker_id = complete_task.worker_id and t.workflow_id is null
    returning t.*),
  archived as (
    insert into tasks.task_history
      (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
       attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
       locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
       cause_task_id, idempotency_key, enqueued_by, created_at, updated_at)
    select d.organization_id, d.id, d.definition_id, d.workflow_id, d.queue_name, 'succeeded', d.priority, d.payload,
           d.scheduled_at, d.attempts, d.max_attempts, d.lease_duration, d.backoff_base, d.backoff_cap,
           d.pending_dependencies, d.worker_id, null, d.heartbeat_at, d.started_at, now(), complete_task.result,
           d.last_error, null, null, d.idempotency_key, d.enqueued_by, d.created_at, now()
      from done as d
    returning *)
  select a::tasks.tasks as task
    into v_done
    from archived as a;
  if not found then
    -- A task of a workflow (or an error): the general path, which locks the workflow first.
    return internal.tasks_finish(complete_task.organization_id, complete_task.task_id, complete_task.worker_id,
                                 'succeeded', complete_task.result, null);
  end if;

  if exists (select from tasks.task_dependencies as dep
              where dep.organization_id = complete_task.organization_id and dep.depends_on_task_id = complete_task.task_id) then
    perform internal.tasks_release_dependants(complete_task.organization_id, complete_task.task_id);
  end if;
  return v_done.task;
end
$$;
comment on function tasks.complete_task(uuid, uuid, text, jsonb) is
  'Worker API (service_role): the running task held by worker_id succeeded. Moves it to task_history with result (a JSON object or NULL), releases the tasks that depended on it and refreshes its workflow; returns the finished task. 55000 when not leased to that worker, P0002 when unknown, 22023 for a non-object result.';

create function tasks.complete_tasks(worker_id text, task_ids uuid[], results jsonb[] default null)
returns setof tasks.tasks
language plpgsql
volatile
as $$
declare
  v_rest record;
begin
  if cardinality(complete_tasks.task_ids) is null or cardinality(complete_tasks.task_ids) not between 1 and 1000 then
    raise exception 'task_ids must hold 1 to 1000 task ids'
      using errcode = '22023';
  end if;
  if complete_tasks.results is not null
     and (cardinality(complete_tasks.results) <> cardinality(complete_tasks.task_ids)
          or exists (select from unnest(complete_tasks.results) as r(r)
                      where r.r is not null and jsonb_typeof(r.r) <> 'object')) then
    raise exception 'results must be NULL or hold one JSON object (or NULL) per task id'
      using errcode = '22023';
  end if;

  return query
  select * from internal.tasks_complete_batch(complete_tasks.worker_id, complete_tasks.task_ids, complete_tasks.results);

  -- Tasks of workflows held by this worker: one by one, each locking its workflow first.
  for v_rest in
    select t.organization_id, t.id, b.result
      from unnest(complete_tasks.task_ids, complete_tasks.results) as b(id, result)
      join tasks.tasks as t on t.id = b.id
     where t.status = 'running' and t.worker_id = complete_tasks.worker_id
     order by t.workflow_id, t.id
  loop
    return next internal.tasks_finish(v_rest.organization_id, v_rest.id, complete_tasks.worker_id, 'succeeded',
                                      v_rest.result, null);
  end loop;
end
$$;
comment on function tasks.complete_tasks(text, uuid[], jsonb[]) is
  'Worker API (service_role), batched complete_task: completes the listed tasks (1-1000, any organization) that are running under worker_id, with the matching results (NULL or one per id). Returns the tasks it completed: a task no longer leased to the worker is left out, not an error. 22023 for bad arguments.';

create function tasks.fail_task(organization_id uuid, task_id uuid, worker_id text, error text, retryable boolean default true)
returns tasks.tasks
language plpgsql
volatile
as $$
declare
  -- The documented cap: a worker's error is diagnostic output (a stack trace, a tool's stderr), not
  -- user input, so it is kept truncated to its first 10000 characters rather than refused.
  v_error text := left(fail_task.error, 10000);
  v_task  tasks.tasks;
begin
  if coalesce(length(fail_task.error), 0) = 0 then
    raise exception 'error must describe the failure (a non-empty text)'
      using errcode = '22023';
  end if;

  -- Retry: back to the queue after the backoff (status scheduled), or at once when the
  -- definition's backoff is 0 (pending).
  update tasks.tasks as t
     set status = case when t.backoff_base > interval '0' then 'scheduled' else 'pending' end,
         scheduled_at = tasks.next_retry_at(t.attempts, t.backoff_base, t.backoff_cap),
         worker_id = null, locked_until = null, heartbeat_at = null,
         last_error = v_error, updated_at = now()
   where t.organization_id = fail_task.organization_id and t.id = fail_task.task_id
     and t.status = 'running' and t.worker_id = fail_task.worker_id
     and coalesce(fail_task.retryable, true) and t.attempts < t.max_attempts
  returning t.* into v_task;
  if found then
    if v_task.status = 'pending' then
      perform pg_catalog.pg_notify('tasks_ready', '');  -- empty payload: "poll now"
    end if;
    return v_task;
  end if;

  -- Last attempt, or not retryable: the task ends failed and its dependants are cancelled.
  return internal.tasks_finish(fail_task.organization_id, fail_task.task_id, fail_task.worker_id, 'failed',
                               null, v_error);
end
$$;
comment on function tasks.fail_task(uuid, uuid, text, text, boolean) is
  'Worker API (service_role): the running attempt held by worker_id failed with error, kept in last_error truncated to its first 10000 characters (a worker''s diagnostic, capped so that one failure cannot bloat the queue; not user input). While attempts < max_attempts and retryable, the task is rescheduled after tasks.retry_delay (exponential backoff with jitter, capped); otherwise it ends failed and its dependants are cancelled. 55000 when not leased to that worker, P0002 when unknown, 22023 for an empty error.';

revoke execute on function internal.tasks_complete_batch(text, uuid[], jsonb[]) from public;
revoke execute on function tasks.heartbeat_task(uuid, uuid, text) from public;
revoke execute on function tasks.complete_task(uuid, uuid, text, jsonb) from public;
revoke execute on function tasks.complete_tasks(text, uuid[], jsonb[]) from public;
revoke execute on function tasks.fail_task(uuid, uuid, text, text, boolean) from public;
grant execute on function internal.tasks_complete_batch(text, uuid[], jsonb[]) to service_role;
grant execute on function tasks.heartbeat_task(uuid, uuid, text) to service_role;
grant execute on function tasks.complete_task(uuid, uuid, text, jsonb) to service_role;
grant execute on function tasks.complete_tasks(text, uuid[], jsonb[]) to service_role;
grant execute on function tasks.fail_task(uuid, uuid, text, text, boolean) to service_role;

commit;
