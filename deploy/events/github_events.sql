-- Deploy platform:events/github_events to pg
-- Typed fields of GitHub webhook events that queries filter on: repository, action, sender,
-- ref, issue or pull request number and commit.
-- Same key, partitioning and retention as events.events: one row per event of the source,
-- (organization_id, event_id, received_at), so a month of github_events leaves with the event month.
-- Filled at ingest, from the payload, by the per-source field functions of
-- events/fill_source_tables.
-- Text fields are cut to their column's length limit, numbers that are not JSON numbers become
-- NULL: a surprising payload never fails an ingest here.
-- No foreign key to events.events (partitioned; see events/event_idempotency_keys).

begin;

create table events.github_events (
  organization_id       uuid        not null,
  event_id              uuid        not null,
  received_at           timestamptz not null,
  event_type            text        not null,
  repository_full_name  text,
  action                text,
  sender_login          text,
  ref                   text,
  number                integer,
  commit_sha            text,
  constraint github_events_pkey primary key (organization_id, event_id, received_at),
  constraint github_events_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint github_events_repository_full_name_check check (length(repository_full_name) <= 200),
  constraint github_events_action_check check (length(action) <= 100),
  constraint github_events_sender_login_check check (length(sender_login) <= 100),
  constraint github_events_ref_check check (length(ref) <= 500),
  constraint github_events_commit_sha_check check (length(commit_sha) <= 64)
) partition by range (received_at);

create index github_events_organization_id_repository_full_name_idx
  on events.github_events (organization_id, repository_full_name, received_at);

comment on table events.github_events is
  'Typed fields of GitHub events (one row per events.events row with source github), filled at ingest from the payload.';
comment on column events.github_events.repository_full_name is 'payload.repository.full_name, e.g. acme/api.';
comment on column events.github_events.action is 'payload.action (opened, closed, completed...); NULL for push.';
comment on column events.github_events.sender_login is 'payload.sender.login: who triggered the event.';
comment on column events.github_events.ref is 'payload.ref (push), else the pull request''s head ref.';
comment on column events.github_events.number is 'Pull request or issue number (payload.pull_request.number or payload.issue.number).';
comment on column events.github_events.commit_sha is 'payload.after (push), the pull request''s head sha or the workflow run''s head_sha.';

do $$
begin
  perform base.register_partitioned_table('events.github_events', 'month', p_premake => 3,
    p_retention => interval '365 days');  -- operator configuration: see events/retention
end
$$;

alter table events.github_events enable row level security;

create policy select_member on events.github_events
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_member on events.github_events is 'Members (viewer and up) read their organization''s events.';

create policy all_service_role on events.github_events
  for all to service_role using (true) with check (true);
comment on policy all_service_role on events.github_events is 'Ingest and retention run as service_role.';

grant select on events.github_events to authenticated;
grant select, insert, delete on events.github_events to service_role;

commit;
