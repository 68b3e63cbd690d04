-- Revert platform:projects/status_machine from pg
-- Restores the guard and transition_project() that called projects.allowed_project_transitions()
-- (re-created by the revert of the projects/project_lifecycle rework), as base/pin_search_path left them.

begin;

set local lock_timeout = '5s';
set local citus.enable_unsafe_triggers = on;
set local citus.multi_shard_modify_mode = 'sequential';

CREATE OR REPLACE FUNCTION projects.transition_project(organization_id uuid, project_id uuid, new_status text, note text DEFAULT NULL::text)
 RETURNS projects.projects
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$

;

comment on function projects.transition_project(uuid, uuid, text, text) is
  'Moves a project to new_status and records the change (with note) in projects.project_status_history; returns the updated project. Runs as the caller, under RLS. 22023 unknown status or note over 2000 characters, 42501 caller is not a project lead or organization admin, P0002 no such project in the organization, 55000 transition not allowed (message lists the allowed next states) or project deleted.';

CREATE OR REPLACE FUNCTION internal.tg_projects__guard_status()
 RETURNS trigger
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'pg_temp'
AS $function$
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
$function$

;

comment on function internal.tg_projects__guard_status() is
  'BEFORE INSERT/UPDATE OF status on projects.projects: new projects start in planning or active; a change must follow projects.allowed_project_transitions() (55000, naming the allowed states), needs a live project (55000) and a project lead or organization admin (42501); stamps status_changed_at and completed_at.';

drop trigger _000_check_status_transition on projects.projects;

delete from base.status_transitions where machine = 'projects.projects.status';

commit;
