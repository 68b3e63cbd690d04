-- Deploy platform:tasks/record_history to pg
-- The task history row is built in one place. A task ends by leaving the queue (DELETE from
-- tasks.tasks) and arriving in tasks.task_history with its final status, finished_at and, per
-- outcome, a result, an error or a cancellation reason. The DELETE and the 28-column INSERT were
-- written out four times (complete_task, tasks_complete_batch, tasks_cancel_cascade,
-- tasks_finish); now each of them names the tasks and the outcome, and
-- internal.tasks_move_to_history moves them in one statement per organization. It is the only
-- function body that inserts into tasks.task_history (tests/pgtap/tasks/08_history_row.sql holds
-- that, and checks the row of every way a task ends).
--
-- Why one statement that deletes and inserts, rather than the callers deleting and handing the rows
-- over: a second statement per completion, and the rows passed as a composite array, cost
-- complete_task about 15 us (+11%) and complete_tasks about 5 us per task (+25%) in the first
-- version of this change. Why not an AFTER DELETE trigger: the outcome (status, result, reason,
-- cause) is not in the deleted row, and writing it there first would cost every completion an
-- UPDATE of the hot queue. The tasks of one organization are named by their ids, so the statement
-- is an index lookup per task for one task or a hundred, and on Citus a single-shard statement
-- (a worker's batch across organizations calls it once per organization).

begin;

set local lock_timeout = '5s';
-- Citus: DDL on distributed tables and function DDL in one transaction need sequential shard
-- commands (a placeholder setting where Citus is absent).
set local citus.multi_shard_modify_mode = 'sequential';

create function internal.tasks_move_to_history(
  p_organization_id  uuid,
  p_task_ids         uuid[],
  p_status           text,
  p_worker_id        text    default null,
  p_results          jsonb[] default null,
  p_error            text    default null,
  p_reasons          text[]  default null,
  p_causes           uuid[]  default null,
  p_standalone_only  boolean default false,
  p_expired_only     boolean default false,
  p_held_only        boolean default true)
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
-- One plan for every call: an index probe of the queue's primary key per pair. A plan made for the
-- values of one call would, for a worker, read every task it holds through tasks_worker_id_idx
-- (a worker that claimed 1,000 tasks and completes them one by one: 0.8 ms per completion).
set plan_cache_mode = force_generic_plan
as $$
begin
  -- Which tasks: those of the organization listed in p_task_ids that run under p_worker_id's lease
  -- (a NULL worker holds none), or in any state when p_held_only is false (a cancellation); with
  -- p_standalone_only only those outside a workflow, with p_expired_only only those whose lease has
  -- run out. An id given twice moves its task once (with
  -- the outcome of one of them: callers pass each task once).
  -- The history row: every column from the task as it left the queue, except the final status, no
  -- lease (locked_until), finished_at and updated_at now, the result, cancellation reason and cause
  -- given at the task's position, and p_error (else the task's last error).
  return query
  with moved as (
    delete from tasks.tasks as t
     using unnest(p_task_ids, p_results, p_reasons, p_causes) as o(id, outcome_result, outcome_reason, outcome_cause)
     where t.organization_id = p_organization_id and t.id = o.id
       and (not p_held_only or (t.status = 'running' and t.worker_id = p_worker_id))
       and (not p_standalone_only or t.workflow_id is null)
       and (not p_expired_only or t.locked_until < now())
    returning t.*, o.outcome_result, o.outcome_reason, o.outcome_cause)
  insert into tasks.task_history
    (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
     attempts, max_attempts, lease_duration, backoff_base, backoff_cap, pending_dependencies, worker_id,
     locked_until, heartbeat_at, started_at, finished_at, result, last_error, cancellation_reason,
     cause_task_id, idempotency_key, enqueued_by, created_at, updated_at)
  select m.organization_id, m.id, m.definition_id, m.workflow_id, m.queue_name, p_status, m.priority, m.payload,
         m.scheduled_at, m.attempts, m.max_attempts, m.lease_duration, m.backoff_base, m.backoff_cap,
         m.pending_dependencies, m.worker_id, null, m.heartbeat_at, m.started_at, now(),
         m.outcome_result, coalesce(p_error, m.last_error), m.outcome_reason,
         m.outcome_cause, m.idempotency_key, m.enqueued_by, m.created_at, now()
    from moved as m
  returning *;
end
$$;
comment on function internal.tasks_move_to_history(uuid, uuid[], text, text, jsonb[], text, text[], uuid[], boolean, boolean, boolean) is
  'The one writer of tasks.task_history: moves the tasks p_task_ids of organization p_organization_id out of the queue and records them as ended with p_status, finished now, with the result, cancellation reason and causing task at the same position of p_results, p_reasons and p_causes, and p_error (else the task''s last error). Only tasks running under the lease of p_worker_id move (none for a NULL worker), or tasks in any state with p_held_only false; with p_standalone_only only tasks outside a workflow, with p_expired_only only expired leases. Returns the history rows of the tasks it moved. Called by every function that ends a task.';
revoke execute on function internal.tasks_move_to_history(uuid, uuid[], text, text, jsonb[], text, text[], uuid[], boolean, boolean, boolean) from public;
-- The worker API runs as service_role; the definer user API as the owner.
grant execute on function internal.tasks_move_to_history(uuid, uuid[], text, text, jsonb[], text, text[], uuid[], boolean, boolean, boolean) to service_role;
-- Citus cannot plan this statement with parameters (it must see the organization to send it to one
-- shard): there the plan is made for each call's values.
do $$
begin
  if exists (select from pg_catalog.pg_extension where extname = 'citus') then
    alter function internal.tasks_move_to_history(uuid, uuid[], text, text, jsonb[], text, text[], uuid[], boolean, boolean, boolean)
      reset plan_cache_mode;
  end if;
end
$$;

create or replace function internal.tasks_complete_batch(p_worker_id text, p_task_ids uuid[], p_results jsonb[])
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_group record;
  v_flows bigint := 0;
  v_task  tasks.tasks;
  v_moved uuid[];
  v_dep   record;
begin
  -- The tasks of the batch running under this worker's lease, each once with the first result
  -- given for it, by organization: those outside a workflow move together (one statement per
  -- organization, a single shard on Citus); those of a workflow are counted here and ended one by
  -- one below.
  for v_group in
    select t.organization_id,
           array_agg(t.id) filter (where t.workflow_id is null) as ids,
           array_agg(b.result) filter (where t.workflow_id is null) as results,
           count(*) filter (where t.workflow_id is not null) as flows
      from (select distinct on (b.id) b.id, b.result
              from unnest(p_task_ids, p_results) with ordinality as b(id, result, n)
             order by b.id, b.n) as b
      join tasks.tasks as t on t.id = b.id and t.status = 'running' and t.worker_id = p_worker_id
     group by t.organization_id
     order by t.organization_id
  loop
    v_flows := v_flows + v_group.flows;
    continue when v_group.ids is null;
    v_moved := '{}'::uuid[];
    for v_task in
      select * from internal.tasks_move_to_history(v_group.organization_id, v_group.ids, 'succeeded',
                                                   p_worker_id => p_worker_id, p_results => v_group.results,
                                                   p_standalone_only => true)
    loop
      return next v_task;
      v_moved := v_moved || v_task.id;
    end loop;

    for v_dep in
      select distinct d.depends_on_task_id
        from tasks.task_dependencies as d
       where d.organization_id = v_group.organization_id and d.depends_on_task_id = any (v_moved)
       order by d.depends_on_task_id
    loop
      perform internal.tasks_release_dependants(v_group.organization_id, v_dep.depends_on_task_id);
    end loop;
  end loop;

  -- Tasks of workflows: one by one, each locking its workflow first (internal.tasks_finish), in
  -- workflow order; read again, as a task may have left this worker meanwhile.
  if v_flows > 0 then
    for v_dep in
      select t.organization_id, t.id, b.result
        from (select distinct on (b.id) b.id, b.result
                from unnest(p_task_ids, p_results) with ordinality as b(id, result, n)
               order by b.id, b.n) as b
        join tasks.tasks as t on t.id = b.id
       where t.status = 'running' and t.worker_id = p_worker_id and t.workflow_id is not null
       order by t.workflow_id, t.id
    loop
      return next internal.tasks_finish(v_dep.organization_id, v_dep.id, p_worker_id, 'succeeded', v_dep.result, null);
    end loop;
  end if;
end
$$;
comment on function internal.tasks_complete_batch(text, uuid[], jsonb[]) is
  'The body of tasks.complete_tasks: completes the listed tasks running under p_worker_id, those outside a workflow in one move per organization (internal.tasks_move_to_history), then those of workflows one by one (internal.tasks_finish). Returns the history rows.';

create or replace function tasks.complete_tasks(worker_id text, task_ids uuid[], results jsonb[] default null)
returns setof tasks.tasks
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
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
  select * into v_task
    from internal.tasks_move_to_history(complete_task.organization_id, array[complete_task.task_id],
                                        'succeeded', p_worker_id => complete_task.worker_id,
                                        p_results => array[complete_task.result], p_standalone_only => true);
  if not found then
    -- A task of a workflow (or an error): the general path, which locks the workflow first.
    return internal.tasks_finish(complete_task.organization_id, complete_task.task_id, complete_task.worker_id,
                                 'succeeded', complete_task.result, null);
  end if;

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

  select array_agg(case when c.parent is null then p_root_reason
                         else format('dependency %s %s', c.parent,
                                     case when c.parent = any (p_root_ids) then p_root_status else 'cancelled' end) end
                    order by c.n),
         array_agg(case when c.parent is null then p_root_cause else c.parent end order by c.n)
    into v_reasons, v_causes
    from unnest(v_ids, v_parents) with ordinality as c(id, parent, n);

  return query
  select * from internal.tasks_move_to_history(p_organization_id, v_ids, 'cancelled', p_held_only => false,
                                               p_reasons => v_reasons, p_causes => v_causes);
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

  select * into v_task
    from internal.tasks_move_to_history(p_organization_id, array[p_task_id], p_status, p_worker_id => p_worker_id,
                                        p_results => array[p_result], p_error => p_error,
                                        p_expired_only => p_expired_only);

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

commit;
