-- Deploy platform:projects/status_machine to pg
-- The project lifecycle becomes rows of base.status_transitions (machine projects.projects.status),
-- enforced by the package's one transition trigger (base/status_machines) with its one 55000
-- message. projects.allowed_project_transitions() goes (dropped by the rework of projects/project_lifecycle): UIs read the table. The guard keeps
-- what is not a transition (a new project starts in planning or active, a deleted project keeps its
-- status, only leads and admins change it, the stamps); transition_project() reads the table.

begin;

set local lock_timeout = '5s';
-- Citus: triggers on distributed tables (a placeholder setting where Citus is absent).
set local citus.enable_unsafe_triggers = on;
-- Citus: function DDL after trigger DDL on distributed tables needs sequential shard commands.
set local citus.multi_shard_modify_mode = 'sequential';

insert into base.status_transitions (machine, from_status, to_status) values
  ('projects.projects.status', 'planning',  'active'),
  ('projects.projects.status', 'planning',  'cancelled'),
  ('projects.projects.status', 'active',    'on_hold'),
  ('projects.projects.status', 'active',    'completed'),
  ('projects.projects.status', 'active',    'cancelled'),
  ('projects.projects.status', 'on_hold',   'active'),
  ('projects.projects.status', 'on_hold',   'cancelled'),
  ('projects.projects.status', 'completed', 'archived');

create trigger _000_check_status_transition
  before update of status on projects.projects
  for each row when (old.status is distinct from new.status)
  execute function internal.tg__check_status_transition('projects.projects.status', 'status');

create or replace function internal.tg_projects__guard_status()
returns trigger
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
begin
  if tg_op = 'INSERT' then
    if new.status not in ('planning', 'active') then
      raise exception 'a new project starts in planning or active, not %', new.status
        using errcode = '55000', hint = 'Create it in planning or active, then use projects.transition_project().';
    end if;
    new.status_changed_at := now();
    new.completed_at := null;
    return new;
  end if;

  if new.status is not distinct from old.status then
    return new;
  end if;

  if old.deleted_at is not null then
    raise exception 'project % is deleted: its status cannot change', old.id
      using errcode = '55000', hint = 'An admin restores it first (set deleted_at to NULL).';
  end if;

  if base.current_user_id() is not null
     and not base.has_organization_role(new.organization_id, 'admin')
     and not new.id = any (internal.led_project_ids()) then
    raise exception 'only a lead of project % or an admin of its organization may change its status', new.id
      using errcode = '42501';
  end if;

  new.status_changed_at := now();
  if new.status = 'completed' then
    new.completed_at := now();
  elsif new.status <> 'archived' then
    new.completed_at := null;
  end if;
  return new;
end
$$;

comment on function internal.tg_projects__guard_status() is
  'BEFORE INSERT/UPDATE OF status on projects.projects: new projects start in planning or active (55000); a change (already checked against base.status_transitions by _000_check_status_transition) needs a live project (55000) and a project lead or organization admin (42501); stamps status_changed_at and completed_at.';

create or replace function projects.transition_project(
  organization_id uuid,
  project_id      uuid,
  new_status      text,
  note            text default null)
returns projects.projects
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_project projects.projects;
  v_allowed text;
begin
  if new_status is null or length(new_status) > 64
     or not exists (select from base.status_transitions as t
                     where t.machine = 'projects.projects.status'
                       and new_status in (t.from_status, t.to_status)) then
    raise exception 'unknown project status %', coalesce(quote_literal(left(new_status, 64)), 'NULL')
      using errcode = '22023',
            hint = 'Allowed: planning, active, on_hold, completed, archived, cancelled.';
  end if;
  if length(note) > 2000 then
    raise exception 'a status note is limited to 2000 characters (got %)', length(note)
      using errcode = '22023';
  end if;
  if base.current_user_id() is not null
     and not base.has_organization_role(transition_project.organization_id, 'member') then
    raise exception 'only a lead of project % or an admin of its organization may change its status',
                    transition_project.project_id
      using errcode = '42501';
  end if;

  select p.* into v_project
    from projects.projects as p
   where p.organization_id = transition_project.organization_id
     and p.id = transition_project.project_id
     for update;
  if not found then
    raise exception 'project % not found in organization %',
                    transition_project.project_id, transition_project.organization_id
      using errcode = 'P0002';
  end if;

  -- Staying in the same state is not a transition: the trigger's message, raised here.
  if v_project.status = new_status then
    select string_agg(t.to_status, ', ' order by t.to_status) into v_allowed
      from base.status_transitions as t
     where t.machine = 'projects.projects.status' and t.from_status = new_status;
    raise exception 'invalid status transition for projects.projects.status: "%" -> "%"', new_status, new_status
      using errcode = '55000',
            detail = format('allowed from "%s": %s', new_status, coalesce(v_allowed, 'none (final state)')),
            hint = 'The allowed transitions are the rows of base.status_transitions where machine = ''projects.projects.status''.';
  end if;

  perform set_config('projects.status_note', coalesce(note, ''), true);
  update projects.projects as p
     set status = new_status
   where p.organization_id = transition_project.organization_id
     and p.id = transition_project.project_id
  returning p.* into v_project;
  perform set_config('projects.status_note', '', true);

  return v_project;
end
$$;

comment on function projects.transition_project(uuid, uuid, text, text) is
  'Moves a project to new_status and records the change (with note) in projects.project_status_history; returns the updated project. Runs as the caller, under RLS. 22023 unknown status or note over 2000 characters, 42501 caller is not a project lead or organization admin, P0002 no such project in the organization, 55000 transition not in base.status_transitions (invalid status transition for projects.projects.status, DETAIL the allowed next states) or project deleted.';

-- Replaced by base.status_transitions: a breaking change, listed in the CHANGELOG.

commit;
