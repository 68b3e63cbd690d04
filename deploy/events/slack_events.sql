-- Deploy platform:events/slack_events to pg
-- Typed fields of Slack Events API callbacks that queries filter on: workspace, channel, user,
-- message and thread timestamps.
-- Same key, partitioning and retention as events.events: one row per event of the source,
-- (organization_id, event_id, received_at), so a month of slack_events leaves with the event month.
-- Filled at ingest, from the payload, by the per-source field functions of
-- events/fill_source_tables.
-- Text fields are cut to their column's length limit, numbers that are not JSON numbers become
-- NULL: a surprising payload never fails an ingest here.
-- No foreign key to events.events (partitioned; see events/event_idempotency_keys).

begin;

create table events.slack_events (
  organization_id  uuid        not null,
  event_id         uuid        not null,
  received_at      timestamptz not null,
  event_type       text        not null,
  team_id          text,
  channel_id       text,
  user_id          text,
  message_ts       text,
  thread_ts        text,
  constraint slack_events_pkey primary key (organization_id, event_id, received_at),
  constraint slack_events_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint slack_events_team_id_check check (length(team_id) <= 50),
  constraint slack_events_channel_id_check check (length(channel_id) <= 50),
  constraint slack_events_user_id_check check (length(user_id) <= 50),
  constraint slack_events_message_ts_check check (length(message_ts) <= 50),
  constraint slack_events_thread_ts_check check (length(thread_ts) <= 50)
) partition by range (received_at);

create index slack_events_organization_id_channel_id_received_at_idx
  on events.slack_events (organization_id, channel_id, received_at);

comment on table events.slack_events is
  'Typed fields of Slack events (one row per events.events row with source slack), filled at ingest from the payload.';
comment on column events.slack_events.team_id is 'payload.team_id: the Slack workspace.';
comment on column events.slack_events.channel_id is 'payload.event.channel (or payload.event.item.channel for reactions).';
comment on column events.slack_events.user_id is 'payload.event.user: the Slack user who acted.';
comment on column events.slack_events.message_ts is 'payload.event.ts (or event.item.ts): Slack''s id of the message.';
comment on column events.slack_events.thread_ts is 'payload.event.thread_ts: the thread''s parent message, when in a thread.';

do $$
begin
  perform base.register_partitioned_table('events.slack_events', 'month', p_premake => 3,
    p_retention => interval '365 days');  -- operator configuration: see events/retention
end
$$;

alter table events.slack_events enable row level security;

create policy select_member on events.slack_events
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.slack_events is 'Members (viewer and up) read their organization''s events.';

create policy all_service_role on events.slack_events
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.slack_events is 'Ingest and retention run as service_role.';

grant select on events.slack_events to authenticated;
grant select, insert, delete on events.slack_events to service_role;

commit;
