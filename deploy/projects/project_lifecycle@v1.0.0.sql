-- Deploy platform:projects/project_lifecycle to pg
-- The project status lifecycle, enforced in the database whatever the path (an UPDATE from
-- PostgREST, projects.transition_project(), a service):
--
--     planning -> active -> on_hold -> active -> completed -> archived
--     planning | active | on_hold -> cancelled          (completed, archived, cancelled are final
--                                                        except completed -> archived)
--   * a new project starts in planning or active;
--   * an invalid change raises 55000 and names the allowed next states;
--   * only the project's leads and the organization's admins change status (42501); trusted
--     services (no JWT subject) may too;
--   * a soft-deleted project keeps its status until it is restored (55000);
--   * every change, and the creation, is written to projects.project_status_history by a
--     SECURITY DEFINER trigger, with the caller and the note given to transition_project().
-- The note travels from transition_project() to the trigger in a transaction-local setting
-- (projects.status_note, set_config(..., true)), so it is safe behind a transaction pooler.

begin;

create function projects.allowed_project_transitions(p_status text)
returns text[]
language sql
immutable
strict
parallel safe
as $$
  select case when (length(p_status) <= 64 or base.refuse_oversized('p_status', length(p_status), 64)) then case p_status
           when 'planning'  then array['active', 'cancelled']
           when 'active'    then array['on_hold', 'completed', 'cancelled']
           when 'on_hold'   then array['active', 'cancelled']
           when 'completed' then array['archived']
           when 'archived'  then array[]::text[]
           when 'cancelled' then array[]::text[]
         end end
$$;

comment on function projects.allowed_project_transitions(text) is
  'The statuses a project in p_status may move to next (empty for the final states archived and cancelled; NULL for an unknown status). The single definition of the lifecycle, also for UIs.';
revoke execute on function projects.allowed_project_transitions(text) from public;
grant execute on function projects.allowed_project_transitions(text) to authenticated, service_role;

-- BEFORE INSERT OR UPDATE OF status: validate, authorise and stamp.
create function internal.tg_projects__guard_status()
returns trigger
language plpgsql
volatile
as $$
declare
  v_allowed text[];
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

  v_allowed := projects.allowed_project_transitions(old.status);
  if not new.status = any (v_allowed) then
    raise exception 'project % cannot go from % to %: allowed next states are %',
                    old.id, old.status, new.status,
                    case when cardinality(v_allowed) = 0 then 'none (' || old.status || ' is final)'
                         else array_to_string(v_allowed, ', ') end
      using errcode = '55000',
            hint = 'Lifecycle: planning -> active <-> on_hold, active -> completed -> archived; planning, active and on_hold -> cancelled.';
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
  'BEFORE INSERT/UPDATE OF status on projects.projects: new projects start in planning or active; a change must follow projects.allowed_project_transitions() (55000, naming the allowed states), needs a live project (55000) and a project lead or organization admin (42501); stamps status_changed_at and completed_at.';
revoke execute on function internal.tg_projects__guard_status() from public;

create trigger _200_guard_status
  before insert or update of status on projects.projects
  for each row execute function internal.tg_projects__guard_status();

-- AFTER INSERT / UPDATE OF status: write the history, past RLS (no API role may write it).
create function internal.tg_projects__record_status()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into projects.project_status_history
    (organization_id, project_id, from_status, to_status, changed_by, changed_at, note)
  values (new.organization_id, new.id,
          case when tg_op = 'UPDATE' then old.status end,
          new.status, base.current_user_id(), now(),
          nullif(current_setting('projects.status_note', true), ''));
  return null;
end
$$;

comment on function internal.tg_projects__record_status() is
  'AFTER INSERT/UPDATE OF status on projects.projects: appends the change to projects.project_status_history with the caller (JWT subject) and the transaction-local note projects.status_note.';
revoke execute on function internal.tg_projects__record_status() from public;

create trigger _800_record_status_insert
  after insert on projects.projects
  for each row execute function internal.tg_projects__record_status();
create trigger _800_record_status_update
  after update of status on projects.projects
  for each row when (old.status is distinct from new.status)
  execute function internal.tg_projects__record_status();

create function projects.transition_project(
  organization_id uuid,
  project_id      uuid,
  new_status      text,
  note            text default null)
returns projects.projects
language plpgsql
volatile
as $$
declare
  v_project projects.projects;
  v_allowed text[];
begin
  if new_status is null or projects.allowed_project_transitions(new_status) is null then
    raise exception 'unknown project status %', coalesce(quote_literal(new_status), 'NULL')
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

  if v_project.status = new_status then
    v_allowed := projects.allowed_project_transitions(v_project.status);
    raise exception 'project % is already %: allowed next states are %', v_project.id, new_status,
                    case when cardinality(v_allowed) = 0 then 'none (' || new_status || ' is final)'
                         else array_to_string(v_allowed, ', ') end
      using errcode = '55000';
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
  'Moves a project to new_status and records the change (with note) in projects.project_status_history; returns the updated project. Runs as the caller, under RLS. 22023 unknown status or note over 2000 characters, 42501 caller is not a project lead or organization admin, P0002 no such project in the organization, 55000 transition not allowed (message lists the allowed next states) or project deleted.';
revoke execute on function projects.transition_project(uuid, uuid, text, text) from public;
grant execute on function projects.transition_project(uuid, uuid, text, text) to authenticated, service_role;

commit;
