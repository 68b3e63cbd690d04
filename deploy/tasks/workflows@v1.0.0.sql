-- Deploy platform:tasks/workflows to pg
-- A workflow groups tasks that run
--   * sequentially: each task enqueued into it depends on the one enqueued before (implicit edge);
--   * in parallel:  its tasks have no dependencies at all;
--   * as a DAG:     its tasks depend on each other through explicit depends_on edges.
-- Its status follows its tasks and is maintained by the task functions, never by clients:
--   pending   -> running (a task was claimed) | succeeded | failed | cancelled
--   running   -> succeeded | failed | cancelled
-- When no task of the workflow is left in the queue it ends: failed if any task failed, else
-- cancelled if any was cancelled, else succeeded. cancel_workflow() cancels it as a whole.
-- Building a workflow: create it and enqueue its tasks in one transaction, so it cannot finish
-- between two enqueues (an enqueue into a finished workflow raises 55000).

begin;

create table tasks.workflows (
  organization_id      uuid        not null,
  id                   uuid        not null default base.uuid_generate_v7(),
  name                 text        not null,
  description          text,
  execution_mode       text        not null default 'dag',
  status               text        not null default 'pending',
  metadata             jsonb       not null default '{}',
  created_by           uuid                 default base.current_user_id(),
  started_at           timestamptz,
  finished_at          timestamptz,
  cancellation_reason  text,
  last_task_id         uuid,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  constraint workflows_pkey primary key (organization_id, id),
  constraint workflows_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint workflows_created_by_fkey foreign key (created_by)
    references base.users (id) on delete set null,
  constraint workflows_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint workflows_description_check check (length(description) <= 10000),
  constraint workflows_execution_mode_check check (execution_mode in ('sequential', 'parallel', 'dag')),
  constraint workflows_status_check
    check (status in ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
  constraint workflows_metadata_check
    check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  constraint workflows_finished_at_check
    check ((status in ('succeeded', 'failed', 'cancelled')) = (finished_at is not null)),
  constraint workflows_cancellation_reason_check check (length(cancellation_reason) <= 10000)
);

create index workflows_created_by_idx on tasks.workflows (created_by) where created_by is not null;
-- "My organization's active workflows" without reading the finished ones.
create index workflows_organization_id_status_idx on tasks.workflows (organization_id, status)
  where status in ('pending', 'running');

comment on table tasks.workflows is
  'Groups of tasks run sequentially, in parallel or as a DAG. status follows the tasks (maintained by the task functions); cancel_workflow() cancels one as a whole.';
comment on column tasks.workflows.execution_mode is
  'sequential: each new task depends on the previously enqueued one; parallel: tasks have no dependencies; dag: tasks depend on each other through depends_on.';
comment on column tasks.workflows.status is
  'pending (nothing claimed yet), running, then succeeded, failed (a task failed) or cancelled. Changed only by the task functions; transitions enforced (55000).';
comment on column tasks.workflows.metadata is 'Free-form data of the caller; a JSON object of at most 64 KiB.';
comment on column tasks.workflows.created_by is 'The user who created the workflow (JWT subject); NULL for services.';
comment on column tasks.workflows.started_at is 'When its first task was claimed.';
comment on column tasks.workflows.finished_at is 'When it reached succeeded, failed or cancelled; set exactly for those statuses.';
comment on column tasks.workflows.cancellation_reason is 'Why cancel_workflow() was called, when it was.';
comment on column tasks.workflows.last_task_id is
  'The task enqueued into the workflow most recently (soft reference: it may have moved to task_history). In a sequential workflow the next task depends on it.';

create trigger _100_set_updated_at
  before update on tasks.workflows
  for each row execute function base.tg__set_updated_at();

create function tasks.tg_workflows__check_status_transition()
returns trigger
language plpgsql
volatile
as $$
declare
  v_allowed text[] := case old.status
                        when 'pending' then array['running', 'succeeded', 'failed', 'cancelled']
                        when 'running' then array['succeeded', 'failed', 'cancelled']
                        else array[]::text[]
                      end;
begin
  if not new.status = any (v_allowed) then
    raise exception 'workflow % cannot go from % to %', old.id, old.status, new.status
      using errcode = '55000',
            detail = case when cardinality(v_allowed) = 0 then format('%s is a final status.', old.status)
                          else format('From %s a workflow may go to: %s.', old.status, array_to_string(v_allowed, ', ')) end;
  end if;
  return new;
end
$$;
comment on function tasks.tg_workflows__check_status_transition() is
  'BEFORE UPDATE OF status trigger on workflows: allows pending -> running|succeeded|failed|cancelled and running -> succeeded|failed|cancelled; anything else raises 55000.';
revoke execute on function tasks.tg_workflows__check_status_transition() from public;

create trigger _200_check_status_transition
  before update of status on tasks.workflows
  for each row when (old.status is distinct from new.status)
  execute function tasks.tg_workflows__check_status_transition();

alter table tasks.workflows enable row level security;

create policy select_member on tasks.workflows
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.workflows is 'Every member (viewer and up) reads the organization''s workflows.';

create policy insert_member on tasks.workflows
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on tasks.workflows is 'Members and up create workflows (status starts pending: it is not in the insert grant).';

create policy update_member on tasks.workflows
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on tasks.workflows is 'Members and up rename and describe workflows (status is not in the update grant).';

create policy delete_admin on tasks.workflows
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on tasks.workflows is
  'Admins and owners delete workflows (refused while queued tasks belong to them: tasks_organization_id_workflow_id_fkey).';

create policy all_service_role on tasks.workflows
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.workflows is 'Trusted services manage every workflow.';

grant select, delete on tasks.workflows to authenticated;
grant insert (organization_id, id, name, description, execution_mode, metadata) on tasks.workflows to authenticated;
grant update (name, description, metadata) on tasks.workflows to authenticated;
grant select, insert, update, delete on tasks.workflows to service_role;

commit;
