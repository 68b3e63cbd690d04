-- Deploy platform:projects/projects to pg
-- Projects: the top-level unit of work of an organization.
--   * goals are structured (a JSON array of {text, target_date, done}) and validated for shape by
--     projects.validate_goals(), which names the offending goal (23514);
--   * soft delete: deleted_at hides a project from everybody but admins (RLS), frees its name and
--     slug (the unique indexes cover live rows only), and every "live" index is partial;
--   * status is only declared here (allowed values); the lifecycle rules, the status history and
--     projects.transition_project() come with projects/project_lifecycle.

begin;

create function projects.validate_goals(p_goals jsonb)
returns boolean
language plpgsql
immutable
parallel safe
as $$
declare
  v_goal  jsonb;
  v_index integer := 0;
  v_key   text;
begin
  if p_goals is null then
    return true;
  end if;
  if jsonb_typeof(p_goals) <> 'array' then
    raise exception 'project goals must be a JSON array, not %', jsonb_typeof(p_goals)
      using errcode = '23514', hint = 'Example: [{"text": "Ship v1", "target_date": "2027-03-31", "done": false}]';
  end if;
  if jsonb_array_length(p_goals) > 100 or pg_column_size(p_goals) > 65536 then
    raise exception 'project goals are limited to 100 entries and 64 KiB'
      using errcode = '23514';
  end if;
  for v_goal in select g.value from jsonb_array_elements(p_goals) as g loop
    v_index := v_index + 1;
    if jsonb_typeof(v_goal) <> 'object' then
      raise exception 'project goal % must be a JSON object, not %', v_index, jsonb_typeof(v_goal)
        using errcode = '23514', hint = 'Allowed keys: text (required), target_date, done.';
    end if;
    for v_key in select jsonb_object_keys(v_goal) loop
      if v_key not in ('text', 'target_date', 'done') then
        raise exception 'project goal % has an unknown key "%"', v_index, v_key
          using errcode = '23514', hint = 'Allowed keys: text (required), target_date, done.';
      end if;
    end loop;
    if jsonb_typeof(v_goal -> 'text') is distinct from 'string'
       or length(btrim(v_goal ->> 'text')) not between 1 and 500 then
      raise exception 'project goal % needs a text of 1 to 500 characters', v_index
        using errcode = '23514';
    end if;
    if jsonb_typeof(v_goal -> 'target_date') not in ('null') then
      if jsonb_typeof(v_goal -> 'target_date') <> 'string'
         or (v_goal ->> 'target_date') !~ '^\d{4}-\d{2}-\d{2}$' then
        raise exception 'project goal % has target_date %, which is not a YYYY-MM-DD date', v_index, v_goal -> 'target_date'
          using errcode = '23514';
      end if;
      begin
        perform (v_goal ->> 'target_date')::date;
      exception when datetime_field_overflow or invalid_datetime_format then
        raise exception 'project goal % has target_date %, which is not a calendar date', v_index, v_goal ->> 'target_date'
          using errcode = '23514';
      end;
    end if;
    if jsonb_typeof(v_goal -> 'done') not in ('boolean') then
      raise exception 'project goal % has done = %, which is not a boolean', v_index, v_goal -> 'done'
        using errcode = '23514';
    end if;
  end loop;
  return true;
end
$$;

comment on function projects.validate_goals(jsonb) is
  'Check of projects.goals: a JSON array (at most 100 entries, 64 KiB) of objects {text: 1-500 characters (required), target_date: "YYYY-MM-DD" or null, done: boolean}. Returns true or raises 23514 naming the offending goal.';
revoke execute on function projects.validate_goals(jsonb) from public;
grant execute on function projects.validate_goals(jsonb) to authenticated, service_role;

create table projects.projects (
  organization_id    uuid        not null,
  id                 uuid        not null default base.uuid_generate_v7(),
  name               text        not null,
  slug               text        not null,
  description        text,
  status             text        not null default 'planning',
  priority           text        not null default 'medium',
  owner_id           uuid,
  goals              jsonb       not null default '[]',
  start_date         date,
  target_date        date,
  metadata           jsonb       not null default '{}',
  status_changed_at  timestamptz not null default now(),
  completed_at       timestamptz,
  deleted_at         timestamptz,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  constraint projects_pkey primary key (organization_id, id),
  constraint projects_organization_id_fkey foreign key (organization_id)
    references base.organizations (id) on delete cascade,
  -- The owner must be a member of the organization; when they leave it, the project keeps going
  -- without an owner (only owner_id is cleared, not organization_id).
  constraint projects_organization_id_owner_id_fkey foreign key (organization_id, owner_id)
    references base.organization_members (organization_id, user_id) on delete set null (owner_id),
  constraint projects_name_check check (length(name) between 1 and 200 and name = btrim(name)),
  constraint projects_slug_check check (slug ~ '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$'),
  constraint projects_description_check check (length(description) <= 10000),
  constraint projects_status_check
    check (status in ('planning', 'active', 'on_hold', 'completed', 'archived', 'cancelled')),
  constraint projects_priority_check check (priority in ('low', 'medium', 'high', 'critical')),
  constraint projects_goals_check check (projects.validate_goals(goals)),
  constraint projects_target_date_check check (target_date >= start_date),
  constraint projects_metadata_check
    check (jsonb_typeof(metadata) = 'object' and pg_column_size(metadata) <= 65536),
  constraint projects_completed_at_check
    check ((completed_at is not null) = (status in ('completed', 'archived')))
);

-- Live rows only: a deleted project frees its name and slug, and no live query reads past it.
create unique index projects_organization_id_name_key
  on projects.projects (organization_id, lower(name)) where deleted_at is null;
create unique index projects_organization_id_slug_key
  on projects.projects (organization_id, slug) where deleted_at is null;
create index projects_organization_id_status_idx
  on projects.projects (organization_id, status) where deleted_at is null;
-- Overdue targets (organization summary): open projects by target date.
create index projects_organization_id_target_date_idx
  on projects.projects (organization_id, target_date)
  where deleted_at is null and status in ('planning', 'active', 'on_hold');
create index projects_organization_id_owner_id_idx
  on projects.projects (organization_id, owner_id) where owner_id is not null;

comment on table projects.projects is
  'Projects of an organization, with goals, dates, priority, owner and a validated status lifecycle (projects.transition_project). Soft-deleted with deleted_at: only admins see deleted rows.';
comment on column projects.projects.name is 'Display name; unique per organization (case-insensitive) among live projects.';
comment on column projects.projects.slug is 'URL name: 1-63 characters of a-z, 0-9 and hyphen; unique per organization among live projects.';
comment on column projects.projects.status is
  'Lifecycle: planning -> active <-> on_hold, active -> completed -> archived, planning/active/on_hold -> cancelled. Changed through projects.transition_project() or an UPDATE that the lifecycle trigger validates (55000).';
comment on column projects.projects.priority is 'low, medium, high or critical.';
comment on column projects.projects.owner_id is 'Accountable user; must be a member of the organization (composite FK to base.organization_members). Cleared when they leave.';
comment on column projects.projects.goals is 'JSON array of {text, target_date, done} goals; see projects.validate_goals().';
comment on column projects.projects.target_date is 'Planned end; never before start_date. Open projects past it count as overdue.';
comment on column projects.projects.metadata is 'Open key/value data for integrations; a JSON object of at most 64 KiB.';
comment on column projects.projects.status_changed_at is 'When status last changed (maintained by the lifecycle trigger).';
comment on column projects.projects.completed_at is 'When the project was completed; set exactly for completed and archived projects.';
comment on column projects.projects.deleted_at is 'Soft delete: set by an admin, the project disappears for everyone else. Clear it to restore.';

create trigger _100_set_updated_at
  before update on projects.projects
  for each row execute function base.tg__set_updated_at();

do $$ begin perform base.enable_audit('projects.projects'); end $$;

alter table projects.projects enable row level security;

-- One permissive policy per command and role: PostgreSQL evaluates every permissive policy that
-- applies, so two of them cost two checks per row (Supabase's advisor flags it).
create policy select_viewer on projects.projects
  for select to authenticated
  using ((deleted_at is null
          and organization_id = any ((select internal.organization_ids_for('viewer'))::uuid[]))
         or organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy select_viewer on projects.projects is
  'Every member of the organization (viewer and up) reads its live projects; admins and owners also see soft-deleted ones, so they can restore them.';

create policy insert_member on projects.projects
  for insert to authenticated
  with check (deleted_at is null
              and organization_id = any ((select internal.organization_ids_for('member'))::uuid[]));
comment on policy insert_member on projects.projects is 'Members create projects (live ones).';

create policy update_member on projects.projects
  for update to authenticated
  using ((deleted_at is null
          and organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
         or organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]))
  with check ((deleted_at is null
               and organization_id = any ((select internal.organization_ids_for('member'))::uuid[]))
              or organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy update_member on projects.projects is
  'Members edit live projects but cannot soft-delete them (the new row must stay live); admins and owners edit any project, soft-delete (set deleted_at) and restore it. Status changes are further limited to project leads and admins by the lifecycle trigger.';

create policy delete_admin on projects.projects
  for delete to authenticated
  using (organization_id = any ((select internal.organization_ids_for('admin'))::uuid[]));
comment on policy delete_admin on projects.projects is 'Only admins and owners delete a project for good (with its links, team and history).';

create policy all_service_role on projects.projects
  for all to service_role using (true) with check (true);
comment on policy all_service_role on projects.projects is 'Trusted services manage every project.';

grant select, delete on projects.projects to authenticated;
grant insert (organization_id, name, slug, description, status, priority, owner_id, goals,
              start_date, target_date, metadata)
  on projects.projects to authenticated;
grant update (name, slug, description, status, priority, owner_id, goals, start_date, target_date,
              metadata, deleted_at)
  on projects.projects to authenticated;
grant select, insert, update, delete on projects.projects to service_role;

commit;
