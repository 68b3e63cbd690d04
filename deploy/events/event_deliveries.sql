-- Deploy platform:events/event_deliveries to pg
-- One row per event x matching subscription: the delivery work queue.
--   * Partitioned by month on event_received_at, the event's own partition key. Two reasons:
--     a month of deliveries leaves with its month of events (same retention, same boundaries),
--     and the unique key (organization_id, event_id, subscription_id, event_received_at), which
--     must contain the partition key, is as strong as a unique (event_id, subscription_id):
--     one event has one received_at. So "one delivery per event and subscription, never two"
--     holds across partitions, and routing relies on it with ON CONFLICT DO NOTHING.
--   * Lease, retry and dead-letter follow the tasks module's rules: claim with FOR UPDATE SKIP
--     LOCKED sets status leased, locked_by, locked_until and counts the attempt; failure retries
--     after events.retry_delay() until max_attempts, then dead_letter keeps the last error;
--     recover_expired_deliveries() returns expired leases to the queue.
--   * The claim path reads a partial index holding only pending deliveries; the recovery path
--     one holding only leased ones. Finished deliveries (succeeded, dead_letter) are in neither.
--   * The retry policy (max attempts, backoff, lease) is resolved from subscription and event
--     type when the delivery is created and copied here, so claim and fail read one row and a
--     policy change applies to new deliveries, never half-way through one.
--   * No foreign key to events.events (partitioned; see events/event_idempotency_keys); the
--     subscription foreign key cascades: deleting a subscription deletes its deliveries.

begin;

create table events.event_deliveries (
  organization_id       uuid        not null,
  id                    uuid        not null default base.uuid_generate_v7(),
  event_received_at     timestamptz not null,
  event_id              uuid        not null,
  subscription_id       uuid        not null,
  target_kind           text        not null,
  status                text        not null default 'pending',
  attempts              integer     not null default 0,
  max_attempts          integer     not null,
  backoff_base_seconds  integer     not null,
  backoff_cap_seconds   integer     not null,
  lease_seconds         integer     not null,
  next_attempt_at       timestamptz not null default now(),
  locked_by             text,
  locked_until          timestamptz,
  last_attempt_at       timestamptz,
  completed_at          timestamptz,
  response              jsonb,
  last_error            text,
  replay_count          integer     not null default 0,
  created_at            timestamptz not null default now(),
  updated_at            timestamptz not null default now(),
  constraint event_deliveries_pkey primary key (organization_id, id, event_received_at),
  constraint event_deliveries_organization_id_event_id_subscription_id_key
    unique (organization_id, event_id, subscription_id, event_received_at),
  constraint event_deliveries_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint event_deliveries_organization_id_subscription_id_fkey foreign key (organization_id, subscription_id)
    references events.event_subscriptions (organization_id, id) on delete cascade,
  constraint event_deliveries_target_kind_check check (target_kind in ('webhook', 'queue', 'handler')),
  constraint event_deliveries_status_check check (status in ('pending', 'leased', 'succeeded', 'dead_letter')),
  constraint event_deliveries_attempts_check check (attempts between 0 and max_attempts),
  constraint event_deliveries_max_attempts_check check (max_attempts between 1 and 50),
  constraint event_deliveries_backoff_base_seconds_check check (backoff_base_seconds between 1 and 86400),
  constraint event_deliveries_backoff_cap_seconds_check check (backoff_cap_seconds between backoff_base_seconds and 604800),
  constraint event_deliveries_lease_seconds_check check (lease_seconds between 1 and 3600),
  constraint event_deliveries_lease_check check (
    (status = 'leased') = (locked_by is not null and locked_until is not null)),
  constraint event_deliveries_locked_by_check check (length(locked_by) between 1 and 200),
  constraint event_deliveries_response_check check (
    jsonb_typeof(response) = 'object' and pg_column_size(response) <= 65536),
  constraint event_deliveries_last_error_check check (length(last_error) <= 10000),
  constraint event_deliveries_replay_count_check check (replay_count >= 0)
) partition by range (event_received_at);

-- The claim path: only deliveries waiting for an attempt, in due order.
create index event_deliveries_next_attempt_at_idx
  on events.event_deliveries (next_attempt_at, target_kind) where status = 'pending';
-- The recovery path: only leased deliveries, by lease end.
create index event_deliveries_locked_until_idx
  on events.event_deliveries (locked_until) where status = 'leased';
-- A subscription's deliveries, newest first (and the foreign key's index).
create index event_deliveries_organization_id_subscription_id_created_at_idx
  on events.event_deliveries (organization_id, subscription_id, created_at);
-- The dead-letter queue of an organization: rare rows, small index.
create index event_deliveries_organization_id_completed_at_idx
  on events.event_deliveries (organization_id, completed_at) where status = 'dead_letter';

comment on table events.event_deliveries is
  'One delivery per event and matching subscription: a leased work queue with retries and a dead-letter state. Partitioned by month on the event''s received_at. Worker API: claim_deliveries, heartbeat_delivery, complete_delivery, fail_delivery.';
comment on column events.event_deliveries.event_received_at is 'The event''s received_at (partition key): finds the event''s partition and makes (event, subscription) unique across partitions.';
comment on column events.event_deliveries.target_kind is 'The subscription''s target kind, copied so claim_deliveries can filter by it from the index.';
comment on column events.event_deliveries.status is
  'pending (waiting for next_attempt_at) -> leased (a worker holds it) -> succeeded | pending (retry) | dead_letter (attempts exhausted or not retryable). succeeded and dead_letter -> pending on replay.';
comment on column events.event_deliveries.attempts is 'Attempts started (counted at claim).';
comment on column events.event_deliveries.max_attempts is 'Resolved at routing: the subscription''s max_attempts, else the event type''s.';
comment on column events.event_deliveries.backoff_base_seconds is 'Resolved at routing: first retry delay (see events.retry_delay).';
comment on column events.event_deliveries.backoff_cap_seconds is 'Resolved at routing: longest retry delay.';
comment on column events.event_deliveries.lease_seconds is 'Resolved at routing: lease length given at claim and extended by heartbeat.';
comment on column events.event_deliveries.next_attempt_at is 'Earliest time the delivery may be claimed.';
comment on column events.event_deliveries.locked_by is 'Worker holding the lease; set exactly when status is leased.';
comment on column events.event_deliveries.locked_until is 'End of the lease; past it, recover_expired_deliveries() returns the delivery to the queue.';
comment on column events.event_deliveries.response is 'What the target answered on the last attempt (status code, excerpt of the body...); a JSON object of at most 64 KiB.';
comment on column events.event_deliveries.last_error is 'Error of the last failed attempt, kept when the delivery is dead-lettered.';
comment on column events.event_deliveries.replay_count is 'How many times replay_event re-queued this delivery.';

do $$
begin
  perform base.register_partitioned_table('events.event_deliveries', 'month', p_premake => 3,
    p_retention => interval '365 days');  -- operator configuration: see events/retention
end
$$;

create trigger _100_set_updated_at
  before update on events.event_deliveries
  for each row execute function base.tg__set_updated_at();

create trigger _200_check_status_transition
  before update of status on events.event_deliveries
  for each row when (old.status is distinct from new.status)
  execute function events.tg__check_status_transition(
    'event delivery', 'pending:leased|dead_letter', 'leased:succeeded|pending|dead_letter',
    'succeeded:pending', 'dead_letter:pending');

alter table events.event_deliveries enable row level security;

create policy select_member on events.event_deliveries
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.event_deliveries is 'Members (viewer and up) follow their organization''s deliveries.';

create policy all_service_role on events.event_deliveries
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.event_deliveries is 'Routing, delivery workers and retention run as service_role.';

grant select on events.event_deliveries to authenticated;
grant select, insert, delete on events.event_deliveries to service_role;
grant update (status, attempts, next_attempt_at, locked_by, locked_until, last_attempt_at, completed_at,
              response, last_error, replay_count)
  on events.event_deliveries to service_role;

commit;
