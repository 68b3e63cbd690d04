-- Deploy platform:projects/project_repositories to pg
-- Which repositories make up which project, and in what role. Both foreign keys are composite
-- on (organization_id, ...), and the link has one organization_id: a project and a repository of
-- two different organizations can never be linked, whoever tries (services included).

begin;

create table projects.project_repositories (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  project_id       uuid        not null,
  repository_id    uuid        not null,
  role             text        not null default 'component',
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint project_repositories_pkey primary key (organization_id, id),
  constraint project_repositories_project_id_repository_id_key
    unique (organization_id, project_id, repository_id),
  constraint project_repositories_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint project_repositories_organization_id_project_id_fkey foreign key (organization_id, project_id)
    references projects.projects (organization_id, id) on delete cascade,
  constraint project_repositories_organization_id_repository_id_fkey foreign key (organization_id, repository_id)
    references projects.repositories (organization_id, id) on delete cascade,
  constraint project_repositories_role_check
    check (role in ('primary', 'component', 'dependency', 'docs', 'infrastructure', 'other'))
);

-- "Which projects use this repository", and the repository foreign key's index.
create index project_repositories_organization_id_repository_id_idx
  on projects.project_repositories (organization_id, repository_id);
-- A project has at most one primary repository.
create unique index project_repositories_organization_id_project_id_primary_key
  on projects.project_repositories (organization_id, project_id) where role = 'primary';

comment on table projects.project_repositories is
  'Many-to-many link of projects and repositories of the same organization (composite foreign keys make cross-organization links impossible), with the repository''s role in the project.';
comment on column projects.project_repositories.role is
  'primary (at most one per project), component, dependency, docs, infrastructure or other.';

create trigger _100_set_updated_at
  before update on projects.project_repositories
  for each row execute function base.tg__set_updated_at();

alter table projects.project_repositories enable row level security;

create policy select_viewer on projects.project_repositories
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on projects.project_repositories is 'Every member of the organization reads the links.';

create policy insert_member on projects.project_repositories
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on projects.project_repositories is 'Members link repositories to projects (editing a project).';

create policy update_member on projects.project_repositories
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
  with check (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy update_member on projects.project_repositories is 'Members change a repository''s role in a project.';

create policy delete_member on projects.project_repositories
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy delete_member on projects.project_repositories is
  'Members unlink a repository from a project: editing the project, the project and repository themselves stay (deleting those is for admins).';

create policy all_service_role on projects.project_repositories
  for all to service_role using (true) with check (true);
comment on policy all_service_role on projects.project_repositories is 'Trusted services manage every link.';

grant select, delete on projects.project_repositories to authenticated;
grant insert (organization_id, project_id, repository_id, role) on projects.project_repositories to authenticated;
grant update (role) on projects.project_repositories to authenticated;
grant select, insert, update, delete on projects.project_repositories to service_role;

commit;
