-- Revert platform:tasks/record_history from pg
-- The four functions that end a task back to their own DELETE and INSERT into tasks.task_history,
-- and complete_tasks back to ending workflow tasks itself (as tasks/worker_api and
-- tasks/task_lifecycle created them, with the search_path base/pin_search_path gave them), then
-- the shared writer dropped.

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION internal.tasks_finish(p_organization_id uuid, p_task_id uuid, p_worker_id text, p_status text, p_result jsonb, p_error text, p_expired_only boolean DEFAULT false)
 RETURNS tasks.tasks
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION internal.tasks_cancel_cascade(p_organization_id uuid, p_root_ids uuid[], p_include_roots boolean, p_root_reason text, p_root_cause uuid, p_root_status text)
 RETURNS SETOF tasks.tasks
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION tasks.complete_task(organization_id uuid, task_id uuid, worker_id text, result jsonb DEFAULT NULL::jsonb)
 RETURNS tasks.tasks
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION internal.tasks_complete_batch(p_worker_id text, p_task_ids uuid[], p_results jsonb[])
 RETURNS SETOF tasks.tasks
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;

CREATE OR REPLACE FUNCTION tasks.complete_tasks(worker_id text, task_ids uuid[], results jsonb[] DEFAULT NULL::jsonb[])
 RETURNS SETOF tasks.tasks
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$;
comment on function internal.tasks_complete_batch(text, uuid[], jsonb[]) is
  'Completes the listed tasks outside workflows that run under p_worker_id: moves them to task_history as succeeded with their results and releases their dependants. Returns the completed tasks; others are left alone.';

drop function internal.tasks_move_to_history(uuid, uuid[], text, text, jsonb[], text, text[], uuid[], boolean, boolean, boolean);

commit;
