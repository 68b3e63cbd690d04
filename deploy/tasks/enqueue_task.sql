-- Deploy platform:tasks/enqueue_task to pg
-- Putting work in the queue.
--   tasks.enqueue_task(...)   one task, with an idempotency key, dependencies and a workflow;
--   tasks.enqueue_tasks(...)  many tasks of one definition in one statement (the batched path).
-- Both are SECURITY INVOKER entry points over SECURITY DEFINER bodies in the unexposed internal
-- schema (internal.enqueue_task, internal.enqueue_tasks), so that members can enqueue without any
-- write grant on the queue tables while the API exposes no definer function (Supabase's advisor
-- 0029). internal.tasks_authorize lets in service_role and members (and above) of the organization
-- only. A task that is ready at once (pending) sends NOTIFY tasks_ready with an empty payload, so
-- idle workers wake without polling; identical notifications of one transaction are folded into one
-- by PostgreSQL. Anyone may LISTEN (or NOTIFY) on any channel, so a notification carries nothing a
-- tenant wrote: it only means "poll now" (see tasks/claim_tasks).
-- scheduled_at: a time in the past is stored as now() and a non-finite one is refused (22023), so
-- that no task is put ahead of work already waiting in its organization (see tasks/fair_claim).
-- Reworked after v1.0.0: the v1.0.0 script (enqueue_task@v1.0.0.sql) made the API functions the
-- definers themselves.

begin;

set local lock_timeout = '5s';

-- What both enqueue functions check first: the caller's role in the organization, the priority,
-- and that the definition exists and is active. Returns the definition.
create or replace function internal.tasks_definition_for_enqueue(p_organization_id uuid, p_definition_name text,
                                                      p_priority integer, p_action text)
returns tasks.task_definitions
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_definition tasks.task_definitions;
begin
  perform internal.tasks_authorize(p_organization_id, 'member', p_action);
  if p_priority not between -1000 and 1000 then
    raise exception 'priority % is out of range: allowed -1000 to 1000', p_priority
      using errcode = '22023';
  end if;
  select d.* into v_definition
    from tasks.task_definitions as d
   where d.organization_id = p_organization_id and d.name = p_definition_name;
  if not found then
    raise exception 'task definition "%" not found in organization %', p_definition_name, p_organization_id
      using errcode = 'P0002';
  end if;
  if not v_definition.is_active then
    raise exception 'task definition "%" is inactive: only active definitions accept new tasks', p_definition_name
      using errcode = '55000';
  end if;
  return v_definition;
end
$$;
comment on function internal.tasks_definition_for_enqueue(uuid, text, integer, text) is
  'Checks an enqueue: the caller may enqueue in the organization (42501), the priority is in range (22023), the definition exists (P0002) and is active (55000). Returns the definition.';
revoke execute on function internal.tasks_definition_for_enqueue(uuid, text, integer, text) from public;

create function internal.enqueue_task(
  p_organization_id  uuid,
  p_definition_name  text,
  p_payload          jsonb       default '{}',
  p_priority         integer     default null,
  p_scheduled_at     timestamptz default now(),
  p_idempotency_key  text        default null,
  p_depends_on       uuid[]      default '{}',
  p_workflow_id      uuid        default null)
returns tasks.tasks
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id         uuid := base.uuid_generate_v7();
  v_payload    jsonb := coalesce(p_payload, '{}');
  v_at         timestamptz := greatest(coalesce(p_scheduled_at, now()), now());  -- the past is now
  v_deps       uuid[];
  v_definition tasks.task_definitions;
  v_workflow   tasks.workflows;
  v_task       tasks.tasks;
  v_existing   uuid;
  v_tries      integer := 0;
begin
  -- The caller check, then the definition checks of internal.tasks_definition_for_enqueue asked
  -- here in one pass (a call of a function with a pinned search_path costs about 1.5 us on this hot
  -- path); when one of them fails, that function runs and raises the precise error.
  perform internal.tasks_authorize(p_organization_id, 'member', 'enqueuing a task');
  select d.* into v_definition
    from tasks.task_definitions as d
   where d.organization_id = p_organization_id and d.name = p_definition_name;
  if not (found and v_definition.is_active and coalesce(p_priority, 0) between -1000 and 1000) then
    v_definition := internal.tasks_definition_for_enqueue(p_organization_id, p_definition_name,
                                                          p_priority, 'enqueuing a task');
  end if;
  if not isfinite(p_scheduled_at) then
    raise exception 'scheduled_at must be a finite time, not %', p_scheduled_at
      using errcode = '22023';
  end if;
  if jsonb_typeof(v_payload) <> 'object' then
    raise exception 'payload must be a JSON object, not %', jsonb_typeof(v_payload)
      using errcode = '22023';
  end if;
  if length(p_idempotency_key) not between 1 and 200 then
    raise exception 'idempotency_key must be 1 to 200 characters'
      using errcode = '22023';
  end if;
  if array_position(p_depends_on, null) is not null then
    raise exception 'depends_on must not contain NULL'
      using errcode = '22023';
  end if;
  if cardinality(p_depends_on) > 0 then
    v_deps := array(select distinct d.d from unnest(p_depends_on) as d(d) order by d.d);
  else
    v_deps := '{}';
  end if;

  -- Idempotency: take the key first. A concurrent enqueue with the same key waits here until this
  -- transaction ends, then finds the key and returns this task.
  if p_idempotency_key is not null then
    loop
      v_tries := v_tries + 1;
      insert into tasks.task_idempotency_keys as k (organization_id, idempotency_key, task_id)
      values (p_organization_id, p_idempotency_key, v_id)
      on conflict on constraint task_idempotency_keys_pkey do nothing;
      exit when found;

      select k.task_id into v_existing
        from tasks.task_idempotency_keys as k
       where k.organization_id = p_organization_id and k.idempotency_key = p_idempotency_key;
      v_task := internal.tasks_find(p_organization_id, v_existing);
      if v_task.id is not null then
        return v_task;  -- the existing task, queued or finished
      end if;
      -- A stale key (its task left the history): take it over, unless another enqueue just did.
      update tasks.task_idempotency_keys as k
         set task_id = v_id, created_at = now()
       where k.organization_id = p_organization_id and k.idempotency_key = p_idempotency_key
         and k.task_id = v_existing;
      exit when found;
      if v_tries >= 3 then
        raise exception 'idempotency key "%" kept changing hands', p_idempotency_key
          using errcode = '40001', hint = 'Retry the transaction.';
      end if;
    end loop;
  end if;

  -- Lock order: graph lock (when edges will be added), then the workflow.
  if p_workflow_id is not null then
    select w.* into v_workflow
      from tasks.workflows as w
     where w.organization_id = p_organization_id and w.id = p_workflow_id;
    if not found then
      raise exception 'workflow % not found in organization %', p_workflow_id, p_organization_id
        using errcode = 'P0002';
    end if;
    if v_workflow.execution_mode <> 'dag' and cardinality(v_deps) > 0 then
      raise exception 'workflow % is %: depends_on is for dag workflows only', p_workflow_id, v_workflow.execution_mode
        using errcode = '22023',
              hint = 'In a sequential workflow each task depends on the one enqueued before it; in a parallel one on none.';
    end if;
  end if;
  -- The organization's dependency-graph lock (internal.serialize_tenant: a row no API role can
  -- lock), the same one the dependency trigger takes, taken here first to keep the lock order.
  if cardinality(v_deps) > 0 or v_workflow.execution_mode = 'sequential' then
    perform internal.serialize_tenant(p_organization_id, 'task_dependencies');
  end if;
  if p_workflow_id is not null then
    v_workflow := internal.tasks_lock_workflow(p_organization_id, p_workflow_id);
    if v_workflow.status not in ('pending', 'running') then
      raise exception 'workflow % is already %: tasks can be added to pending or running workflows only',
                      p_workflow_id, v_workflow.status
        using errcode = '55000';
    end if;
    if v_workflow.execution_mode = 'sequential' and v_workflow.last_task_id is not null then
      v_deps := array[v_workflow.last_task_id];
    end if;
  end if;

  insert into tasks.tasks
    (organization_id, id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
     max_attempts, lease_duration, backoff_base, backoff_cap, idempotency_key, enqueued_by)
  values
    (p_organization_id, v_id, v_definition.id, p_workflow_id, v_definition.queue_name,
     case when v_at > now() then 'scheduled' else 'pending' end,
     coalesce(p_priority, v_definition.default_priority), v_payload, v_at,
     v_definition.max_attempts, v_definition.lease_duration, v_definition.backoff_base, v_definition.backoff_cap,
     p_idempotency_key, base.current_user_id())
  returning * into v_task;

  if cardinality(v_deps) > 0 then
    insert into tasks.task_dependencies (organization_id, task_id, depends_on_task_id)
    select p_organization_id, v_id, d.id from unnest(v_deps) as d(id);
    -- The dependency trigger blocked the task, or cancelled it (a dependency had failed).
    v_task := internal.tasks_find(p_organization_id, v_id);
  end if;

  if p_workflow_id is not null then
    update tasks.workflows as w
       set last_task_id = v_id, updated_at = now()
     where w.organization_id = p_organization_id and w.id = p_workflow_id;
  end if;

  if v_task.status = 'pending' then
    perform pg_catalog.pg_notify('tasks_ready', '');
  end if;
  return v_task;
end
$$;
comment on function internal.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid) is
  'The SECURITY DEFINER body of tasks.enqueue_task, which calls it as the caller: the API exposes no definer function. Checks the caller itself (internal.tasks_authorize). Not for direct use.';
revoke execute on function internal.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid) from public;
grant execute on function internal.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid) to authenticated, service_role;

create or replace function tasks.enqueue_task(
  organization_id  uuid,
  definition_name  text,
  payload          jsonb       default '{}',
  priority         integer     default null,
  scheduled_at     timestamptz default now(),
  idempotency_key  text        default null,
  depends_on       uuid[]      default '{}',
  workflow_id      uuid        default null)
returns tasks.tasks
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.enqueue_task(enqueue_task.organization_id, enqueue_task.definition_name,
                               enqueue_task.payload, enqueue_task.priority,
                               enqueue_task.scheduled_at, enqueue_task.idempotency_key,
                               enqueue_task.depends_on, enqueue_task.workflow_id);
end
$$;
comment on function tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid) is
  'Enqueues one task of a definition (by name) for a member of the organization or service_role (else 42501). Returns it: pending (claimable), scheduled (scheduled_at in the future), blocked (waits for depends_on) or cancelled (a dependency had failed). A repeated idempotency_key returns the existing task instead, also under concurrency. scheduled_at in the past means now; a non-finite one is refused. Errors: 22023 bad argument, P0002 unknown definition or workflow or dependency, 55000 inactive definition or finished workflow, 23514 dependency cycle.';

create function internal.enqueue_tasks(
  p_organization_id  uuid,
  p_definition_name  text,
  p_payloads         jsonb[],
  p_priority         integer     default null,
  p_scheduled_at     timestamptz default now(),
  p_workflow_id      uuid        default null)
returns setof tasks.tasks
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_at         timestamptz := greatest(coalesce(p_scheduled_at, now()), now());  -- the past is now
  v_definition tasks.task_definitions;
  v_workflow   tasks.workflows;
begin
  v_definition := internal.tasks_definition_for_enqueue(p_organization_id, p_definition_name,
                                                        p_priority, 'enqueuing tasks');
  if not isfinite(p_scheduled_at) then
    raise exception 'scheduled_at must be a finite time, not %', p_scheduled_at
      using errcode = '22023';
  end if;
  if cardinality(p_payloads) is null or cardinality(p_payloads) not between 1 and 10000 then
    raise exception 'payloads must hold 1 to 10000 JSON objects'
      using errcode = '22023';
  end if;
  if exists (select from unnest(p_payloads) as p(p) where jsonb_typeof(p.p) is distinct from 'object') then
    raise exception 'every payload must be a JSON object'
      using errcode = '22023';
  end if;

  if p_workflow_id is not null then
    v_workflow := internal.tasks_lock_workflow(p_organization_id, p_workflow_id);
    if v_workflow.execution_mode = 'sequential' then
      raise exception 'workflow % is sequential: enqueue its tasks one by one with enqueue_task', p_workflow_id
        using errcode = '22023';
    end if;
    if v_workflow.status not in ('pending', 'running') then
      raise exception 'workflow % is already %: tasks can be added to pending or running workflows only',
                      p_workflow_id, v_workflow.status
        using errcode = '55000';
    end if;
  end if;

  return query
  with inserted as (
    insert into tasks.tasks
      (organization_id, definition_id, workflow_id, queue_name, status, priority, payload, scheduled_at,
       max_attempts, lease_duration, backoff_base, backoff_cap, enqueued_by)
    select p_organization_id, v_definition.id, p_workflow_id, v_definition.queue_name,
           case when v_at > now() then 'scheduled' else 'pending' end,
           coalesce(p_priority, v_definition.default_priority), p.payload, v_at,
           v_definition.max_attempts, v_definition.lease_duration, v_definition.backoff_base, v_definition.backoff_cap,
           base.current_user_id()
      from unnest(p_payloads) with ordinality as p(payload, n)
     order by p.n
    returning *),
  last_task as (
    update tasks.workflows as w
       set last_task_id = (select i.id from inserted as i order by i.id desc limit 1), updated_at = now()
     where p_workflow_id is not null
       and w.organization_id = p_organization_id and w.id = p_workflow_id)
  select * from inserted;

  if v_at <= now() then
    perform pg_catalog.pg_notify('tasks_ready', '');
  end if;
end
$$;
comment on function internal.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid) is
  'The SECURITY DEFINER body of tasks.enqueue_tasks, which calls it as the caller: the API exposes no definer function. Checks the caller itself (internal.tasks_authorize). Not for direct use.';
revoke execute on function internal.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid) from public;
grant execute on function internal.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid) to authenticated, service_role;

create or replace function tasks.enqueue_tasks(
  organization_id  uuid,
  definition_name  text,
  payloads         jsonb[],
  priority         integer     default null,
  scheduled_at     timestamptz default now(),
  workflow_id      uuid        default null)
returns setof tasks.tasks
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  return query select * from internal.enqueue_tasks(enqueue_tasks.organization_id,
                                                    enqueue_tasks.definition_name,
                                                    enqueue_tasks.payloads, enqueue_tasks.priority,
                                                    enqueue_tasks.scheduled_at,
                                                    enqueue_tasks.workflow_id);
end
$$;
comment on function tasks.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid) is
  'Batched enqueue: one task per payload (1 to 10000) of one definition, in one statement, for a member of the organization or service_role (else 42501). No keys or dependencies (use enqueue_task); not for sequential workflows (22023). scheduled_at in the past means now; a non-finite one is refused (22023). Returns the tasks in payload order.';

revoke execute on function tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid) from public;
revoke execute on function tasks.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid) from public;
grant execute on function tasks.enqueue_task(uuid, text, jsonb, integer, timestamptz, text, uuid[], uuid) to authenticated, service_role;
grant execute on function tasks.enqueue_tasks(uuid, text, jsonb[], integer, timestamptz, uuid) to authenticated, service_role;

commit;
