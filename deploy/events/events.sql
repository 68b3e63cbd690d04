-- Deploy platform:events/events to pg
-- The universal event store: one row per accepted event, whatever its source.
--   * Range-partitioned by month on received_at (base.partition_config): a month of events
--     leaves by detach + drop, not by DELETE. The partition retention is derived from the
--     longest event_types.retention (see events/retention), so no type loses data early.
--   * The primary key must contain the partition key: (organization_id, id, received_at).
--     Uniqueness of idempotency keys cannot be an index here (it would have to include
--     received_at, i.e. hold only within a month), so it lives in events.event_idempotency_keys.
--   * Events are immutable once stored except for their processing state (status, attempts,
--     last_error, processed_at): service_role's UPDATE grant names only those columns.
--   * No created_at/updated_at: received_at is the creation time, processed_at the one change.
--   * The pending set (status = 'pending') is the routing queue, served by a partial index that
--     holds only the few unrouted events.

begin;

create table events.events (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  received_at      timestamptz not null default now(),
  source           text        not null,
  event_type       text        not null,
  occurred_at      timestamptz not null default now(),
  idempotency_key  text,
  payload          jsonb       not null,
  metadata         jsonb       not null default '{}',
  status           text        not null default 'pending',
  attempts         integer     not null default 0,
  last_error       text,
  processed_at     timestamptz,
  constraint events_pkey primary key (organization_id, id, received_at),
  constraint events_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint events_source_check check (length(source) between 2 and 50),
  constraint events_event_type_check check (length(event_type) between 1 and 100),
  constraint events_idempotency_key_check check (length(idempotency_key) between 1 and 200),
  constraint events_payload_check check (jsonb_typeof(payload) = 'object' and pg_column_size(payload) <= 1048576),
  constraint events_metadata_check check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  constraint events_status_check check (status in ('pending', 'processed', 'failed')),
  constraint events_attempts_check check (attempts >= 0),
  constraint events_last_error_check check (length(last_error) <= 10000)
) partition by range (received_at);

-- The routing queue: only unrouted events, in arrival order (process_pending_events).
create index events_received_at_idx
  on events.events (received_at, id) where status = 'pending';
-- An organization's events of one type over time; also what per-type retention deletes walk.
create index events_organization_id_source_event_type_received_at_idx
  on events.events (organization_id, source, event_type, received_at);

comment on table events.events is
  'Every stored event, partitioned by month on received_at. Written by events.ingest_event/ingest_events only; routed to subscriptions by events.process_pending_events.';
comment on column events.events.id is 'UUIDv7 assigned at ingest; ingest returns it (or, for a repeated idempotency key, the first event''s id).';
comment on column events.events.received_at is 'When the platform accepted the event (partition key). Newer than occurred_at.';
comment on column events.events.source is 'Integration the event came from (event_types.source).';
comment on column events.events.event_type is 'Type name within the source (event_types.name).';
comment on column events.events.occurred_at is 'When the event happened at its source, as the sender reports it.';
comment on column events.events.idempotency_key is
  'Sender''s delivery id (e.g. X-GitHub-Delivery). Unique per organization and source through events.event_idempotency_keys, across partitions.';
comment on column events.events.payload is 'The event body as received; a JSON object of at most 1 MiB carrying the type''s required keys.';
comment on column events.events.metadata is 'Headers and transport metadata (signature checked, remote address, webhook id...); a JSON object of at most 64 KiB.';
comment on column events.events.status is
  'pending (waiting for routing) -> processed (deliveries created) | failed (routing failed max_attempts times). failed -> pending|processed on replay.';
comment on column events.events.attempts is 'Routing attempts made so far.';
comment on column events.events.last_error is 'Error of the last failed routing attempt.';
comment on column events.events.processed_at is 'When the event was last routed.';

do $$
begin
  perform base.register_partitioned_table('events.events', 'month', p_premake => 3,
    p_retention => interval '365 days');  -- operator configuration: see events/retention
end
$$;

create trigger _200_check_status_transition
  before update of status on events.events
  for each row when (old.status is distinct from new.status)
  execute function events.tg__check_status_transition(
    'event', 'pending:processed|failed', 'failed:pending|processed');

alter table events.events enable row level security;

create policy select_member on events.events
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.events is 'Members (viewer and up) read their organization''s events.';

create policy all_service_role on events.events
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.events is 'Ingest, routing and retention run as service_role.';

grant select on events.events to authenticated;
grant select, insert, delete on events.events to service_role;
grant update (status, attempts, last_error, processed_at) on events.events to service_role;

commit;
