-- Deploy platform:tasks/task_history to pg
-- Finished tasks. The function that ends a task deletes it from tasks.tasks and inserts it here in
-- the same statement, with the same columns (so both share the tasks.tasks row type), its final
-- status and finished_at. Partitioned by month on finished_at: retention drops whole partitions
-- (base.partition_config) instead of DELETEs that would bloat the table. Rows are never updated.
--
-- definition_id and workflow_id are soft references here (no foreign key): history outlives the
-- definitions and workflows it mentions, and a finished task must not stop either from being
-- deleted.
--
-- organization_id has no foreign key either, though deleting a tenant still deletes its history
-- (a statement trigger on base.organizations, below). Every task that ends inserts a row here, and
-- a foreign key check takes a KEY SHARE lock on the organization's row for each of them: with many
-- workers completing one organization's tasks at once, every new locker of that row creates a new
-- MultiXact. Measured on 2 cores with 8 workers, single claim + complete ran 27% faster without
-- it (bench/tasks.py). A row cannot arrive for an organization that does not exist: rows come only
-- from tasks.tasks (which has the foreign key), moved by the function that ends the task while it
-- holds that task's row lock, and deleting the organization waits for that lock in its cascade to
-- tasks.tasks before the trigger below deletes the history.

begin;

create table tasks.task_history (
  organization_id       uuid        not null,
  id                    uuid        not null,
  definition_id         uuid        not null,
  workflow_id           uuid,
  queue_name            text        not null,
  status                text        not null,
  priority              integer     not null,
  payload               tasks.json_document not null,
  scheduled_at          timestamptz not null,
  attempts              integer     not null,
  max_attempts          integer     not null,
  lease_duration        interval    not null,
  backoff_base          interval    not null,
  backoff_cap           interval    not null,
  pending_dependencies  integer     not null,
  worker_id             text,
  locked_until          timestamptz,
  heartbeat_at          timestamptz,
  started_at            timestamptz,
  finished_at           timestamptz not null,
  result                tasks.json_document,
  last_error            text,
  cancellation_reason   text,
  cause_task_id         uuid,
  idempotency_key       text,
  enqueued_by           uuid,
  created_at            timestamptz not null,
  updated_at            timestamptz not null,
  constraint task_history_pkey primary key (organization_id, id, finished_at),
  constraint task_history_status_check check (status in ('succeeded', 'failed', 'cancelled')),
  -- Size bounds. tasks.tasks leaves these to the functions that write it (a CHECK there is planned
  -- again for every statement on the hot queue); this table is written once per task, so it
  -- checks them itself, and a value that reached the queue by a direct write (service_role, the
  -- owner) cannot go further. The limits are the functions' own: queue_name as task_definitions,
  -- worker_id as claim_tasks, idempotency_key as enqueue_task, last_error as fail_task's cap.
  constraint task_history_queue_name_check check (length(queue_name) <= 100),
  constraint task_history_worker_id_check check (length(worker_id) between 1 and 200),
  constraint task_history_idempotency_key_check check (length(idempotency_key) between 1 and 200),
  constraint task_history_last_error_check check (length(last_error) <= 10000),
  -- A caller's reason is at most 10000 characters (cancel_task, cancel_workflow: 22023 otherwise);
  -- the tasks of a cancelled workflow record it after a 'workflow <id> cancelled: ' prefix
  -- (57 characters), so the bound leaves room for the prefix instead of truncating the reason.
  constraint task_history_cancellation_reason_check
    check (length(cancellation_reason) <= 10100 and (status = 'cancelled') = (cancellation_reason is not null))
) partition by range (finished_at);

-- Workflow bookkeeping: "did any task of this workflow fail / get cancelled?" in one probe.
create index task_history_organization_id_workflow_id_status_idx
  on tasks.task_history (organization_id, workflow_id, status)
  where workflow_id is not null;

comment on table tasks.task_history is
  'Finished tasks (succeeded, failed, cancelled), moved here from tasks.tasks by the function that ended them. Same columns as tasks.tasks. Partitioned by month on finished_at; retention in base.partition_config.';
comment on column tasks.task_history.organization_id is
  'Owning organization. No foreign key (see tasks/task_history): deleting the organization deletes these rows through the trigger _500_delete_task_history on base.organizations.';
comment on column tasks.task_history.definition_id is 'Soft reference to tasks.task_definitions: history outlives definitions.';
comment on column tasks.task_history.workflow_id is 'Soft reference to tasks.workflows: history outlives workflows.';
comment on column tasks.task_history.status is 'succeeded, failed (attempts exhausted or not retryable) or cancelled.';
comment on column tasks.task_history.worker_id is 'The worker that ran the last attempt, if any.';
comment on column tasks.task_history.finished_at is 'When the task ended; the partition key.';
comment on column tasks.task_history.result is 'What complete_task was given (a JSON object of at most 1 MiB), for succeeded tasks.';
comment on column tasks.task_history.last_error is 'Error of the last failed attempt, kept when the task ends failed (fail_task keeps the first 10000 characters of a worker''s error).';
comment on column tasks.task_history.cancellation_reason is 'Why the task was cancelled: the caller''s reason, or the upstream task whose failure or cancellation cascaded.';
comment on column tasks.task_history.cause_task_id is 'For a task cancelled by a cascade: the upstream task (failed or cancelled) that caused it.';

do $$
begin
  perform base.register_partitioned_table('tasks.task_history', 'month', p_premake => 3,
                                          p_retention => interval '180 days');
end
$$;

-- The organization's cascade, for a whole DELETE statement at once. SECURITY DEFINER like a foreign
-- key's ON DELETE CASCADE, which also runs as the referencing table's owner: whoever may delete an
-- organization deletes its history, without a grant on this table.
create function tasks.tg_organizations__delete_task_history()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  delete from tasks.task_history as h
   using deleted_organizations as d
   where h.organization_id = d.id;
  return null;
end
$$;
comment on function tasks.tg_organizations__delete_task_history() is
  'AFTER DELETE statement trigger on base.organizations: deletes the task history of the deleted organizations (task_history has no foreign key to organizations; see tasks/task_history).';
revoke execute on function tasks.tg_organizations__delete_task_history() from public;

create trigger _500_delete_task_history
  after delete on base.organizations
  referencing old table as deleted_organizations
  for each statement
  execute function tasks.tg_organizations__delete_task_history();
comment on trigger _500_delete_task_history on base.organizations is
  'Deletes the task history of deleted organizations (tasks.task_history has no foreign key; see its organization_id column).';

alter table tasks.task_history enable row level security;

create policy select_member on tasks.task_history
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.task_history is 'Every member (viewer and up) reads the organization''s finished tasks.';

create policy all_service_role on tasks.task_history
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.task_history is 'Workers (service_role) archive finished tasks (SELECT and INSERT are their only grants: the history is append-only).';

-- Written once: no UPDATE, DELETE or TRUNCATE for any API role, and the append-only guard
-- (base/append_only) refuses them to the owner too. Retention drops whole partitions; deleting an
-- organization deletes its history through _500_delete_task_history (a cascade the guard allows).
grant select on tasks.task_history to authenticated;
grant select, insert on tasks.task_history to service_role;

do $$ begin perform base.enable_append_only('tasks.task_history'); end $$;

-- One place to read every task of an organization, queued or finished.
create view tasks.all_tasks
with (security_invoker = true)
as
select t.* from tasks.tasks as t
union all
select h.* from tasks.task_history as h;

comment on view tasks.all_tasks is
  'Every task, live (tasks.tasks) and finished (tasks.task_history), with the caller''s RLS applied (security_invoker).';
grant select on tasks.all_tasks to authenticated, service_role;

commit;
