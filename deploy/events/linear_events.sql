-- Deploy platform:events/linear_events to pg
-- Typed fields of Linear webhook events that queries filter on: action, entity, issue
-- identifier, team, state and priority.
-- Same key, partitioning and retention as events.events: one row per event of the source,
-- (organization_id, event_id, received_at), so a month of linear_events leaves with the event month.
-- Filled at ingest, from the payload, by the per-source field functions of
-- events/fill_source_tables.
-- Text fields are cut to their column's length limit, numbers that are not JSON numbers become
-- NULL: a surprising payload never fails an ingest here.
-- No foreign key to events.events (partitioned; see events/event_idempotency_keys).

begin;

create table events.linear_events (
  organization_id   uuid        not null,
  event_id          uuid        not null,
  received_at       timestamptz not null,
  event_type        text        not null,
  action            text,
  entity_type       text,
  entity_id         text,
  issue_identifier  text,
  team_key          text,
  state_name        text,
  priority          integer,
  constraint linear_events_pkey primary key (organization_id, event_id, received_at),
  constraint linear_events_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint linear_events_action_check check (length(action) <= 100),
  constraint linear_events_entity_type_check check (length(entity_type) <= 100),
  constraint linear_events_entity_id_check check (length(entity_id) <= 100),
  constraint linear_events_issue_identifier_check check (length(issue_identifier) <= 100),
  constraint linear_events_team_key_check check (length(team_key) <= 100),
  constraint linear_events_state_name_check check (length(state_name) <= 200)
) partition by range (received_at);

create index linear_events_organization_id_entity_id_received_at_idx
  on events.linear_events (organization_id, entity_id, received_at);

comment on table events.linear_events is
  'Typed fields of Linear events (one row per events.events row with source linear), filled at ingest from the payload.';
comment on column events.linear_events.action is 'payload.action: create, update or remove.';
comment on column events.linear_events.entity_type is 'payload.type: Issue, Comment, Project...';
comment on column events.linear_events.entity_id is 'payload.data.id: Linear''s id of the entity; an issue''s history is its rows in time order.';
comment on column events.linear_events.issue_identifier is 'payload.data.identifier, e.g. ENG-123 (issues), or of the commented issue.';
comment on column events.linear_events.team_key is 'payload.data.team.key, e.g. ENG.';
comment on column events.linear_events.state_name is 'payload.data.state.name, e.g. In Progress.';
comment on column events.linear_events.priority is 'payload.data.priority (0 none ... 4 low) when it is a JSON number.';

do $$
begin
  perform base.register_partitioned_table('events.linear_events', 'month', p_premake => 3,
    p_retention => interval '365 days');  -- operator configuration: see events/retention
end
$$;

alter table events.linear_events enable row level security;

create policy select_member on events.linear_events
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.linear_events is 'Members (viewer and up) read their organization''s events.';

create policy all_service_role on events.linear_events
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.linear_events is 'Ingest and retention run as service_role.';

grant select on events.linear_events to authenticated;
grant select, insert, delete on events.linear_events to service_role;

commit;
