-- Deploy platform:tasks/task_idempotency_keys to pg
-- Idempotent enqueue. A key must stay unique for as long as its task exists, in the queue or in
-- the history, and those are two tables (the history partitioned by finish time): no unique index
-- can span them. This table is that index. enqueue_task inserts the key first with
-- INSERT ... ON CONFLICT DO NOTHING: a concurrent duplicate waits for the first transaction and
-- then finds its key, so two enqueues with one key give one task even at the same instant.
--
-- The primary key is the natural one, (organization_id, idempotency_key): the key is this row's
-- identity, and a surrogate id would only add a second index to every keyed enqueue.
-- task_id is a soft reference (the task moves between tables). A key whose task no longer exists
-- (history retention) is stale: the next enqueue with it takes it over, and prune_orphans()
-- removes the others.

begin;

create table tasks.task_idempotency_keys (
  organization_id  uuid        not null,
  idempotency_key  text        not null,
  task_id          uuid        not null,
  created_at       timestamptz not null default now(),
  constraint task_idempotency_keys_pkey primary key (organization_id, idempotency_key),
  constraint task_idempotency_keys_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint task_idempotency_keys_idempotency_key_check check (length(idempotency_key) between 1 and 200)
);

comment on table tasks.task_idempotency_keys is
  'Idempotency keys of enqueued tasks, unique per organization for as long as the task exists (queued or in history). Written by enqueue_task.';
comment on column tasks.task_idempotency_keys.task_id is 'The task the key created (soft reference to tasks.tasks / tasks.task_history).';

alter table tasks.task_idempotency_keys enable row level security;

create policy select_member on tasks.task_idempotency_keys
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on tasks.task_idempotency_keys is 'Every member (viewer and up) reads the organization''s keys; enqueue_task writes them.';

create policy all_service_role on tasks.task_idempotency_keys
  for all to service_role using (true) with check (true);
comment on policy all_service_role on tasks.task_idempotency_keys is 'Workers and trusted services (enqueue_task, prune_orphans) manage every key.';

grant select on tasks.task_idempotency_keys to authenticated;
grant select, insert, update, delete on tasks.task_idempotency_keys to service_role;

commit;
