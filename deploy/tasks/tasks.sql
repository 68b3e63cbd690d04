-- Deploy platform:tasks/tasks to pg
-- The work queue: one row per task that has not finished yet. A task that ends (succeeded, failed,
-- cancelled) is moved to tasks.task_history by the function that ends it, so this table holds only
-- live work and stays small however long the history grows. The alternative, finished rows kept
-- here behind partial claim indexes, measured the same claim + complete throughput on this machine
-- (pgbench, 8 clients, 1M finished rows; the difference was inside the noise), so the choice rests
-- on everything else: VACUUM of a small table is quick and frequent, while on a big one every pass
-- scans indexes sized by the whole history and the claim index's dead entries wait for it; old
-- history leaves by dropping partitions instead of by DELETE; and the claim path cannot be slowed by
-- finished work it never sees.
--
-- Statuses (transitions enforced by _200_check_status_transition, 55000 otherwise):
--   blocked   -> pending | scheduled    the last unfinished dependency succeeded
--   scheduled -> pending | blocked      scheduled_at came (promote_due_tasks) / a dependency was added
--   pending   -> running | blocked      claimed by a worker / a dependency was added
--   running   -> pending | scheduled    lease expired (recover_expired_leases) / retry with backoff
--   any       -> (moved to task_history as succeeded, failed or cancelled)
-- Only `pending` rows are claimable, so the claim path never reads blocked, future or finished work.
--
-- Performance notes:
--   * the claim indexes are partial (status = 'pending'): they hold ready work only;
--   * the lease is not indexed (recovery scans the small `running` partial index instead), so a
--     heartbeat, which only moves locked_until, is a HOT update: no index entry, no index bloat;
--   * fillfactor 70 leaves room on each page for those HOT versions;
--   * autovacuum is tuned per table to vacuum the queue after ~1000 dead rows, without throttling
--     (how soon it starts is still bounded by the cluster's autovacuum_naptime, 1 minute by default);
--   * definition_id is a soft reference: enqueue copies the definition's policy into the task, so
--     nothing on the queue's path reads a definition again; a foreign key would add a KEY SHARE
--     lock on the definition row to every enqueue (concurrent enqueues of one definition then
--     share it through a MultiXact) and an index entry to every claim.
-- References to a task from other tables and modules are soft (a uuid, no foreign key), because
-- the row moves to task_history when it ends.

begin;

create table tasks.tasks (
  organization_id       uuid        not null,
  id                    uuid        not null default base.uuid_generate_v7(),
  definition_id         uuid        not null,
  workflow_id           uuid,
  queue_name            text        not null,
  status                text        not null default 'pending',
  priority              integer     not null default 0,
  payload               tasks.json_document not null default '{}',
  scheduled_at          timestamptz not null default now(),
  attempts              integer     not null default 0,
  max_attempts          integer     not null,
  lease_duration        interval    not null,
  backoff_base          interval    not null,
  backoff_cap           interval    not null,
  pending_dependencies  integer     not null default 0,
  worker_id             text,
  locked_until          timestamptz,
  heartbeat_at          timestamptz,
  started_at            timestamptz,
  finished_at           timestamptz,
  result                tasks.json_document,
  last_error            text,
  cancellation_reason   text,
  cause_task_id         uuid,
  idempotency_key       text,
  enqueued_by           uuid,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint tasks_pkey primary key (organization_id, id),
  constraint tasks_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  -- NO ACTION (checked at the end of the statement), not RESTRICT: deleting an organization
  -- cascades to its tasks and workflows in one statement and must not trip over the order in
  -- which the cascades run.
  constraint tasks_organization_id_workflow_id_fkey foreign key (organization_id, workflow_id)
    references tasks.workflows (organization_id, id) on delete no action,
  -- The queue's own invariants only. Columns copied from the definition (queue_name, attempts,
  -- lease and backoff) are held by task_definitions' checks, payload by its type, and values the
  -- functions write (priority, attempts, worker_id, last_error) are checked by them: PostgreSQL
  -- re-reads and plans every table CHECK for each statement that writes the table, and each
  -- statement on a queue writes one row.
  constraint tasks_status_check check (status in ('blocked', 'scheduled', 'pending', 'running')),
  constraint tasks_pending_dependencies_check
    check (pending_dependencies >= 0 and (status = 'blocked') = (pending_dependencies > 0)),
  constraint tasks_lease_check
    check ((status = 'running') = (worker_id is not null) and (status = 'running') = (locked_until is not null))
) with (
  fillfactor = 70,
  autovacuum_vacuum_scale_factor = 0.01,
  autovacuum_vacuum_threshold = 1000,
  autovacuum_vacuum_insert_scale_factor = 0.05,
  autovacuum_analyze_scale_factor = 0.02,
  autovacuum_vacuum_cost_delay = 0
);

-- The claim path. Ready work only, ordered as claim_tasks takes it (priority, then schedule).
-- One index for "any queue", one for "these queues".
-- Narrow keys (ties fall back to the heap order, i.e. enqueue order) and no deduplication: every
-- claim walks over the entries of the rows claimed since the last VACUUM, and it skips an entry
-- marked dead cheaply only when it is a plain entry, not one TID in a posting list.
create index tasks_claim_idx on tasks.tasks (priority desc, scheduled_at)
  with (deduplicate_items = off)
  where status = 'pending';
create index tasks_queue_name_claim_idx on tasks.tasks (queue_name, priority desc, scheduled_at)
  with (deduplicate_items = off)
  where status = 'pending';
-- Future work, in due order: promote_due_tasks reads its head.
create index tasks_scheduled_at_idx on tasks.tasks (scheduled_at)
  where status = 'scheduled';
-- Running work by worker: lease recovery reads this small index; the lease itself is not indexed
-- so that heartbeats stay HOT.
create index tasks_worker_id_idx on tasks.tasks (worker_id)
  where status = 'running';
create index tasks_organization_id_workflow_id_idx on tasks.tasks (organization_id, workflow_id)
  where workflow_id is not null;

comment on table tasks.tasks is
  'The work queue: tasks not finished yet (blocked, scheduled, pending, running). Finished tasks move to tasks.task_history; tasks.all_tasks shows both. Written only through the task functions.';
comment on column tasks.tasks.definition_id is
  'The definition the task was made from. Soft reference: the task carries a copy of the definition''s policy (queue, attempts, backoff, lease), so the queue never reads or locks definitions, and a definition may be deleted while its tasks run.';
comment on column tasks.tasks.workflow_id is 'The workflow the task belongs to, if any. Never changes.';
comment on column tasks.tasks.queue_name is 'Queue of the definition at enqueue time; workers claim by queue.';
comment on column tasks.tasks.status is
  'blocked (waits for dependencies), scheduled (waits for scheduled_at), pending (ready: claimable), running (leased to worker_id until locked_until).';
comment on column tasks.tasks.priority is 'Higher runs first (-1000 to 1000); ties run in scheduled_at order.';
comment on column tasks.tasks.payload is 'Input of the task; a JSON object of at most 1 MiB.';
comment on column tasks.tasks.scheduled_at is 'Not claimable before this time; after a failure, when the retry is due.';
comment on column tasks.tasks.attempts is 'Claims so far (the running one included). Counted at claim, so an attempt lost to an expired lease counts.';
comment on column tasks.tasks.max_attempts is 'Copied from the definition at enqueue.';
comment on column tasks.tasks.lease_duration is 'Copied from the definition: a claim or heartbeat holds the task this long.';
comment on column tasks.tasks.backoff_base is 'Copied from the definition: retry backoff base (tasks.retry_delay).';
comment on column tasks.tasks.backoff_cap is 'Copied from the definition: retry backoff cap.';
comment on column tasks.tasks.pending_dependencies is
  'How many tasks this one depends on have not succeeded yet; the task is blocked exactly while it is above 0.';
comment on column tasks.tasks.worker_id is 'The worker holding the lease; set exactly while running (task_history keeps the last one).';
comment on column tasks.tasks.locked_until is 'End of the lease of a running task; recover_expired_leases requeues it after that.';
comment on column tasks.tasks.heartbeat_at is 'Last heartbeat of the running attempt.';
comment on column tasks.tasks.started_at is 'When the latest attempt was claimed.';
comment on column tasks.tasks.finished_at is 'Always NULL here; set in task_history (the row type is shared with it).';
comment on column tasks.tasks.result is 'Always NULL here; the result of a succeeded task is in task_history.';
comment on column tasks.tasks.last_error is 'Error of the latest failed attempt (or the expired lease), kept through retries.';
comment on column tasks.tasks.cancellation_reason is 'Always NULL here; set in task_history for cancelled tasks.';
comment on column tasks.tasks.cause_task_id is 'Always NULL here; in task_history, the upstream task whose failure or cancellation cancelled this one.';
comment on column tasks.tasks.idempotency_key is 'The key given at enqueue, if any (uniqueness is kept in task_idempotency_keys).';
comment on column tasks.tasks.enqueued_by is 'User who enqueued the task (JWT subject), NULL for services. Soft reference: the queue does not lock user rows.';

-- No BEFORE ROW trigger on this table, not even base.tg__set_updated_at: PostgreSQL re-reads and
-- locks the old row for any BEFORE UPDATE row trigger (whatever its WHEN clause), which costs every
-- claim and every retry. Every function that writes the queue sets updated_at itself; a direct
-- UPDATE (service_role, the owner) must set it too. The two rules below are AFTER triggers whose
-- WHEN clause is false on legal updates: they cost an expression (kept small: it is planned again
-- for every statement), and run a function only to raise.

create function tasks.tg_tasks__check_status_transition()
returns trigger
language plpgsql
volatile
as $$
declare
  v_allowed text[] := case old.status
                        when 'blocked'   then array['pending', 'scheduled']
                        when 'scheduled' then array['pending', 'blocked']
                        when 'pending'   then array['running', 'blocked']
                        when 'running'   then array['pending', 'scheduled']
                      end;
begin
  if not new.status = any (v_allowed) then
    raise exception 'task % cannot go from % to %', old.id, old.status, new.status
      using errcode = '55000',
            detail = format('From %s a task may go to: %s; it ends (succeeded, failed, cancelled) only through complete_task, fail_task or cancel_task.',
                            old.status, array_to_string(v_allowed, ', '));
  end if;
  return new;
end
$$;
comment on function tasks.tg_tasks__check_status_transition() is
  'AFTER UPDATE OF status trigger on tasks, fired (by its WHEN clause) only for a transition outside blocked -> pending|scheduled, scheduled -> pending|blocked, pending -> running|blocked, running -> pending|scheduled: raises 55000 naming the allowed ones.';
revoke execute on function tasks.tg_tasks__check_status_transition() from public;

-- The WHEN clause lists the allowed transitions.
create trigger _200_check_status_transition
  after update of status on tasks.tasks
  for each row when (old.status is distinct from new.status
                     and old.status || '>' || new.status <> all ('{blocked>pending,blocked>scheduled,scheduled>pending,scheduled>blocked,pending>running,pending>blocked,running>pending,running>scheduled}'::text[]))
  execute function tasks.tg_tasks__check_status_transition();

create function tasks.tg_tasks__keep_identity()
returns trigger
language plpgsql
volatile
as $$
begin
  raise exception 'task % cannot change its organization, id, definition or workflow', old.id
    using errcode = '55000', hint = 'Cancel it and enqueue a new task.';
end
$$;
comment on function tasks.tg_tasks__keep_identity() is
  'AFTER UPDATE trigger on tasks, fired only when organization_id, id, definition_id or workflow_id changed: raises 55000.';
revoke execute on function tasks.tg_tasks__keep_identity() from public;

create trigger _150_keep_identity
  after update of organization_id, id, definition_id, workflow_id on tasks.tasks
  for each row when (old.organization_id is distinct from new.organization_id or old.id is distinct from new.id
                     or old.definition_id is distinct from new.definition_id
                     or old.workflow_id is distinct from new.workflow_id)
  execute function tasks.tg_tasks__keep_identity();

alter table tasks.tasks enable row level security;

create policy select_member on tasks.tasks
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.tasks is
  'Every member (viewer and up) reads the organization''s queued and running tasks. Users write only through enqueue_task and cancel_task.';

create policy all_service_role on tasks.tasks
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.tasks is 'Workers (service_role) claim and update every organization''s tasks.';

grant select on tasks.tasks to authenticated;
grant select, insert, update, delete on tasks.tasks to service_role;

commit;
