-- Deploy platform:projects/project_status_history to pg
-- Every status a project has been in: who moved it, when, from what to what, and why. Written
-- only by the lifecycle trigger (projects/project_lifecycle), never by clients: API roles get
-- SELECT alone, so the history cannot be forged or edited, and the append-only guard
-- (base/append_only) refuses UPDATE, DELETE and TRUNCATE to every role, the owner included.
-- Deleting the project or the organization still deletes its history (ON DELETE CASCADE).

begin;

create table projects.project_status_history (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  project_id       uuid        not null,
  from_status      text,
  to_status        text        not null,
  changed_by       uuid,
  changed_at       timestamptz not null default now(),
  note             text,
  constraint project_status_history_pkey primary key (organization_id, id),
  constraint project_status_history_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint project_status_history_organization_id_project_id_fkey foreign key (organization_id, project_id)
    references projects.projects (organization_id, id) on delete cascade,
  constraint project_status_history_from_status_check
    check (from_status in ('planning', 'active', 'on_hold', 'completed', 'archived', 'cancelled')),
  constraint project_status_history_to_status_check
    check (to_status in ('planning', 'active', 'on_hold', 'completed', 'archived', 'cancelled')),
  constraint project_status_history_note_check check (length(note) <= 2000)
);

-- A project's history in order; also the index behind the project foreign key.
create index project_status_history_organization_id_project_id_idx
  on projects.project_status_history (organization_id, project_id, changed_at);

comment on table projects.project_status_history is
  'Status history of projects, one row per change (and one for the creation). Written by the lifecycle trigger only; read-only for every API role.';
comment on column projects.project_status_history.from_status is 'Status before the change; NULL for the row recording the project''s creation.';
comment on column projects.project_status_history.changed_by is
  'JWT subject of the user who made the change; NULL for trusted services. A soft reference (no FK): the history outlives users.';
comment on column projects.project_status_history.note is 'Why: the note passed to projects.transition_project(), at most 2000 characters.';

alter table projects.project_status_history enable row level security;

create policy select_viewer on projects.project_status_history
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on projects.project_status_history is 'Every member of the organization reads the status history.';

create policy all_service_role on projects.project_status_history
  for all to service_role using (true) with check (true);
comment on policy all_service_role on projects.project_status_history is 'Trusted services read every organization''s history; SELECT is their only grant (the history is append-only).';

grant select on projects.project_status_history to authenticated;
grant select on projects.project_status_history to service_role;

do $$ begin perform base.enable_append_only('projects.project_status_history'); end $$;

commit;
