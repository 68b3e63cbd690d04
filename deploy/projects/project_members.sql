-- Deploy platform:projects/project_members to pg
-- The project team: which organization members work on which project, as lead, contributor or
-- observer.
--   * only members of the organization can join: (organization_id, user_id) is a foreign key to
--     base.organization_members' unique key, so a user who leaves the organization leaves its
--     project teams too (cascade), and an outsider can never be added;
--   * organization admins and the project's leads manage the team; anyone may leave a team;
--   * internal.led_project_ids() tells policies and the lifecycle trigger which projects the
--     caller leads (SECURITY DEFINER, like internal.organization_ids_for, so that a policy on this
--     table can ask about this table without recursing into its own RLS).

begin;

create table projects.project_members (
  organization_id  uuid        not null,
  id               uuid        not null default base.uuid_generate_v7(),
  project_id       uuid        not null,
  user_id          uuid        not null,
  role             text        not null default 'contributor',
  joined_at        timestamptz not null default now(),
  created_at       timestamptz not null default now(),
  updated_at       timestamptz not null default now(),
  constraint project_members_pkey primary key (organization_id, id),
  constraint project_members_organization_id_project_id_user_id_key
    unique (organization_id, project_id, user_id),
  constraint project_members_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  constraint project_members_organization_id_project_id_fkey foreign key (organization_id, project_id)
    references projects.projects (organization_id, id) on delete cascade,
  constraint project_members_organization_id_user_id_fkey foreign key (organization_id, user_id)
    references base.organization_members (organization_id, user_id) on delete cascade,
  constraint project_members_role_check check (role in ('lead', 'contributor', 'observer'))
);

-- "Which projects does this user work on / lead": the FK to organization_members and the
-- policies' helper both start with the user.
create index project_members_organization_id_user_id_idx
  on projects.project_members (organization_id, user_id) include (project_id, role);

comment on table projects.project_members is
  'Project teams: an organization member''s role (lead, contributor, observer) in a project. Only organization members can join (composite FK to base.organization_members).';
comment on column projects.project_members.role is
  'lead (changes the project''s status and manages its team), contributor, or observer.';
comment on column projects.project_members.joined_at is 'When the user joined the project team.';

create trigger _100_set_updated_at
  before update on projects.project_members
  for each row execute function base.tg__set_updated_at();

create function internal.led_project_ids()
returns uuid[]
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(array_agg(pm.project_id), '{}')
    from base.organization_members as m
    join projects.project_members as pm
      on pm.organization_id = m.organization_id and pm.user_id = m.user_id
   where m.user_id = base.current_user_id()
     and pm.role = 'lead'
$$;

comment on function internal.led_project_ids() is
  'The projects the calling user leads (project_members.role = lead). Empty when nobody is authenticated. Used by policies as = ANY((select ...)) and by the lifecycle trigger.';
revoke execute on function internal.led_project_ids() from public;
grant execute on function internal.led_project_ids() to authenticated, service_role;

alter table projects.project_members enable row level security;

create policy select_viewer on projects.project_members
  for select to authenticated
  using (organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]));
comment on policy select_viewer on projects.project_members is 'Every member of the organization sees every project team.';

create policy insert_admin_or_lead on projects.project_members
  for insert to authenticated
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[])
              or (organization_id = any ((select internal.organization_ids_for('member'))::uuid[])
                  and project_id = any ((select internal.led_project_ids())::uuid[])));
comment on policy insert_admin_or_lead on projects.project_members is
  'Organization admins, and leads of the project (who hold at least the member role), add people to the team.';

create policy update_admin_or_lead on projects.project_members
  for update to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[])
         or (organization_id = any ((select internal.organization_ids_for('member'))::uuid[])
             and project_id = any ((select internal.led_project_ids())::uuid[])))
  with check (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[])
              or (organization_id = any ((select internal.organization_ids_for('member'))::uuid[])
                  and project_id = any ((select internal.led_project_ids())::uuid[])));
comment on policy update_admin_or_lead on projects.project_members is
  'Organization admins and the project''s leads change team roles.';

create policy delete_admin_lead_or_self on projects.project_members
  for delete to authenticated
  using (user_id = (select base.current_user_id())
         or organization_id = any ((select internal.organization_ids_for('admin'))::uuid[])
         or (organization_id = any ((select internal.organization_ids_for('member'))::uuid[])
             and project_id = any ((select internal.led_project_ids())::uuid[])));
comment on policy delete_admin_lead_or_self on projects.project_members is
  'Organization admins and the project''s leads remove people from the team; anyone may leave it.';

create policy all_service_role on projects.project_members
  for all to service_role using (true) with check (true);
comment on policy all_service_role on projects.project_members is 'Trusted services manage every project team.';

grant select, delete on projects.project_members to authenticated;
grant insert (organization_id, project_id, user_id, role, joined_at) on projects.project_members to authenticated;
grant update (role) on projects.project_members to authenticated;
grant select, insert, update, delete on projects.project_members to service_role;

commit;
