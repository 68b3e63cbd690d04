-- Deploy platform:events/deployment_events to pg
-- Typed fields of deployment events that queries filter on: environment, service, version,
-- status, commit and duration.
-- Same key, partitioning and retention as events.events: one row per event of the source,
-- (organization_id, event_id, received_at), so a month of deployment_events leaves with the event month.
-- Filled at ingest, from the payload, by the per-source field functions of
-- events/fill_source_tables.
-- Text fields are cut to their column's length limit, numbers that are not JSON numbers become
-- NULL: a surprising payload never fails an ingest here.
-- No foreign key to events.events (partitioned; see events/event_idempotency_keys).

begin;

create table events.deployment_events (
  organization_id   uuid        not null,
  event_id          uuid        not null,
  received_at       timestamptz not null,
  event_type        text        not null,
  environment       text,
  service           text,
  version           text,
  status            text,
  commit_sha        text,
  duration_seconds  numeric(12, 3),
  constraint deployment_events_pkey primary key (organization_id, event_id, received_at),
  constraint deployment_events_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint deployment_events_environment_check check (length(environment) <= 100),
  constraint deployment_events_service_check check (length(service) <= 200),
  constraint deployment_events_version_check check (length(version) <= 200),
  constraint deployment_events_status_check check (length(status) <= 50),
  constraint deployment_events_commit_sha_check check (length(commit_sha) <= 64),
  constraint deployment_events_duration_seconds_check check (duration_seconds >= 0)
) partition by range (received_at);

create index deployment_events_organization_id_environment_received_at_idx
  on events.deployment_events (organization_id, environment, received_at);

comment on table events.deployment_events is
  'Typed fields of deployment events (one row per events.events row with source deployment), filled at ingest from the payload.';
comment on column events.deployment_events.environment is 'payload.environment: production, staging...';
comment on column events.deployment_events.service is 'payload.service: what was deployed.';
comment on column events.deployment_events.version is 'payload.version: the version or tag deployed.';
comment on column events.deployment_events.status is 'payload.status, or the event type (started, succeeded, failed, rolled_back) when absent.';
comment on column events.deployment_events.commit_sha is 'payload.commit_sha.';
comment on column events.deployment_events.duration_seconds is 'payload.duration_seconds when it is a non-negative JSON number below 10^9.';

do $$
begin
  perform base.register_partitioned_table('events.deployment_events', 'month', p_premake => 3,
    p_retention => interval '365 days');  -- operator configuration: see events/retention
end
$$;

alter table events.deployment_events enable row level security;

create policy select_member on events.deployment_events
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.deployment_events is 'Members (viewer and up) read their organization''s events.';

create policy all_service_role on events.deployment_events
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.deployment_events is 'Ingest and retention run as service_role.';

grant select on events.deployment_events to authenticated;
grant select, insert, delete on events.deployment_events to service_role;

commit;
