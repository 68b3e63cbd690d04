-- Deploy platform:events/event_processing_logs to pg
-- What happened at each step of an event's life after ingest: routed (to how many
-- subscriptions), routing failed, each delivery attempt's outcome (delivered, failed with retry,
-- dead-lettered), lease expiry and replays. Append-only in practice, so it is partitioned by
-- month on logged_at with its own, shorter retention (base.partition_config, 90 days): it is an
-- operational log, not the record of the event.
-- event_id, delivery_id and subscription_id are plain references: the rows they name may be
-- removed by retention before the log line is.

begin;

create table events.event_processing_logs (
  organization_id    uuid        not null,
  id                 uuid        not null default base.uuid_generate_v7(),
  logged_at          timestamptz not null default now(),
  event_id           uuid        not null,
  event_received_at  timestamptz not null,
  delivery_id        uuid,
  subscription_id    uuid,
  step               text        not null,
  level              text        not null default 'info',
  worker_id          text,
  message            text        not null,
  details            jsonb       not null default '{}',
  constraint event_processing_logs_pkey primary key (organization_id, id, logged_at),
  constraint event_processing_logs_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint event_processing_logs_step_check check (
    step in ('routed', 'routing_failed', 'delivered', 'delivery_failed', 'dead_lettered', 'lease_expired', 'replayed')),
  constraint event_processing_logs_level_check check (level in ('info', 'warning', 'error')),
  constraint event_processing_logs_worker_id_check check (length(worker_id) between 1 and 200),
  constraint event_processing_logs_message_check check (length(message) between 1 and 10000),
  constraint event_processing_logs_details_check check (
    jsonb_typeof(details) = 'object' and pg_column_size(details) <= 65536)
) partition by range (logged_at);

-- An event's history in order.
create index event_processing_logs_organization_id_event_id_logged_at_idx
  on events.event_processing_logs (organization_id, event_id, logged_at);

comment on table events.event_processing_logs is
  'Step-by-step history of routing and delivery (routed, routing_failed, delivered, delivery_failed, dead_lettered, lease_expired, replayed). Partitioned by month on logged_at, kept 90 days (base.partition_config).';
comment on column events.event_processing_logs.event_id is 'The event (no foreign key: retention may remove it first).';
comment on column events.event_processing_logs.event_received_at is 'The event''s received_at, to find it in its partition.';
comment on column events.event_processing_logs.delivery_id is 'The delivery the step concerns, for delivery steps.';
comment on column events.event_processing_logs.subscription_id is 'The subscription of that delivery.';
comment on column events.event_processing_logs.step is
  'routed | routing_failed | delivered | delivery_failed | dead_lettered | lease_expired | replayed.';
comment on column events.event_processing_logs.level is 'info, warning (a retry is scheduled) or error (routing failed, dead-lettered).';
comment on column events.event_processing_logs.worker_id is 'The worker that reported the step, when one did.';
comment on column events.event_processing_logs.details is 'Step data (attempt, next_attempt_at, deliveries created, error...); a JSON object of at most 64 KiB.';

do $$
begin
  perform base.register_partitioned_table('events.event_processing_logs', 'month', p_premake => 3,
    p_retention => interval '90 days');
end
$$;

alter table events.event_processing_logs enable row level security;

create policy select_member on events.event_processing_logs
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.event_processing_logs is 'Members (viewer and up) read how their organization''s events were processed.';

create policy all_service_role on events.event_processing_logs
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.event_processing_logs is 'Routing, delivery workers and retention write the log as service_role.';

grant select on events.event_processing_logs to authenticated;
grant select, insert on events.event_processing_logs to service_role;

-- Append-only for every role, the owner included (base/append_only): log lines leave with their
-- month's partition (retention) or their organization (ON DELETE CASCADE).
do $$ begin perform base.enable_append_only('events.event_processing_logs'); end $$;

commit;
