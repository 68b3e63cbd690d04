-- Revert platform:tasks/cancel_task from pg
-- Back to v1.0.0: the API functions are the definers again (their v1.0.0 bodies) and the internal
-- bodies go.

begin;

set local lock_timeout = '5s';

create or replace function tasks.cancel_task(organization_id uuid, task_id uuid, reason text default null)
returns tasks.tasks
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_task   tasks.tasks;
  v_reason text := coalesce(cancel_task.reason,
                            'cancelled by ' || coalesce('user ' || base.current_user_id(), 'a service'));
begin
  perform internal.tasks_authorize(cancel_task.organization_id, 'member', 'cancelling a task');
  if length(cancel_task.reason) not between 1 and 10000 then
    raise exception 'reason must be 1 to 10000 characters'
      using errcode = '22023';
  end if;

  v_task := internal.tasks_find(cancel_task.organization_id, cancel_task.task_id);
  if v_task.id is null then
    raise exception 'task % not found in organization %', cancel_task.task_id, cancel_task.organization_id
      using errcode = 'P0002';
  end if;
  if v_task.workflow_id is not null then
    perform internal.tasks_lock_workflow(cancel_task.organization_id, v_task.workflow_id);
  end if;

  select c.* into v_task
    from internal.tasks_cancel_cascade(cancel_task.organization_id, array[cancel_task.task_id], true, v_reason,
                                       null, 'cancelled') as c
   where c.id = cancel_task.task_id;
  if not found then
    v_task := internal.tasks_find(cancel_task.organization_id, cancel_task.task_id);
    raise exception 'task % is already %: only blocked, scheduled, pending or running tasks can be cancelled',
                    cancel_task.task_id, v_task.status
      using errcode = '55000';
  end if;
  if v_task.workflow_id is not null then
    perform internal.tasks_refresh_workflow(cancel_task.organization_id, v_task.workflow_id, v_task.attempts > 0);
  end if;
  return v_task;
end
$$;
comment on function tasks.cancel_task(uuid, uuid, text) is
  'Cancels a live task (blocked, scheduled, pending or running) and every task downstream of it, for a member of the organization or service_role (else 42501); returns the cancelled task. 55000 when it has already ended, P0002 when unknown, 22023 for a reason that is empty or longer than 10000 characters.';

create or replace function tasks.cancel_workflow(organization_id uuid, workflow_id uuid, reason text default null)
returns tasks.workflows
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_workflow tasks.workflows;
  v_ids      uuid[];
  v_reason   text := coalesce(cancel_workflow.reason,
                              'cancelled by ' || coalesce('user ' || base.current_user_id(), 'a service'));
begin
  perform internal.tasks_authorize(cancel_workflow.organization_id, 'member', 'cancelling a workflow');
  if length(cancel_workflow.reason) not between 1 and 10000 then
    raise exception 'reason must be 1 to 10000 characters'
      using errcode = '22023';
  end if;

  v_workflow := internal.tasks_lock_workflow(cancel_workflow.organization_id, cancel_workflow.workflow_id);
  if v_workflow.status not in ('pending', 'running') then
    raise exception 'workflow % is already %: only pending or running workflows can be cancelled',
                    cancel_workflow.workflow_id, v_workflow.status
      using errcode = '55000';
  end if;

  select array_agg(t.id) into v_ids
    from tasks.tasks as t
   where t.organization_id = cancel_workflow.organization_id and t.workflow_id = cancel_workflow.workflow_id;
  if v_ids is not null then
    perform count(*)
       from internal.tasks_cancel_cascade(cancel_workflow.organization_id, v_ids, true,
                                          format('workflow %s cancelled: %s', cancel_workflow.workflow_id, v_reason),
                                          null, 'cancelled');
  end if;

  update tasks.workflows as w
     set status = 'cancelled', finished_at = now(), cancellation_reason = v_reason, updated_at = now()
   where w.organization_id = cancel_workflow.organization_id and w.id = cancel_workflow.workflow_id
  returning w.* into v_workflow;
  return v_workflow;
end
$$;
comment on function tasks.cancel_workflow(uuid, uuid, text) is
  'Cancels a pending or running workflow and all its live tasks (and what depends on them), for a member of the organization or service_role (else 42501); returns the workflow. Each task records "workflow <id> cancelled: <reason>". 55000 when it has already ended, P0002 when unknown, 22023 for a reason that is empty or longer than 10000 characters.';

revoke execute on function tasks.cancel_task(uuid, uuid, text) from public;
revoke execute on function tasks.cancel_workflow(uuid, uuid, text) from public;
grant execute on function tasks.cancel_task(uuid, uuid, text) to authenticated, service_role;
grant execute on function tasks.cancel_workflow(uuid, uuid, text) to authenticated, service_role;

drop function internal.cancel_workflow(uuid, uuid, text);
drop function internal.cancel_task(uuid, uuid, text);

commit;
