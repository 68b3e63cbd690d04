-- Deploy platform:tasks/record_history to pg
-- The task history row is built in one place. A task ends by leaving the queue (DELETE from
-- tasks.tasks) and arriving in tasks.task_history with its final status, finished_at and, per
-- outcome, a result, an error or a cancellation reason. The 28-column INSERT that does the second
-- half was written out four times (complete_task, tasks_complete_batch, tasks_cancel_cascade,
-- tasks_finish); now each of them deletes the rows and hands them to
-- internal.tasks_record_history, the only function body that inserts into tasks.task_history
-- (tests/pgtap/tasks/08_history_row.sql holds that, and checks the row of every way a task ends).
--
-- The callers take the deleted rows with RETURNING t.* (no whole-row reference: Citus deparses
-- these statements to the shards) and pass them as tasks.tasks values.
--
-- Why a function over arrays rather than an AFTER DELETE trigger: the outcome (status, result,
-- reason, cause) is not in the deleted row, and writing it there first would cost every completion
-- an UPDATE of the hot queue. Why arrays: the batch paths (complete_tasks, a cascade) stay one
-- set-based INSERT, and the single-task path calls it as a plain expression (no query of its own).
-- Measured against the four inline INSERTs on one cluster (main ce6c5fd and this change, alternating;
-- 2 cores shared with other work): backend CPU per task (utime+stime, median of 4) complete_task
-- 102.5 -> 118.7 us (+16%), complete_tasks of 100 21.2 -> 23.8 us (+12%), a last failure 661 -> 680 us
-- (+3%): one more PL/pgSQL call with its own search_path and the rows passed as an array. In
-- bench/tasks.py (8 workers, 3 rounds each) the claim + complete throughput moved within the
-- run-to-run noise (pgbench client 1,752 / 2,629 / 3,336 -> 2,168 / 1,686 / 3,642 tasks/s);
-- complete_tasks of 100 was lower in 2 of 3 rounds (21,179 / 24,352 / 39,252 -> 19,531 / 22,024 /
-- 33,045 tasks/s).

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create function internal.tasks_record_history(p_tasks tasks.tasks[], p_status text, p_results jsonb[] default null,
                                              p_error text default null, p_reasons text[] default null,
                                              p_causes uuid[] default null)
returns tasks.tasks[]
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows tasks.tasks[];
begin
  -- Every column comes from the task as it left the queue, except: the final status, no lease
  -- (locked_until), finished_at and updated_at now, the result (p_results, by position), the
  -- error (p_error, else the task's last one), the cancellation reason and its cause (p_reasons,
  -- p_causes, by position).
  with recorded as (
    insert into tasks.task_history
      (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
       attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
       locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
       cause_task_id, idempotency_key, enqueued_by, created_at, updated_at)
    select m.organization_id, m.id, m.definition_id, m.workflow_id, m.queue_name, p_status, m.priority, m.payload,
           m.scheduled_at, m.attempts, m.max_attempts, m.lease_duration, m.backoff_base, m.backoff_cap,
           m.pending_dependencies, m.worker_id, null, m.heartbeat_at, m.started_at, now(),
           p_results[m.ordinality::integer], coalesce(p_error, m.last_error), p_reasons[m.ordinality::integer],
           p_causes[m.ordinality::integer], m.idempotency_key, m.enqueued_by, m.created_at, now()
      from unnest(p_tasks) with ordinality as m
    returning *)
  select array_agg(r::tasks.tasks) into v_rows from recorded as r;
  return v_rows;
end
$$;
comment on function internal.tasks_record_history(tasks.tasks[], text, jsonb[], text, text[], uuid[]) is
  'The one writer of tasks.task_history: records the tasks just deleted from the queue (p_tasks, as they were) as ended with p_status, finished now, with the result, cancellation reason and causing task at the same position of p_results, p_reasons and p_causes, and p_error (else the task''s last error). Returns the history rows. Called by every function that ends a task.';
revoke execute on function internal.tasks_record_history(tasks.tasks[], text, jsonb[], text, text[], uuid[]) from public;
-- The worker API runs as service_role; the definer user API as the owner.
grant execute on function internal.tasks_record_history(tasks.tasks[], text, jsonb[], text, text[], uuid[]) to service_role;

create or replace function internal.tasks_complete_batch(p_worker_id text, p_task_ids uuid[], p_results jsonb[])
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_tasks   tasks.tasks[];
  v_results jsonb[];
  v_dep     record;
begin
  with batch as (
    select b.id, b.result from unnest(p_task_ids, p_results) as b(id, result)),
  done as (
    delete from tasks.tasks as t
     using batch as b
     where t.status = 'running' and t.worker_id = p_worker_id and t.id = b.id and t.workflow_id is null
    returning t.*)
  -- Each task's result by its id (the first one given for an id listed twice).
  select array_agg(d::tasks.tasks), array_agg(r.result) into v_tasks, v_results
    from done as d
    left join lateral (select b.result from batch as b where b.id = d.id limit 1) as r on true;
  if v_tasks is null then
    return;
  end if;
  return query select * from pg_catalog.unnest(internal.tasks_record_history(v_tasks, 'succeeded', v_results));

  for v_dep in
    select distinct d.organization_id, d.depends_on_task_id
      from tasks.task_dependencies as d
      join pg_catalog.unnest(v_tasks) as f on d.organization_id = f.organization_id and d.depends_on_task_id = f.id
     order by d.depends_on_task_id
  loop
    perform internal.tasks_release_dependants(v_dep.organization_id, v_dep.depends_on_task_id);
  end loop;
end
$$;

create or replace function tasks.complete_task(organization_id uuid, task_id uuid, worker_id text, result jsonb default null)
returns tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_task tasks.tasks;
begin
  if jsonb_typeof(complete_task.result) is distinct from 'object' and complete_task.result is not null then
    raise exception 'result must be a JSON object or NULL, not %', jsonb_typeof(complete_task.result)
      using errcode = '22023';
  end if;

  -- Move the task. Whether anything depends on it is asked in a later statement: when this one
  -- waited for a transaction adding an edge to the task (the dependency trigger writes the task's
  -- row), only a later snapshot sees that edge (READ COMMITTED).
  delete from tasks.tasks as t
   where t.organization_id = complete_task.organization_id and t.id = complete_task.task_id
     and t.status = 'running' and t.worker_id = complete_task.worker_id and t.workflow_id is null
  returning t.* into v_task;
  if not found then
    -- A task of a workflow (or an error): the general path, which locks the workflow first.
    return internal.tasks_finish(complete_task.organization_id, complete_task.task_id, complete_task.worker_id,
                                 'succeeded', complete_task.result, null);
  end if;
  v_task := (internal.tasks_record_history(array[v_task], 'succeeded', array[complete_task.result]))[1];

  if exists (select from tasks.task_dependencies as dep
              where dep.organization_id = complete_task.organization_id and dep.depends_on_task_id = complete_task.task_id) then
    perform internal.tasks_release_dependants(complete_task.organization_id, complete_task.task_id);
  end if;
  return v_task;
end
$$;

create or replace function internal.tasks_cancel_cascade(p_organization_id uuid, p_root_ids uuid[], p_include_roots boolean,
                                                         p_root_reason text, p_root_cause uuid, p_root_status text)
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_ids     uuid[];
  v_parents uuid[];
  v_tasks   tasks.tasks[];
  v_reasons text[];
  v_causes  uuid[];
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

  -- Lock in id order, then move: a root records p_root_reason / p_root_cause, a downstream task
  -- the dependency that ended it.
  perform from tasks.tasks as t
   where t.organization_id = p_organization_id and t.id = any (v_ids)
   order by t.id
     for update of t;

  with moved as (
    delete from tasks.tasks as t
     where t.organization_id = p_organization_id and t.id = any (v_ids)
    returning t.*)
  select array_agg(m::tasks.tasks),
         array_agg(case when c.parent is null then p_root_reason
                        else format('dependency %s %s', c.parent,
                                    case when c.parent = any (p_root_ids) then p_root_status else 'cancelled' end) end),
         array_agg(case when c.parent is null then p_root_cause else c.parent end)
    into v_tasks, v_reasons, v_causes
    from moved as m
    join unnest(v_ids, v_parents) as c(id, parent) on c.id = m.id;
  if v_tasks is null then
    return;
  end if;
  return query select * from unnest(internal.tasks_record_history(v_tasks, 'cancelled', null, null, v_reasons, v_causes));
end
$$;

create or replace function internal.tasks_finish(p_organization_id uuid, p_task_id uuid, p_worker_id text, p_status text,
                                                 p_result jsonb, p_error text, p_expired_only boolean default false)
returns tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
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

  delete from tasks.tasks as t
   where t.organization_id = p_organization_id and t.id = p_task_id
     and t.status = 'running' and t.worker_id = p_worker_id
     and (not p_expired_only or t.locked_until < now())
  returning t.* into v_task;

  if not found then
    if p_expired_only then
      return null;
    end if;
    perform internal.tasks_raise_not_leased(p_organization_id, p_task_id, p_worker_id,
                                            case p_status when 'succeeded' then 'complete' else 'fail' end);
  end if;
  v_task := (internal.tasks_record_history(array[v_task], p_status, array[p_result], p_error))[1];

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

commit;
