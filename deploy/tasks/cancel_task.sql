-- Deploy platform:tasks/cancel_task to pg
-- Cancelling a task, or a whole workflow. A cancelled task moves to task_history with the reason;
-- every task downstream of it is cancelled too, with the cause recorded; a running task's worker
-- learns it at its next heartbeat or complete (55000). tasks.cancel_task and tasks.cancel_workflow
-- are SECURITY INVOKER entry points over SECURITY DEFINER bodies in the unexposed internal schema,
-- so that members can cancel without write grants on the queue while the API exposes no definer
-- function (Supabase's advisor 0029); internal.tasks_authorize admits service_role and members (and
-- above) of the organization.
-- Reworked after v1.0.0: the v1.0.0 script (cancel_task@v1.0.0.sql) made the API functions the
-- definers themselves.

begin;

set local lock_timeout = '5s';

create function internal.cancel_task(p_organization_id uuid, p_task_id uuid, p_reason text default null)
returns tasks.tasks
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_task   tasks.tasks;
  v_reason text := coalesce(p_reason,
                            'cancelled by ' || coalesce('user ' || base.current_user_id(), 'a service'));
begin
  perform internal.tasks_authorize(p_organization_id, 'member', 'cancelling a task');
  if length(p_reason) not between 1 and 10000 then
    raise exception 'reason must be 1 to 10000 characters'
      using errcode = '22023';
  end if;

  v_task := internal.tasks_find(p_organization_id, p_task_id);
  if v_task.id is null then
    raise exception 'task % not found in organization %', p_task_id, p_organization_id
      using errcode = 'P0002';
  end if;
  if v_task.workflow_id is not null then
    perform internal.tasks_lock_workflow(p_organization_id, v_task.workflow_id);
  end if;

  select c.* into v_task
    from internal.tasks_cancel_cascade(p_organization_id, array[p_task_id], true, v_reason,
                                       null, 'cancelled') as c
   where c.id = p_task_id;
  if not found then
    v_task := internal.tasks_find(p_organization_id, p_task_id);
    raise exception 'task % is already %: only blocked, scheduled, pending or running tasks can be cancelled',
                    p_task_id, v_task.status
      using errcode = '55000';
  end if;
  if v_task.workflow_id is not null then
    perform internal.tasks_refresh_workflow(p_organization_id, v_task.workflow_id, v_task.attempts > 0);
  end if;
  return v_task;
end
$$;
comment on function internal.cancel_task(uuid, uuid, text) is
  'The SECURITY DEFINER body of tasks.cancel_task, which calls it as the caller: the API exposes no definer function. Checks the caller itself (internal.tasks_authorize). Not for direct use.';
revoke execute on function internal.cancel_task(uuid, uuid, text) from public;
grant execute on function internal.cancel_task(uuid, uuid, text) to authenticated, service_role;

create or replace function tasks.cancel_task(organization_id uuid, task_id uuid, reason text default null)
returns tasks.tasks
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.cancel_task(cancel_task.organization_id, cancel_task.task_id, cancel_task.reason);
end
$$;
comment on function tasks.cancel_task(uuid, uuid, text) is
  'Cancels a live task (blocked, scheduled, pending or running) and every task downstream of it, for a member of the organization or service_role (else 42501); returns the cancelled task. 55000 when it has already ended, P0002 when unknown, 22023 for a reason that is empty or longer than 10000 characters.';

create function internal.cancel_workflow(p_organization_id uuid, p_workflow_id uuid, p_reason text default null)
returns tasks.workflows
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_workflow tasks.workflows;
  v_ids      uuid[];
  v_reason   text := coalesce(p_reason,
                              'cancelled by ' || coalesce('user ' || base.current_user_id(), 'a service'));
begin
  perform internal.tasks_authorize(p_organization_id, 'member', 'cancelling a workflow');
  if length(p_reason) not between 1 and 10000 then
    raise exception 'reason must be 1 to 10000 characters'
      using errcode = '22023';
  end if;

  v_workflow := internal.tasks_lock_workflow(p_organization_id, p_workflow_id);
  if v_workflow.status not in ('pending', 'running') then
    raise exception 'workflow % is already %: only pending or running workflows can be cancelled',
                    p_workflow_id, v_workflow.status
      using errcode = '55000';
  end if;

  select array_agg(t.id) into v_ids
    from tasks.tasks as t
   where t.organization_id = p_organization_id and t.workflow_id = p_workflow_id;
  if v_ids is not null then
    perform count(*)
       from internal.tasks_cancel_cascade(p_organization_id, v_ids, true,
                                          format('workflow %s cancelled: %s', p_workflow_id, v_reason),
                                          null, 'cancelled');
  end if;

  update tasks.workflows as w
     set status = 'cancelled', finished_at = now(), cancellation_reason = v_reason, updated_at = now()
   where w.organization_id = p_organization_id and w.id = p_workflow_id
  returning w.* into v_workflow;
  return v_workflow;
end
$$;
comment on function internal.cancel_workflow(uuid, uuid, text) is
  'The SECURITY DEFINER body of tasks.cancel_workflow, which calls it as the caller: the API exposes no definer function. Checks the caller itself (internal.tasks_authorize). Not for direct use.';
revoke execute on function internal.cancel_workflow(uuid, uuid, text) from public;
grant execute on function internal.cancel_workflow(uuid, uuid, text) to authenticated, service_role;

create or replace function tasks.cancel_workflow(organization_id uuid, workflow_id uuid, reason text default null)
returns tasks.workflows
language plpgsql
volatile
security invoker
set search_path = pg_catalog, pg_temp
as $$
begin
  return internal.cancel_workflow(cancel_workflow.organization_id, cancel_workflow.workflow_id,
                                  cancel_workflow.reason);
end
$$;
comment on function tasks.cancel_workflow(uuid, uuid, text) is
  'Cancels a pending or running workflow and all its live tasks (and what depends on them), for a member of the organization or service_role (else 42501); returns the workflow. Each task records "workflow <id> cancelled: <reason>". 55000 when it has already ended, P0002 when unknown, 22023 for a reason that is empty or longer than 10000 characters.';

revoke execute on function tasks.cancel_task(uuid, uuid, text) from public;
revoke execute on function tasks.cancel_workflow(uuid, uuid, text) from public;
grant execute on function tasks.cancel_task(uuid, uuid, text) to authenticated, service_role;
grant execute on function tasks.cancel_workflow(uuid, uuid, text) to authenticated, service_role;

commit;
