-- Deploy platform:events/event_idempotency_keys to pg
-- Idempotency across partitions and under concurrency. A unique index on the partitioned
-- events table would have to include received_at, so it could not see a duplicate that arrives
-- in the next month. This small non-partitioned table is the arbiter instead: ingest does
--   insert ... on conflict do nothing
-- on (organization_id, source, idempotency_key) before it stores the event. A concurrent
-- duplicate waits on the first one's uncommitted key, then finds the conflict and returns the
-- first event's id; if the first transaction rolls back, the second one stores its event.
-- Keys live exactly as long as their event: cleanup_old_events() deletes the keys of events it
-- removes and of partitions it drops (event_received_at says which partition the event is in).
-- No foreign key to events.events: a foreign key to a partitioned table would make every
-- partition drop check this table and lock the event row at every insert.

begin;

create table events.event_idempotency_keys (
  organization_id    uuid        not null,
  source             text        not null,
  idempotency_key    text        not null,
  event_id           uuid        not null,
  event_received_at  timestamptz not null,
  constraint event_idempotency_keys_pkey primary key (organization_id, source, idempotency_key),
  constraint event_idempotency_keys_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint event_idempotency_keys_idempotency_key_check check (length(idempotency_key) between 1 and 200)
);

-- Retention removes the keys of dropped partitions by time.
create index event_idempotency_keys_event_received_at_idx
  on events.event_idempotency_keys (event_received_at);

comment on table events.event_idempotency_keys is
  'One row per (organization, source, idempotency key) ever accepted and still retained: the arbiter that makes ingest idempotent across partitions and concurrent duplicates.';
comment on column events.event_idempotency_keys.event_id is 'The event the key was first seen with; ingest returns it for every repeat.';
comment on column events.event_idempotency_keys.event_received_at is 'That event''s received_at (its partition), so retention can remove keys together with their events.';

alter table events.event_idempotency_keys enable row level security;

create policy all_service_role on events.event_idempotency_keys
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.event_idempotency_keys is
  'Only ingest and retention (service_role) use the keys; members see the key on the event itself.';

grant select, insert, delete on events.event_idempotency_keys to service_role;

commit;
